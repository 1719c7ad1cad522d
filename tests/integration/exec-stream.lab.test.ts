// Streaming exec against the lab's real sshd: stdout and stderr apart, the exit status, output
// paused (not buffered) while the consumer is behind, a cap with an explicit "truncated", and a
// cancel that stops the whole remote process group.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FlowChannel } from '../../src/main/api/flow';
import type { ExecEnd, ExecEvent, ExecStream } from '../../src/main/services/ssh/ssh-pool';
import { shCommand } from '../../src/main/services/ssh/quote';
import { readState } from '../lab/faults';
import { addOnlineLabHost, harness, type Harness } from '../support/app-harness';

inject('lab');
const h1 = readState().hosts.find((x) => x.name === 'h1')!;
let h: Harness;
let id: number;
beforeAll(async () => {
  h = harness();
  id = await addOnlineLabHost(h, h1, 'stream-h1');
});
afterAll(() => h.close());

/** Starts the stream and gathers everything it emits. */
function gather(s: ExecStream): { events: ExecEvent[]; text: (t: 'out' | 'err') => string } {
  const events: ExecEvent[] = [];
  s.start((e) => events.push(e));
  return {
    events,
    text: (t) =>
      events
        .filter((e): e is Extract<ExecEvent, { t: 'out' | 'err' }> => e.t === t)
        .map((e) => e.d)
        .join(''),
  };
}

/** Whether a process matching `pattern` runs on the host (write a [bracket] in the pattern, so
 * that pgrep's own shell, whose command line holds the pattern, does not match it). */
const running = async (pattern: string): Promise<boolean> =>
  (await h.app.pool.exec(id, shCommand(['pgrep', '-f', pattern]))).code === 0;

describe('streaming exec', () => {
  it('streams stdout and stderr apart and ends with the exit status', async () => {
    const s = await h.app.pool.stream(
      id,
      shCommand(['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2; exit 7']),
    );
    const g = gather(s);
    const end = await s.done;
    expect(g.text('out')).toBe('out-1\nout-2\n');
    expect(g.text('err')).toBe('err-1\n'); // the wrapper's own pid line is not part of it
    expect(end).toMatchObject({ code: 7, signal: null, truncated: false, cancelled: false, reason: null });
    expect(g.events.at(-1)).toMatchObject({ t: 'end', code: 7 });
    expect(s.pid).toBeGreaterThan(1);
    expect(h.app.pool.channelCount(id)).toBe(0);
  });

  it('caps the output with an explicit truncated flag, still reading the rest', async () => {
    const s = await h.app.pool.stream(id, "head -c 300000 /dev/zero | tr '\\0' a", { maxBytes: 100_000 });
    const g = gather(s);
    const end = await s.done;
    expect(g.text('out')).toBe('a'.repeat(100_000));
    expect(end).toMatchObject({ code: 0, truncated: true, bytesOut: 300_000 });
  });

  it('reads nothing until started, and holds the remote side while paused (flow control)', async () => {
    const s = await h.app.pool.stream(id, 'head -c 50000000 /dev/zero | base64 -w 0');
    let bytes = 0;
    let pauses = 0;
    const acks: (() => void)[] = [];
    const ch = new FlowChannel<ExecEvent>(
      {
        start: (emit) => s.start(emit),
        pause: () => {
          pauses++;
          s.pause();
        },
        resume: () => s.resume(),
        stop: () => s.stop(),
      },
      // A consumer that acknowledges only when told: everything sent stays unacknowledged.
      (items, size) => {
        for (const e of items) if (e.t === 'out') bytes += e.d.length;
        acks.push(() => ch.ack(size));
      },
    );
    ch.start();
    await new Promise((r) => setTimeout(r, 1500));
    // Paused at the high watermark: a little more than 256 KiB arrived, not the 66 MB on offer.
    expect(pauses).toBeGreaterThanOrEqual(1);
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
    expect(ch.peakBytes).toBeLessThan(4 * 1024 * 1024);
    // Acknowledging as it goes lets the rest flow to the end.
    const pump = setInterval(() => acks.splice(0).forEach((a) => a()), 2);
    const end = await s.done;
    clearInterval(pump);
    ch.close();
    expect(end.code).toBe(0);
    expect(end.bytesOut).toBe(Math.ceil(50_000_000 / 3) * 4);
  });

  it('cancel stops the whole remote process group, not just the shell', async () => {
    const s = await h.app.pool.stream(
      id,
      shCommand(['sh', '-c', 'sleep 3117 & sleep 3118 | cat; echo never']),
      { graceMs: 3000 },
    );
    const g = gather(s);
    for (let i = 0; i < 50 && !(await running('sleep 311[78]')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await running('sleep 311[7]')).toBe(true);
    const t0 = Date.now();
    const end: ExecEnd = await s.cancel();
    const took = Date.now() - t0;
    expect(end.cancelled).toBe(true);
    expect(took).toBeLessThan(2500); // TERM was enough: no need to wait for the KILL
    expect(g.text('out')).not.toContain('never');
    for (let i = 0; i < 20 && (await running('sleep 311[78]')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await running('sleep 311[78]')).toBe(false);
    expect(h.app.pool.channelCount(id)).toBe(0);
  });

  it('a process that ignores TERM is killed after the grace period', async () => {
    const s = await h.app.pool.stream(id, shCommand(['sh', '-c', "trap '' TERM; sleep 3119; echo never"]), {
      graceMs: 800,
    });
    gather(s);
    for (let i = 0; i < 50 && !(await running('sleep 311[9]')); i++)
      await new Promise((r) => setTimeout(r, 50));
    const end = await s.cancel();
    expect(end.cancelled).toBe(true);
    for (let i = 0; i < 20 && (await running('sleep 311[9]')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await running('sleep 311[9]')).toBe(false);
  });
});
