import { afterEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../shared/api/domain';
import { tempDb } from '../../../../tests/support/temp-db';
import type { AutomaticEvent } from '../../lib/area';
import { JobRunner, type JobContext, type JobSpec } from './job-runner';
import { JobStore } from './job-store';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  // Last made, first closed: runners before the database they write to.
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup(opts: { maxLogBytes?: number } = {}) {
  const db = tempDb();
  const recorded: AutomaticEvent[] = [];
  const store = new JobStore(db.db);
  const runner = new JobRunner(store, (e) => recorded.push(e), { heartbeatMs: 20, ...opts });
  cleanup.push(
    () => db.close(),
    () => runner.close(10),
  );
  const changes: JobInfo[] = [];
  runner.events.on('job', (j: JobInfo) => changes.push(j));
  return { db, store, runner, recorded, changes };
}

/** A job whose run is controlled from the test. */
function gated(steps: string[], locks: string[] = [], body?: (ctx: JobContext) => Promise<string | void>) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const spec: JobSpec = {
    kind: 'test',
    title: 'Test job',
    target: 'h1',
    hostIds: [1],
    steps,
    locks,
    run:
      body ??
      (async (ctx) => {
        await ctx.step(steps[0]!, async () => {
          ctx.log('line one\nline tw');
          ctx.log('o\n', 'err');
          ctx.progress(0.5);
          await gate;
        });
        return 'all good';
      }),
  };
  return { spec, release };
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('JobRunner', () => {
  it('runs steps with progress and a log, ends succeeded, and records the end once', async () => {
    const t = setup();
    const g = gated(['first']);
    const job = t.runner.start(g.spec, 'me@test');
    await until(() => t.runner.get(job.id).progress === 0.5);
    expect(t.runner.get(job.id)).toMatchObject({
      state: 'running',
      steps: [{ name: 'first', state: 'running' }],
    });
    g.release();
    await until(() => t.runner.get(job.id).state === 'succeeded');
    const done = t.runner.get(job.id);
    expect(done).toMatchObject({ progress: 1, message: 'all good', steps: [{ state: 'succeeded' }] });
    expect(t.runner.log(job.id).map((l) => [l.stream, l.text])).toEqual([
      ['out', 'line one'],
      ['err', 'o'],
      ['out', 'line tw'],
    ]);
    expect(t.recorded).toHaveLength(1);
    expect(t.recorded[0]).toMatchObject({ action: 'jobs.succeeded', ok: true, target: 'Test job on h1' });
    // Stored: a fresh store reads the same job.
    expect(new JobStore(t.db.db).get(job.id)).toMatchObject({ state: 'succeeded', message: 'all good' });
  });

  it('fails with the error message and marks the failing step', async () => {
    const t = setup();
    const job = t.runner.start(
      gated(['a', 'b'], [], async (ctx) => {
        await ctx.step('a', () => Promise.resolve());
        await ctx.step('b', () => Promise.reject(new Error('h1: exited with 3')));
      }).spec,
      'me',
    );
    await until(() => t.runner.get(job.id).state === 'failed');
    expect(t.runner.get(job.id)).toMatchObject({
      message: 'h1: exited with 3',
      steps: [{ state: 'succeeded' }, { state: 'failed', detail: 'h1: exited with 3' }],
    });
    expect(t.recorded[0]).toMatchObject({ action: 'jobs.failed', ok: false, errorCode: 'FAILED' });
  });

  it('queues a job that shares a lock, says what it waits for, and runs it after', async () => {
    const t = setup();
    const a = gated(['x'], ['host:1']);
    const b = gated(['x'], ['host:1']);
    const first = t.runner.start(a.spec, 'me');
    const second = t.runner.start({ ...b.spec, title: 'Second' }, 'me');
    await until(() => t.runner.get(first.id).state === 'running');
    expect(t.runner.get(second.id)).toMatchObject({ state: 'queued' });
    expect(t.runner.get(second.id).message).toMatch(/Waiting for “Test job” to finish/);
    a.release();
    await until(() => t.runner.get(second.id).state === 'running');
    b.release();
    await until(() => t.runner.get(second.id).state === 'succeeded');
  });

  it('cancels a queued job at once and a running one through its signal', async () => {
    const t = setup();
    let sawAbort = false;
    const running = t.runner.start(
      gated(['x'], ['host:1'], async (ctx) => {
        await ctx.step('x', () => new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r())));
        sawAbort = ctx.signal.aborted;
      }).spec,
      'me',
    );
    const queued = t.runner.start(gated(['x'], ['host:1']).spec, 'me');
    await until(() => t.runner.get(running.id).state === 'running');
    expect(t.runner.cancel(queued.id).state).toBe('cancelled');
    t.runner.cancel(running.id);
    await until(() => t.runner.get(running.id).state === 'cancelled');
    expect(sawAbort).toBe(true);
    expect(t.runner.get(running.id).steps[0]!.state).toBe('cancelled');
    expect(() => t.runner.cancel(running.id)).toThrow(/already ended \(cancelled\)/);
    expect(t.recorded.map((r) => r.action).sort()).toEqual(['jobs.cancelled', 'jobs.cancelled']);
  });

  it('keeps the log up to its cap and says where it was cut', async () => {
    const t = setup({ maxLogBytes: 1000 });
    const job = t.runner.start(
      gated(['x'], [], async (ctx) => {
        await ctx.step('x', () => {
          for (let i = 0; i < 100; i++) ctx.log(`${'y'.repeat(40)} ${i}\n`);
          return Promise.resolve();
        });
      }).spec,
      'me',
    );
    await until(() => t.runner.get(job.id).state === 'succeeded');
    const log = t.runner.log(job.id);
    expect(t.runner.get(job.id)).toMatchObject({ logTruncated: true });
    expect(t.runner.get(job.id).logBytes).toBeLessThanOrEqual(1000);
    expect(log.at(-1)?.stream).toBe('info');
    expect(log.at(-1)?.text).toMatch(/log cut here/);
    expect(log.length).toBeLessThan(30);
  });

  it('after a crash, a job left running is interrupted at the next start, with when it was last seen', async () => {
    const t = setup();
    const g = gated(['x']);
    const job = t.runner.start(g.spec, 'me');
    await until(() => t.runner.get(job.id).state === 'running');
    await new Promise((r) => setTimeout(r, 60)); // a few heartbeats
    // The process dies here: nothing more is written. A new runner opens the same database.
    const recorded: AutomaticEvent[] = [];
    const next = new JobRunner(new JobStore(t.db.db), (e) => recorded.push(e));
    cleanup.push(() => next.close(10));
    const left = next.recoverInterrupted();
    expect(left.map((j) => j.id)).toEqual([job.id]);
    const after = next.get(job.id);
    expect(after.state).toBe('interrupted');
    expect(after.message).toMatch(/Labdeck stopped while this job was running .* last seen at \d{4}-/);
    expect(after.endedAt).toBeGreaterThan(job.createdAt);
    expect(recorded).toEqual([
      expect.objectContaining({ action: 'jobs.interrupted', ok: false, errorCode: 'INTERRUPTED' }),
    ]);
    // Once only.
    expect(next.recoverInterrupted()).toEqual([]);
  });
});
