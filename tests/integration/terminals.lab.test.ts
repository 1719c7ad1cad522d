// Terminals against the lab's real sshd, through the real session, flow control and typed client.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Api } from '../../src/shared/api/client';
import { FLOW_DEFAULTS } from '../../src/main/api/flow';
import type { ApiSession } from '../../src/main/api/session';
import { Faults, readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { harness, labHostInput, type Harness } from '../support/app-harness';
import { memoryLink } from '../support/memory-link';
import { openTerminal } from '../support/terminal-client';

inject('lab');
const labHost = (name: string): LabHost => readState().hosts.find((x) => x.name === name)!;
const faults = new Faults(readState());

let h: Harness;
let api: Api;
let session: ApiSession;
const ids: Record<string, number> = {};

beforeAll(async () => {
  h = harness();
  ({ api, session } = memoryLink(h.app.dispatcher, h.app.streams));
  for (const [name, login] of [
    ['h1', 'user'],
    ['h2', 'admin'],
  ] as const) {
    const lh = labHost(name);
    const host = await api.hosts.add({ ...labHostInput(lh, lh[login]), name: `t-${name}` } as never);
    await api.hosts.connect({ id: host.id }).catch(() => undefined);
    await api.hosts.trustKey({ id: host.id, fingerprint: lh.fingerprint });
    ids[name] = host.id;
  }
});
afterAll(async () => {
  await session.close();
  await h.close();
});

async function channelsDrain(hostId: number): Promise<number> {
  for (let i = 0; i < 100 && h.app.pool.channelCount(hostId) > 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  return h.app.pool.channelCount(hostId);
}

describe('terminals', () => {
  it('opens a login shell on a pty, runs a command, and closes with an audited summary', async () => {
    const t = await openTerminal(api, { hostId: ids['h1']! });
    await t.type('echo "TERM=$TERM marker-$((6*7))"\r');
    await t.waitFor(/TERM=xterm-256color marker-42/);
    const summary = await api.terminals.close({ id: t.info.id });
    expect(summary.bytesOut).toBeGreaterThan(0);
    expect(summary.bytesIn).toBe('echo "TERM=$TERM marker-$((6*7))"\r'.length);
    const rows = (await api.audit.list({ action: 'terminals.close', limit: 5 })).rows;
    const params = JSON.parse(rows[0]!.params) as Record<string, unknown>;
    expect(params).toMatchObject({ id: t.info.id, bytesIn: summary.bytesIn, bytesOut: summary.bytesOut });
    expect(rows[0]!.target).toBe('t-h1 as ldlab-user');
    // Keystrokes are never recorded.
    expect(JSON.stringify(await api.audit.list({ limit: 100 }))).not.toContain('marker-');
    expect(await channelsDrain(ids['h1']!)).toBe(0);
  });

  it("a shell that ends by itself is in its session's timeline at once, before its tab closes", async () => {
    const t = await openTerminal(api, { hostId: ids['h1']! });
    await t.type('exit 3\r');
    expect((await t.exited()).code).toBe(3);
    let row;
    for (let i = 0; i < 50 && !row; i++) {
      row = (await api.audit.list({ action: 'terminals.exited', sessionId: t.info.id, limit: 5 })).rows[0];
      if (!row) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toMatchObject({
      actor: 'labdeck (automatic)',
      result: 'error',
      errorCode: 'EXIT_STATUS',
      target: 't-h1 as ldlab-user',
      sessionId: t.info.id,
    });
    await t.close();
    // Closing the tab afterwards still records the close; a closed tab records no "exited".
    const rows = (await api.audit.list({ sessionId: t.info.id, limit: 10 })).rows.map((r) => r.action).sort();
    expect(rows).toEqual(['terminals.close', 'terminals.exited', 'terminals.open']);
  });

  it('tells the remote side about a resize', async () => {
    const t = await openTerminal(api, { hostId: ids['h1']! });
    try {
      await api.terminals.resize({ id: t.info.id, cols: 132, rows: 50 });
      await t.type('stty size\r');
      await t.waitFor(/[\r\n]50 132\r\n/);
    } finally {
      await t.close();
    }
  });

  it('keeps UTF-8 characters whole', async () => {
    const t = await openTerminal(api, { hostId: ids['h1']! });
    try {
      // 3000 × 9 bytes in one line: chunk boundaries fall inside characters many times.
      await t.type('printf \'ü漢🚀%.0s\' $(seq 1 3000); echo E"N"D\r');
      await t.waitFor(/END\r\n/, 15_000);
      expect(t.text()).not.toContain('\uFFFD');
      expect(t.text()).toContain('ü漢🚀'.repeat(3000));
    } finally {
      await t.close();
    }
  });

  it('opens a shell as another user through the admin login (sudo), with their home and shell', async () => {
    const t = await openTerminal(api, { hostId: ids['h2']!, asUser: 'ldlab-user' });
    await t.type('echo "who=$(whoami) home=$HOME"\r');
    await t.waitFor(/who=ldlab-user home=\/home\/ldlab-user/);
    await t.close();
    expect(t.info.user).toBe('ldlab-user');
  });

  it('rejects a hostile user name before anything runs, and reports a missing user', async () => {
    for (const asUser of ['root; touch /tmp/pwned', '$(id)', '-u0', 'a b', 'ldlab-user\n']) {
      const err = await api.terminals
        .open({ hostId: ids['h2']!, asUser, cols: 80, rows: 24 })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'asUser' });
    }
    // A missing user is a failed open with sudo's words and what to do, not a dead tab.
    const err = (await api.terminals
      .open({ hostId: ids['h2']!, asUser: 'nosuchuser', cols: 80, rows: 24 })
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toMatch(/nosuchuser on t-h2: .*unknown user/i);
    expect(err.message).toMatch(/does not exist/);
  });

  it('reports a switch the login user has no sudo rights for as a failed open, audited as such', async () => {
    // On h1 the login is the plain lab user, who may not sudo.
    const err = (await api.terminals
      .open({ hostId: ids['h1']!, asUser: 'root', cols: 80, rows: 24 })
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toMatch(/Cannot open a shell as root on t-h1: sudo: .*password is required/);
    expect(err.message).toMatch(/passwordless sudo/);
    const row = (await api.audit.list({ action: 'terminals.open', limit: 5 })).rows[0]!;
    expect(row).toMatchObject({ result: 'error', errorCode: 'PERMISSION_DENIED', target: 't-h1 as root' });
    expect(await channelsDrain(ids['h1']!)).toBe(0);
  });

  it('pipes 100 MB intact through the pipeline with buffering bounded by the watermark', async () => {
    const file = path.join(os.tmpdir(), 'labdeck-100mb.txt');
    if (!fs.existsSync(file) || fs.statSync(file).size !== 100 * 1024 * 1024) {
      // Base64 lines: text a pty in raw mode passes through unchanged.
      const out = fs.openSync(file, 'w');
      for (let i = 0; i < 100; i++)
        fs.writeSync(
          out,
          randomBytes(786_432)
            .toString('base64')
            .match(/.{1,76}/g)!
            .join('\n')
            .padEnd(1024 * 1024, '=')
            .slice(0, 1024 * 1024),
        );
      fs.closeSync(out);
    }
    const expected = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const hash = createHash('sha256');
    let inside = false;
    let carry = '';
    const t = await openTerminal(api, {
      hostId: ids['h1']!,
      record: false,
      onData: (d) => {
        // Hash only the bytes between the two markers.
        let s = carry + d;
        carry = '';
        if (!inside) {
          const i = s.indexOf('<<BEGIN>>');
          if (i < 0) {
            carry = s.slice(-16);
            return;
          }
          inside = true;
          s = s.slice(i + 9);
        }
        const j = s.indexOf('<<END>>');
        if (j >= 0) {
          hash.update(s.slice(0, j));
          inside = false;
          done();
          return;
        }
        // Keep a tail back in case the end marker is split across chunks.
        hash.update(s.slice(0, Math.max(0, s.length - 8)));
        carry = s.slice(Math.max(0, s.length - 8));
      },
    });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const t0 = performance.now();
    await t.type(`stty raw -echo; printf '<<%s>>' BEGIN; cat ${file}; printf '<<%s>>' END; stty sane\r`);
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    const peak = Math.max(...session.streamStats().map((s) => s.peakBytes));
    console.log(
      `[terminal] 100 MB in ${seconds.toFixed(1)} s (${(100 / seconds).toFixed(1)} MB/s), peak buffered ${(peak / 1024).toFixed(0)} KiB`,
    );
    expect(hash.digest('hex')).toBe(expected);
    expect(peak).toBeLessThanOrEqual(FLOW_DEFAULTS.highWatermark + FLOW_DEFAULTS.maxBatchBytes);
    await t.close();
  }, 180_000);

  it('ends with a clear reason when the link is cut, and releases everything', async () => {
    const t = await openTerminal(api, { hostId: ids['h1']! });
    await t.type('echo ready\r');
    await t.waitFor(/ready/);
    faults.cut('h1');
    try {
      const exit = await t.exited();
      expect(exit.code).toBeNull();
      expect(exit.reason).toMatch(/connection to t-h1 was lost/);
      await t.close();
      expect(h.app.terminals.openCount).toBe(0);
      expect(await channelsDrain(ids['h1']!)).toBe(0);
    } finally {
      faults.restore('h1');
    }
  }, 60_000);
});
