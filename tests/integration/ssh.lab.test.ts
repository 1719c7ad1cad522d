// Hosts and SSH against the lab's real sshd: auth methods, host key trust, jump hosts, channel
// accounting, dead links and hung hosts. Everything goes through the dispatcher, as from the UI.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Host } from '../../src/shared/api/domain';
import { shCommand } from '../../src/main/services/ssh/quote';
import { HOSTILE } from '../support/hostile-strings';
import { Faults, LatencyProxy, readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { dataFile, harness, labHostInput, type Harness } from '../support/app-harness';

inject('lab'); // the lab is up for this file (global setup)
const labHost = (name: string): LabHost => {
  // Current facts (another test file may have rotated a key).
  const h = readState().hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no lab host ${name}`);
  return h;
};
const faults = new Faults(readState());

let h: Harness;
beforeAll(() => {
  h = harness();
});
afterAll(() => h.close());

/** Adds a lab host, meets its unknown key, trusts exactly that fingerprint, and connects. */
async function addTrusted(name: string, lab: LabHost, input: Record<string, unknown>): Promise<Host> {
  const host = await h.call('hosts.add', { ...input, name });
  const err = await h.fail('hosts.connect', { id: host.id });
  expect(err.code).toBe('HOSTKEY_UNKNOWN');
  expect(err.details?.['presentedFingerprint']).toBe(lab.fingerprint);
  expect(h.app.pool.state(host.id)).toMatchObject({
    state: 'hostkey_unknown',
    presentedFingerprint: lab.fingerprint,
  });
  await h.call('hosts.trustKey', { id: host.id, fingerprint: lab.fingerprint });
  const state = await h.call('hosts.connect', { id: host.id });
  expect(state.state).toBe('online');
  return host;
}

const run = async (id: number, argv: string[]): Promise<string> => {
  const r = await h.app.pool.exec(id, shCommand(argv));
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

describe('authentication', () => {
  it('with a key file', async () => {
    const h1 = labHost('h1');
    const host = await addTrusted('key-h1', h1, labHostInput(h1, h1.user));
    expect((await run(host.id, ['whoami'])).trim()).toBe(h1.user.user);
  });

  it('with an encrypted key: asks for the passphrase, refuses a wrong one, then works', async () => {
    const h2 = labHost('h2');
    const enc = h2.extra.find((l) => l.passphrase)!;
    const { secret: _omit, ...noSecret } = labHostInput(h2, enc);
    const host = await h.call('hosts.add', { ...noSecret, name: 'enc-h2' });
    // The key check comes first (before any auth), so trust, then meet the passphrase question.
    expect((await h.fail('hosts.connect', { id: host.id })).code).toBe('SECRET_REQUIRED');
    expect(h.app.pool.state(host.id).state).toBe('auth_failed');
    expect((await h.fail('hosts.connect', { id: host.id, secret: 'not-the-passphrase' })).code).toBe(
      'AUTH_FAILED',
    );
    // The person is asked again, and the refused passphrase is not kept for the next attempt.
    expect(h.app.pool.state(host.id)).toMatchObject({ state: 'auth_failed', secretPrompt: 'passphrase' });
    expect((await h.fail('hosts.connect', { id: host.id })).code).toBe('SECRET_REQUIRED');
    expect((await h.fail('hosts.connect', { id: host.id, secret: enc.passphrase })).code).toBe(
      'HOSTKEY_UNKNOWN',
    );
    await h.call('hosts.trustKey', { id: host.id, fingerprint: h2.fingerprint });
    expect((await h.call('hosts.connect', { id: host.id })).state).toBe('online');
  });

  it('with a password, stored encrypted and never in plaintext', async () => {
    const h2 = labHost('h2');
    const pw = h2.extra.find((l) => l.password)!;
    const host = await addTrusted('pw-h2', h2, { ...labHostInput(h2, pw), saveSecret: true });
    expect(host.hasStoredSecret).toBe(true);
    expect((await run(host.id, ['whoami'])).trim()).toBe(pw.user);
    // Plaintext appears nowhere in the database files (main file and WAL).
    for (const f of [dataFile(h), `${dataFile(h)}-wal`]) {
      if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(Buffer.from(pw.password!))).toBe(false);
    }
    const audit = await h.call('audit.list', { limit: 500 });
    expect(JSON.stringify(audit)).not.toContain(pw.password);
    // Switching to an encrypted key drops the password: it is never offered as the key's passphrase.
    const enc = h2.extra.find((l) => l.passphrase)!;
    const { secret: _none, saveSecret: _s, ...keyLogin } = labHostInput(h2, enc);
    const edited = await h.call('hosts.update', {
      ...keyLogin,
      id: host.id,
      name: 'pw-h2',
      saveSecret: false,
      forgetSecret: false,
    });
    expect(edited.hasStoredSecret).toBe(false);
    const err = await h.fail('hosts.connect', { id: host.id });
    expect(err.code).toBe('SECRET_REQUIRED');
    expect(h.app.pool.state(host.id).secretPrompt).toBe('passphrase');
  });

  it('a wrong password gives AUTH_FAILED, and the failure is audited without the password', async () => {
    const h2 = labHost('h2');
    const pw = h2.extra.find((l) => l.password)!;
    const host = await h.call('hosts.add', {
      ...labHostInput(h2, pw),
      name: 'badpw-h2',
      secret: 'wrong-password-42',
    });
    await h.fail('hosts.connect', { id: host.id });
    await h.call('hosts.trustKey', { id: host.id, fingerprint: h2.fingerprint });
    const err = await h.fail('hosts.connect', { id: host.id });
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/badpw-h2/);
    expect(h.app.pool.state(host.id).secretPrompt).toBe('password');
    const rows = (await h.call('audit.list', { action: 'hosts.connect', result: 'error', limit: 50 })).rows;
    expect(rows.find((r) => r.target === 'badpw-h2' && r.errorCode === 'AUTH_FAILED')).toBeTruthy();
    expect(JSON.stringify(await h.call('audit.list', { limit: 500 }))).not.toContain('wrong-password-42');
  });

  it('a key the host does not accept gives AUTH_FAILED', async () => {
    const h1 = labHost('h1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldkey-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'stranger')]);
    const host = await h.call('hosts.add', {
      ...labHostInput(h1, h1.user),
      name: 'stranger-h1',
      keyPath: path.join(dir, 'stranger'),
    });
    await h.fail('hosts.connect', { id: host.id });
    await h.call('hosts.trustKey', { id: host.id, fingerprint: h1.fingerprint });
    expect((await h.fail('hosts.connect', { id: host.id })).code).toBe('AUTH_FAILED');
  });

  it('with a real ssh-agent holding the key', async () => {
    const h1 = labHost('h1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldagent-'));
    const sock = path.join(dir, 'agent.sock');
    const agent = spawnSync('ssh-agent', ['-a', sock], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
    const before = process.env['SSH_AUTH_SOCK'];
    try {
      execFileSync('ssh-add', ['-q', h1.user.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      process.env['SSH_AUTH_SOCK'] = sock;
      const host = await addTrusted('agent-h1', h1, {
        ...labHostInput(h1, h1.user),
        authMethod: 'agent',
        keyPath: null,
      });
      expect((await run(host.id, ['whoami'])).trim()).toBe(h1.user.user);
      delete process.env['SSH_AUTH_SOCK'];
      await h.call('hosts.disconnect', { id: host.id });
      expect((await h.fail('hosts.connect', { id: host.id })).code).toBe('AUTH_FAILED');
    } finally {
      if (before === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = before;
      if (pid) process.kill(pid);
    }
  });
});

describe('key files', () => {
  it('a .pub, a non-key, a device or a FIFO is a clear KEY_FILE error, never the reconnect loop', async () => {
    const h1 = labHost('h1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldkeyfile-'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a key\n');
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const cases: [string, RegExp][] = [
      [`${h1.user.keyFile}.pub`, /is a public key.*without \.pub/],
      [path.join(dir, 'notes.txt'), /is not an SSH private key/],
      ['/dev/zero', /is a device, not a regular file/],
      [path.join(dir, 'fifo'), /is a named pipe, not a regular file/],
    ];
    const connecting: number[] = [];
    const onState = (st: { hostId: number; state: string }): void => {
      if (st.state === 'connecting') connecting.push(st.hostId);
    };
    h.app.pool.events.on('state', onState);
    try {
      const ids: number[] = [];
      for (const [i, [keyPath, said]] of cases.entries()) {
        const host = await h.call('hosts.add', {
          ...labHostInput(h1, h1.user),
          name: `keyfile-${i}`,
          keyPath,
        });
        ids.push(host.id);
        const t0 = Date.now();
        const err = await h.fail('hosts.connect', { id: host.id });
        expect(Date.now() - t0).toBeLessThan(2000);
        expect(err.code, keyPath).toBe('KEY_FILE');
        expect(err.message).toMatch(said);
        expect(err.message).toContain(`keyfile-${i}`);
        expect(h.app.pool.state(host.id)).toMatchObject({
          state: 'error',
          retryAt: null,
          secretPrompt: null,
        });
      }
      const before = connecting.length;
      await new Promise((r) => setTimeout(r, 2500)); // past the first retry delays
      expect(connecting.length).toBe(before);
      // Many connects on a FIFO leave Node's file-I/O threads free for everything else.
      await Promise.all(Array.from({ length: 8 }, () => h.fail('hosts.connect', { id: ids[3]! })));
      const t0 = Date.now();
      await fs.promises.readFile(h1.user.keyFile);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      h.app.pool.events.off('state', onState);
    }
  });
});

describe('host keys', () => {
  it('a changed key is refused before anything runs; only an explicit trust proceeds', async () => {
    const h2 = labHost('h2');
    const host = await addTrusted('rotating-h2', h2, labHostInput(h2, h2.user));
    const marker = path.join(os.tmpdir(), `labdeck-marker-${Date.now()}`);
    await h.call('hosts.disconnect', { id: host.id });
    const { fingerprint: rotated } = await faults.rotateHostKey('h2');
    const err = await h.fail('hosts.connect', { id: host.id });
    expect(err.code).toBe('HOSTKEY_MISMATCH');
    expect(err.details).toMatchObject({ trustedFingerprint: h2.fingerprint, presentedFingerprint: rotated });
    expect(err.message).toMatch(/DIFFERENT host key/);
    expect(h.app.pool.state(host.id).state).toBe('hostkey_changed');
    // The pool refuses to run the command: the marker file is never created on the host.
    await expect(h.app.pool.exec(host.id, shCommand(['touch', marker]))).rejects.toMatchObject({
      code: 'HOSTKEY_MISMATCH',
    });
    expect(fs.existsSync(marker)).toBe(false);
    // Trusting requires the exact fingerprint the host presented.
    expect((await h.fail('hosts.trustKey', { id: host.id, fingerprint: h2.fingerprint })).code).toBe(
      'CONFLICT',
    );
    await h.call('hosts.trustKey', { id: host.id, fingerprint: rotated });
    await run(host.id, ['touch', marker]);
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(marker);
    const trustRows = (await h.call('audit.list', { action: 'hosts.trustKey', limit: 50 })).rows;
    expect(trustRows.some((r) => r.target === 'rotating-h2' && r.result === 'ok')).toBe(true);
  });

  it('keys in a known_hosts file are honoured without asking', async () => {
    const h1 = labHost('h1');
    const kh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ldkh-')), 'known_hosts');
    fs.writeFileSync(kh, `# mine\n${h1.address} ${h1.hostKey}\n`);
    const other = harness({ knownHostsFiles: [kh] });
    try {
      const host = await other.call('hosts.add', { ...labHostInput(h1, h1.user), name: 'kh-h1' });
      expect((await other.call('hosts.connect', { id: host.id })).state).toBe('online');
      expect(await other.call('hosts.trustedKey', { id: host.id })).toMatchObject({
        source: 'known_hosts',
        fingerprint: h1.fingerprint,
      });
    } finally {
      await other.close();
    }
  });
});

describe('jump hosts and channels', () => {
  it('reaches the host that only accepts SSH from its jump host', async () => {
    const h1 = labHost('h1');
    const h3 = labHost('h3');
    const jump = await addTrusted('jump-h1', h1, labHostInput(h1, h1.user));
    const behind = await addTrusted('behind-h3', h3, { ...labHostInput(h3, h3.user), jumpHostId: jump.id });
    expect((await run(behind.id, ['hostname', '-I'])).trim()).toBe(h3.address);
    // Without the jump host it cannot be reached.
    const direct = await h.call('hosts.add', { ...labHostInput(h3, h3.user), name: 'direct-h3' });
    const err = await h.fail('hosts.connect', { id: direct.id });
    expect(['TIMEOUT', 'HOST_UNREACHABLE']).toContain(err.code);
  });

  it("a person's Disconnect of a jump host holds: the hosts behind it wait instead of redialling it", async () => {
    const h1 = labHost('h1');
    const h3 = labHost('h3');
    const jump = await addTrusted('hold-h1', h1, labHostInput(h1, h1.user));
    const behind = await addTrusted('hold-h3', h3, { ...labHostInput(h3, h3.user), jumpHostId: jump.id });
    expect((await run(behind.id, ['hostname', '-I'])).trim()).toBe(h3.address);
    const lost: string[] = [];
    const onLost = (e: { hostId: number }): void => void lost.push(String(e.hostId));
    h.app.pool.events.on('lost', onLost);
    try {
      await h.call('hosts.disconnect', { id: jump.id });
      // Longer than the first reconnect delays (1 s, 2 s): a redial would have happened by now.
      await new Promise((r) => setTimeout(r, 3500));
      expect(h.app.pool.state(jump.id)).toMatchObject({ state: 'idle', connections: 0 });
      const waiting = h.app.pool.state(behind.id);
      expect(waiting).toMatchObject({ state: 'offline', errorCode: 'JUMP_FAILED', retryAt: null });
      expect(waiting.message).toMatch(/hold-h1.*disconnected.*Connect the jump host again/);
      expect(lost).toEqual([]); // a person's act, not an outage
      // A person connects the jump host again: the host behind it follows by itself.
      await h.call('hosts.connect', { id: jump.id });
      await h.waitForState(behind.id, 'online', 15_000);
      expect((await run(behind.id, ['echo', 'back'])).trim()).toBe('back');
    } finally {
      h.app.pool.events.off('lost', onLost);
    }
  });

  it('turns Nagle off on every connection, jump hosts included (keystrokes are not held back)', async () => {
    const h1 = labHost('h1');
    const h3 = labHost('h3');
    const spy = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    try {
      const jump = await addTrusted('nodelay-h1', h1, labHostInput(h1, h1.user));
      const onH1 = (): net.Socket[] =>
        spy.mock.contexts.filter(
          (sock, i) => spy.mock.calls[i]![0] === true && (sock as net.Socket).remoteAddress === h1.address,
        ) as net.Socket[];
      expect(onH1().length).toBeGreaterThan(0);
      // The host behind rides on the jump host's socket: that one was set when it was dialled.
      await addTrusted('nodelay-h3', h3, { ...labHostInput(h3, h3.user), jumpHostId: jump.id });
      expect(onH1().every((sock) => sock.remotePort === 22)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('runs 25 concurrent exec channels on one host, then holds none', async () => {
    const h2 = labHost('h2');
    const host = await addTrusted('busy-h2', h2, labHostInput(h2, h2.user));
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        h.app.pool.exec(host.id, shCommand(['sh', '-c', `sleep 0.5; echo ${i}`])),
      ),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(h.app.pool.channelCount(host.id)).toBe(0);
    expect(h.app.pool.state(host.id).connections).toBeGreaterThanOrEqual(2);
  });

  it('queues what does not fit in 4 connections x 8 channels, and every command still runs', async () => {
    const h1 = labHost('h1');
    const host = await addTrusted('queue-h1', h1, labHostInput(h1, h1.user));
    const n = 50; // more than the 32 channels the pool opens on one host
    let peak = 0;
    const off = ((): (() => void) => {
      const onState = (st: { hostId: number; channels: number }): void => {
        if (st.hostId === host.id) peak = Math.max(peak, st.channels);
      };
      h.app.pool.events.on('state', onState);
      return () => h.app.pool.events.off('state', onState);
    })();
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        h.app.pool.exec(host.id, shCommand(['sh', '-c', `sleep 0.3; echo ${i}`])),
      ),
    );
    off();
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    expect(peak).toBe(32);
    expect(h.app.pool.state(host.id).connections).toBe(4);
    expect(h.app.pool.channelCount(host.id)).toBe(0);
  });

  it('a connection that completes after Disconnect is closed, not kept', async () => {
    const h1 = labHost('h1');
    const proxy = new LatencyProxy({ host: h1.address, port: 22 }, 0);
    const port = await proxy.start();
    try {
      const host = await h.call('hosts.add', {
        ...labHostInput(h1, h1.user),
        name: 'slow-h1',
        address: '127.0.0.1',
        port,
      });
      expect((await h.fail('hosts.connect', { id: host.id })).code).toBe('HOSTKEY_UNKNOWN');
      await h.call('hosts.trustKey', { id: host.id, fingerprint: h1.fingerprint });
      proxy.delayMs = 150; // the handshake now takes about a second
      const connecting = h.fail('hosts.connect', { id: host.id });
      await new Promise((r) => setTimeout(r, 100));
      expect(h.app.pool.state(host.id).state).toBe('connecting');
      expect((await h.call('hosts.disconnect', { id: host.id })).state).toBe('idle');
      expect((await connecting).code).toBe('CONNECTION_LOST');
      await new Promise((r) => setTimeout(r, 1000));
      expect(h.app.pool.state(host.id)).toMatchObject({ state: 'idle', connections: 0, channels: 0 });
    } finally {
      await proxy.stop();
    }
  });

  it('passes hostile arguments through the real remote shell unchanged', async () => {
    const h1 = labHost('h1');
    const host = await addTrusted('quote-h1', h1, labHostInput(h1, h1.user));
    for (const s of HOSTILE) expect(await run(host.id, ['printf', '%s', s])).toBe(s);
  });
});

describe('dead and hung hosts', () => {
  afterEach(() => {
    for (const n of ['h1', 'h2']) {
      faults.thaw(n);
      faults.restore(n);
    }
  });

  it('a cut link goes offline within 30 s and comes back by itself after restore', async () => {
    const h1 = labHost('h1');
    const host = await addTrusted('cut-h1', h1, labHostInput(h1, h1.user));
    const t0 = Date.now();
    faults.cut('h1');
    const offline = await h.waitForState(host.id, 'offline', 30_000);
    console.log(`[ssh] offline ${((Date.now() - t0) / 1000).toFixed(1)} s after the cut: ${offline.message}`);
    expect(offline.retryAt).not.toBeNull();
    faults.restore('h1');
    await h.waitForState(host.id, 'online', 40_000);
    expect((await run(host.id, ['echo', 'back'])).trim()).toBe('back');
    // Lost and regained on its own: one row each, by Labdeck itself, not one per retry.
    const rows = (await h.call('audit.list', { limit: 50 })).rows.filter((r) => r.target === 'cut-h1');
    const lost = rows.filter((r) => r.action === 'hosts.connectionLost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({
      actor: 'labdeck (automatic)',
      result: 'error',
      errorCode: 'CONNECTION_LOST',
    });
    const back = rows.filter((r) => r.action === 'hosts.reconnected');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ actor: 'labdeck (automatic)', result: 'ok' });
    expect(back[0]!.durationMs).toBeGreaterThan(0);
  });

  it('a frozen host times out without holding up other hosts', async () => {
    const h1 = labHost('h1');
    const h2 = labHost('h2');
    const frozen = await h.call('hosts.add', { ...labHostInput(h2, h2.user), name: 'frozen-h2' });
    await h.fail('hosts.connect', { id: frozen.id });
    await h.call('hosts.trustKey', { id: frozen.id, fingerprint: h2.fingerprint });
    const healthy = await addTrusted('healthy-h1', h1, labHostInput(h1, h1.user));
    await h.call('hosts.disconnect', { id: healthy.id });
    faults.freeze('h2');
    const t0 = Date.now();
    const pending = h.fail('hosts.connect', { id: frozen.id });
    // Meanwhile the other host connects and runs a command at once.
    const ok = await h.call('hosts.connect', { id: healthy.id });
    expect(ok.state).toBe('online');
    expect((await run(healthy.id, ['echo', 'fine'])).trim()).toBe('fine');
    expect(Date.now() - t0).toBeLessThan(3000);
    const err = await pending;
    expect(err.code).toBe('TIMEOUT');
    expect(h.app.pool.state(frozen.id).state).toBe('offline');
  });
});
