// The real SshPool against an in-process SSH server (tests/support/ssh-test-server.ts): host key
// trust, authentication, leases and queueing, redialling and error mapping, without root or the
// lab. The lab suites (tests/integration/ssh.lab.test.ts, real sshd) remain the truth; these give
// fast feedback. Waits are on events (pool 'state', the server's counters); the few fixed waits
// check that something does NOT happen within several retry periods.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb, tempDir } from '../../../../tests/support/temp-db';
import {
  generateEd25519,
  startSshTestServer,
  type SshTestServer,
  type SshTestServerOptions,
} from '../../../../tests/support/ssh-test-server';
import type { ConnectionState, HostState } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import { HostStore } from '../hosts/host-store';
import { HostKeyTrust } from './host-keys';
import {
  SshPool,
  type AuthMaterial,
  type ConnectTarget,
  type PoolLost,
  type PoolOptions,
  type PoolRecovered,
} from './ssh-pool';

/** Small timings so reconnects and timeouts happen within a fraction of a second. */
const FAST: PoolOptions = {
  retryBaseMs: 50,
  retryMaxMs: 400,
  keepaliveIntervalMs: 200,
  keepaliveCountMax: 3,
  readyTimeoutMs: 1500,
};
/** Longer than several retry delays at FAST (50, 100, 200 ms, ±25 %): a redial would have happened. */
const SEVERAL_RETRIES_MS = 400;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function server(opts: SshTestServerOptions = {}): Promise<SshTestServer> {
  const s = await startSshTestServer(opts);
  cleanups.push(() => s.close());
  return s;
}

/** A pool over a fresh database; hosts are added with `add` and resolved from memory. */
function setup(options: PoolOptions = {}) {
  const d = tempDb();
  cleanups.push(() => d.close());
  const store = new HostStore(d.db);
  // No known_hosts files: the developer's own ~/.ssh/known_hosts must not decide anything here.
  const trust = new HostKeyTrust(d.db, []);
  const targets = new Map<number, ConnectTarget>();
  const log: string[] = [];
  const pool = new SshPool(
    (id) => {
      const t = targets.get(id);
      return t ? Promise.resolve(t) : Promise.reject(new ApiError('NOT_FOUND', `no host #${id}`));
    },
    trust,
    { ...FAST, ...options },
    (line) => log.push(line),
  );
  cleanups.push(() => pool.close());

  const add = (name: string, port: number, auth: AuthMaterial): number => {
    const host = store.insert({
      name,
      address: '127.0.0.1',
      port,
      user: 'tester',
      kind: 'other',
      group: '',
      tags: [],
      notes: '',
      authMethod: auth.method,
      keyPath: auth.method === 'key' ? auth.keyPath : null,
      jumpHostId: null,
    });
    targets.set(host.id, {
      hostId: host.id,
      name,
      address: '127.0.0.1',
      port,
      user: 'tester',
      auth,
      jumpHostId: null,
    });
    return host.id;
  };

  /** Trusts the server's current key for a host as a person would: seen as unknown, then confirmed. */
  const trustKey = (hostId: number, srv: SshTestServer): void => {
    const blob = Buffer.from(srv.hostKey.split(' ')[1]!, 'base64');
    expect(trust.check(hostId, '127.0.0.1', srv.port, blob)).toMatchObject({
      ok: false,
      code: 'HOSTKEY_UNKNOWN',
    });
    trust.trust(hostId, srv.fingerprint);
  };

  /** A host on `srv` logging in with the server's client key, its host key already trusted. */
  const trusted = (name: string, srv: SshTestServer): number => {
    const id = add(name, srv.port, { method: 'key', keyPath: srv.clientKeyFile });
    trustKey(id, srv);
    return id;
  };

  return { pool, trust, add, trustKey, trusted, log };
}

/** What a promise rejected with, which must be an ApiError. */
async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

/** Every state one host goes through, and a way to await the next one of a kind, in order. */
class StateLog {
  readonly seen: HostState[] = [];
  private cursor = 0;
  private readonly on = (s: HostState): void => {
    if (s.hostId === this.hostId) this.seen.push(s);
  };

  constructor(
    private readonly pool: SshPool,
    private readonly hostId: number,
  ) {
    // Registered before any waiter's once(): a state is recorded before the waiter wakes.
    pool.events.on('state', this.on);
    cleanups.push(() => pool.events.off('state', this.on));
  }

  /** The first `want` state recorded after the previous next() found its state. */
  async next(want: ConnectionState, timeoutMs = 5_000): Promise<HostState> {
    const signal = AbortSignal.timeout(timeoutMs);
    for (;;) {
      const i = this.seen.findIndex((s, k) => k >= this.cursor && s.state === want);
      if (i >= 0) {
        this.cursor = i + 1;
        return this.seen[i]!;
      }
      try {
        await once(this.pool.events, 'state', { signal });
      } catch {
        throw new Error(
          `host #${this.hostId} did not become ${want} within ${timeoutMs} ms: ${this.seen.map((s) => s.state).join(' > ')}`,
        );
      }
    }
  }

  count(want: ConnectionState): number {
    return this.seen.filter((s) => s.state === want).length;
  }
}

/** The pool's 'lost' and 'recovered' events for one host. */
function outageLog(pool: SshPool, hostId: number): { lost: PoolLost[]; recovered: PoolRecovered[] } {
  const lost: PoolLost[] = [];
  const recovered: PoolRecovered[] = [];
  const onLost = (e: PoolLost): void => void (e.hostId === hostId && lost.push(e));
  const onRecovered = (e: PoolRecovered): void => void (e.hostId === hostId && recovered.push(e));
  pool.events.on('lost', onLost);
  pool.events.on('recovered', onRecovered);
  cleanups.push(() => {
    pool.events.off('lost', onLost);
    pool.events.off('recovered', onRecovered);
  });
  return { lost, recovered };
}

describe('host keys', () => {
  it('first contact: HOSTKEY_UNKNOWN with the presented fingerprint; once trusted, online and runs commands', async () => {
    const srv = await server();
    const { pool, trust, add } = setup();
    const id = add('first', srv.port, { method: 'key', keyPath: srv.clientKeyFile });

    const err = await rejection(pool.connect(id));
    expect(err.code).toBe('HOSTKEY_UNKNOWN');
    expect(err.details?.['presentedFingerprint']).toBe(srv.fingerprint);
    expect(err.message).toContain(srv.fingerprint);
    expect(pool.state(id)).toMatchObject({
      state: 'hostkey_unknown',
      presentedFingerprint: srv.fingerprint,
      retryAt: null,
    });
    // Refused before authentication: the server never saw a login attempt.
    expect(srv.authAttempts).toBe(0);

    trust.trust(id, srv.fingerprint);
    expect((await pool.connect(id)).state).toBe('online');
    expect(await pool.exec(id, 'echo hi')).toEqual({
      code: 0,
      signal: null,
      stdout: 'hi\n',
      stderr: '',
      truncated: false,
    });
    expect(await pool.exec(id, 'fail')).toMatchObject({ code: 3, stdout: '', stderr: 'boom' });
    expect(await pool.exec(id, 'nonsense')).toMatchObject({
      code: 127,
      stderr: 'nonsense: command not found\n',
    });
    expect(srv.execs).toEqual(['echo hi', 'fail', 'nonsense']);
  });

  it('a changed host key on the same address: HOSTKEY_MISMATCH, hostkey_changed, and no command reaches the host', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('rotating', srv);
    await pool.connect(id);
    await pool.exec(id, 'echo before');
    const trustedFp = srv.fingerprint;

    pool.disconnect(id);
    await srv.restart({ newHostKey: true });
    expect(srv.fingerprint).not.toBe(trustedFp);
    const execsBefore = [...srv.execs];
    const authsBefore = srv.authAttempts;

    const err = await rejection(pool.connect(id));
    expect(err.code).toBe('HOSTKEY_MISMATCH');
    expect(err.details).toMatchObject({
      trustedFingerprint: trustedFp,
      presentedFingerprint: srv.fingerprint,
    });
    expect(err.message).toMatch(/DIFFERENT host key/);
    expect(pool.state(id)).toMatchObject({ state: 'hostkey_changed', retryAt: null });

    // Using the host does not get past the key either.
    expect((await rejection(pool.exec(id, 'echo secret'))).code).toBe('HOSTKEY_MISMATCH');
    expect(srv.execs).toEqual(execsBefore);
    expect(srv.authAttempts).toBe(authsBefore);
  });
});

describe('authentication', () => {
  it('a key the server does not accept: AUTH_FAILED, auth_failed, and no redial', async () => {
    const srv = await server();
    const { pool, add, trustKey } = setup();
    const stranger = path.join(tempDir('labdeck-stranger-'), 'id_ed25519');
    fs.writeFileSync(stranger, generateEd25519().private, { mode: 0o600 });
    cleanups.push(() => fs.rmSync(path.dirname(stranger), { recursive: true, force: true }));
    const id = add('stranger', srv.port, { method: 'key', keyPath: stranger });
    trustKey(id, srv);
    const states = new StateLog(pool, id);

    const err = await rejection(pool.connect(id));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/stranger.*refused the login/);
    expect(srv.authAttempts).toBeGreaterThan(0);
    expect(pool.state(id)).toMatchObject({ state: 'auth_failed', errorCode: 'AUTH_FAILED', retryAt: null });

    const accepted = srv.accepted;
    await sleep(SEVERAL_RETRIES_MS);
    expect(srv.accepted).toBe(accepted);
    expect(states.count('connecting')).toBe(1);
  });

  it('a wrong password: AUTH_FAILED asking for the password again, and no redial; the right one connects', async () => {
    const srv = await server({ password: 'right-password' });
    const { pool, add, trustKey } = setup();
    const id = add('pw', srv.port, { method: 'password', password: 'wrong-password' });
    trustKey(id, srv);

    const err = await rejection(pool.connect(id));
    expect(err.code).toBe('AUTH_FAILED');
    expect(pool.state(id)).toMatchObject({ state: 'auth_failed', retryAt: null, secretPrompt: 'password' });
    const accepted = srv.accepted;
    await sleep(SEVERAL_RETRIES_MS);
    expect(srv.accepted).toBe(accepted);

    const good = add('pw-good', srv.port, { method: 'password', password: 'right-password' });
    trustKey(good, srv);
    expect((await pool.connect(good)).state).toBe('online');
    expect((await pool.exec(good, 'echo in')).stdout).toBe('in\n');
  });

  it('a .pub or a file that is not a key: KEY_FILE before any TCP connection, and no redial', async () => {
    const srv = await server();
    const { pool, add } = setup();
    const notKey = path.join(tempDir('labdeck-notkey-'), 'notes.txt');
    fs.writeFileSync(notKey, 'not a key\n');
    cleanups.push(() => fs.rmSync(path.dirname(notKey), { recursive: true, force: true }));
    const cases: [string, RegExp][] = [
      [`${srv.clientKeyFile}.pub`, /is a public key.*without \.pub/],
      [notKey, /is not an SSH private key/],
    ];
    for (const [i, [keyPath, said]] of cases.entries()) {
      const id = add(`keyfile-${i}`, srv.port, { method: 'key', keyPath });
      const err = await rejection(pool.connect(id));
      expect(err.code, keyPath).toBe('KEY_FILE');
      expect(err.message).toMatch(said);
      expect(err.message).toContain(`keyfile-${i}`);
      expect(pool.state(id)).toMatchObject({ state: 'error', retryAt: null });
    }
    await sleep(SEVERAL_RETRIES_MS);
    expect(srv.accepted).toBe(0);
  });
});

describe('leases and channels', () => {
  it('20 concurrent commands on 2 connections x 4 channels: all succeed, never more at once, none held after', async () => {
    const srv = await server();
    const { pool, trusted } = setup({ maxChannelsPerConnection: 4, maxConnectionsPerHost: 2 });
    const id = trusted('busy', srv);
    let peakChannels = 0;
    let peakConnections = 0;
    const onState = (s: HostState): void => {
      if (s.hostId !== id) return;
      peakChannels = Math.max(peakChannels, s.channels);
      peakConnections = Math.max(peakConnections, s.connections);
    };
    pool.events.on('state', onState);
    cleanups.push(() => pool.events.off('state', onState));

    const results = await Promise.all(Array.from({ length: 20 }, () => pool.exec(id, 'sleep 100')));
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(srv.execs).toHaveLength(20);
    expect(pool.channelCount(id)).toBe(0);
    expect(pool.state(id)).toMatchObject({ state: 'online', channels: 0, connections: 2 });
    // The pool filled both connections, and the server never saw more than that.
    expect(peakChannels).toBe(8);
    expect(peakConnections).toBe(2);
    expect(srv.peakChannels).toBeLessThanOrEqual(8);
    expect(srv.peakConnections).toBe(2);
    expect(srv.accepted).toBe(2);
    await srv.until(() => srv.channelsOpen === 0, 2_000, 'every session closed');
  });

  it('large output arrives whole (the channel window is adjusted)', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('big', srv);
    const r = await pool.exec(id, 'big 3000000');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(3_000_000);
  });

  it('output past maxBytes is cut at maxBytes', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('capped', srv);
    const r = await pool.exec(id, 'big 200000', { maxBytes: 1000 });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });

  it('a command past timeoutMs rejects with TIMEOUT and its channel is counted back', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('slow', srv);
    const states = new StateLog(pool, id);
    await pool.connect(id);
    const err = await rejection(pool.exec(id, 'sleep 5000', { timeoutMs: 100 }));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/slow.*100 ms/);
    // Counted back when the server has closed the channel, which follows the timeout.
    while (pool.channelCount(id) !== 0) await states.next('online', 2_000);
    await srv.until(() => srv.channelsOpen === 0, 2_000, 'the timed-out session closed');
  });

  it('sessions the server still counts right after a close are refused, retried, and every command completes', async () => {
    // sshd frees a session a moment after confirming its close: an open sent in that moment
    // meets MaxSessions. Here the server keeps each closed session for 30 ms.
    const srv = await server({ maxSessions: 4, sessionReleaseDelayMs: 30 });
    const { pool, trusted } = setup({ maxChannelsPerConnection: 4, maxConnectionsPerHost: 1 });
    const id = trusted('maxsessions', srv);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => pool.exec(id, `echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 16 }, (_, i) => `${i}\n`));
    expect(srv.channelsRefused).toBeGreaterThan(0); // the retry path really ran
    expect(srv.peakChannels).toBeLessThanOrEqual(4);
    expect(pool.channelCount(id)).toBe(0);
  });

  it('a server limit below the pool’s: the extra channel fails as UNAVAILABLE after its retries and is counted back', async () => {
    const srv = await server({ maxSessions: 2 });
    const { pool, trusted } = setup({ maxChannelsPerConnection: 4, maxConnectionsPerHost: 1 });
    const id = trusted('limited', srv);
    await pool.connect(id);
    const holders = [pool.exec(id, 'sleep 800'), pool.exec(id, 'sleep 800')];
    await srv.until(() => srv.channelsOpen === 2, 2_000, 'two sessions open');
    const err = await rejection(pool.exec(id, 'echo three'));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/limited.*refused to open another channel.*MaxSessions/);
    expect(srv.channelsRefused).toBeGreaterThan(1); // retried before giving up
    expect(pool.channelCount(id)).toBe(2);
    expect((await Promise.all(holders)).map((r) => r.code)).toEqual([0, 0]);
    expect(pool.channelCount(id)).toBe(0);
  });
});

describe('lost links and redialling', () => {
  it('a connected host whose connections drop: lost once, offline with a retry, back online by itself, recovered once', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('wanted', srv);
    await pool.connect(id);
    const states = new StateLog(pool, id);
    const { lost, recovered } = outageLog(pool, id);

    srv.kill();
    const offline = await states.next('offline');
    expect(offline.errorCode).toBe('CONNECTION_LOST');
    expect(offline.retryAt).not.toBeNull();
    await states.next('online');
    expect(lost).toEqual([expect.objectContaining({ code: 'CONNECTION_LOST', firstOfOutage: true })]);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.downMs).toBeGreaterThan(0);
    expect(srv.accepted).toBe(2); // one redial was enough
    expect((await pool.exec(id, 'echo back')).stdout).toBe('back\n');
  });

  it('a link that stops answering is found dead by keepalives, goes offline, and comes back when the host does', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('frozen', srv);
    await pool.connect(id);
    const states = new StateLog(pool, id);
    const { lost, recovered } = outageLog(pool, id);

    const t0 = Date.now();
    srv.freeze();
    const offline = await states.next('offline');
    // Found by the keepalives (ssh2 gives up on the (countMax + 1)th unanswered one), with a margin
    // for a busy machine; far sooner than anything else would notice.
    expect(Date.now() - t0).toBeLessThan(FAST.keepaliveIntervalMs! * (FAST.keepaliveCountMax! + 1) + 1_000);
    expect(offline).toMatchObject({ errorCode: 'CONNECTION_LOST' });
    expect(offline.message).toMatch(/frozen.*stopped answering/);
    expect(offline.retryAt).not.toBeNull();

    srv.thaw();
    await states.next('online');
    expect(lost.map((e) => e.code)).toEqual(['CONNECTION_LOST']);
    expect(recovered).toHaveLength(1);
    expect((await pool.exec(id, 'echo thawed')).stdout).toBe('thawed\n');
  });

  it('a command running when the link drops rejects with CONNECTION_LOST, and its channel is counted back', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('mid-command', srv);
    await pool.connect(id);
    const running = rejection(pool.exec(id, 'sleep 5000'));
    await srv.until(() => srv.execs.length === 1, 2_000, 'the command started');
    srv.kill();
    const err = await running;
    expect(err.code).toBe('CONNECTION_LOST');
    expect(err.message).toMatch(/mid-command.*ended before the command finished/);
    expect(pool.channelCount(id)).toBe(0);
  });

  it('a server down for several retries: redials with backoff, each kind of failure reported once, recovered once', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('outage', srv);
    await pool.connect(id);
    const states = new StateLog(pool, id);
    const { lost, recovered } = outageLog(pool, id);

    await srv.stop();
    // The drop, then three refused redials.
    for (let i = 0; i < 4; i++) await states.next('offline');
    const retries = states.seen.filter((s) => s.state === 'offline').map((s) => s.retryAt! - s.since);
    expect(retries.every((ms) => ms > 0)).toBe(true);
    expect(retries[3]!).toBeGreaterThan(retries[0]!); // backing off (50 ms, then 400 ms cap, ±25 %)
    expect(pool.state(id).errorCode).toBe('HOST_UNREACHABLE');

    await srv.restart();
    await states.next('online');
    expect(lost.map((e) => [e.code, e.firstOfOutage])).toEqual([
      ['CONNECTION_LOST', true],
      ['HOST_UNREACHABLE', false],
    ]);
    expect(recovered).toHaveLength(1);
  });

  it('a host only used by exec, never connected, is not redialled when dropped: it goes idle', async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('used', srv);
    const states = new StateLog(pool, id);
    const { lost } = outageLog(pool, id);
    await pool.exec(id, 'echo once');
    expect(pool.state(id).state).toBe('online');

    srv.kill();
    await states.next('idle');
    await sleep(SEVERAL_RETRIES_MS);
    expect(srv.accepted).toBe(1);
    expect(pool.state(id)).toMatchObject({ state: 'idle', retryAt: null, connections: 0 });
    expect(lost).toEqual([]);
    // The next use dials again.
    expect((await pool.exec(id, 'echo again')).stdout).toBe('again\n');
  });

  it("a person's Disconnect (hold) stays idle: the connection ends and nothing redials", async () => {
    const srv = await server();
    const { pool, trusted } = setup();
    const id = trusted('held', srv);
    await pool.connect(id);
    const { lost } = outageLog(pool, id);

    expect(pool.hold(id).state).toBe('idle');
    await srv.until(() => srv.connections === 0, 2_000, 'the held connection closed');
    await sleep(SEVERAL_RETRIES_MS);
    expect(srv.accepted).toBe(1);
    expect(pool.state(id)).toMatchObject({ state: 'idle', retryAt: null, connections: 0 });
    expect(lost).toEqual([]);
  });

  it('a connection that completes after Disconnect is closed, not kept', async () => {
    const srv = await server({ handshakeDelayMs: 300 });
    const { pool, trusted } = setup();
    const id = trusted('late', srv);
    const states = new StateLog(pool, id);
    const connecting = rejection(pool.connect(id));
    await states.next('connecting');
    await srv.until(() => srv.connections === 1, 2_000, 'the TCP connection');
    expect(pool.disconnect(id).state).toBe('idle');
    expect((await connecting).code).toBe('CONNECTION_LOST');
    await srv.until(() => srv.connections === 0, 2_000, 'the late connection closed');
    expect(pool.state(id)).toMatchObject({ state: 'idle', connections: 0, channels: 0 });
  });
});

describe('unreachable and hung hosts', () => {
  it('nothing listening: HOST_UNREACHABLE naming the host and the refusal, offline with a retry', async () => {
    const srv = await server();
    await srv.stop();
    const { pool, add } = setup();
    const id = add('nobody-home', srv.port, { method: 'key', keyPath: srv.clientKeyFile });
    const err = await rejection(pool.connect(id));
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.message).toMatch(/nobody-home.*refused/);
    expect(pool.state(id)).toMatchObject({ state: 'offline', errorCode: 'HOST_UNREACHABLE' });
    expect(pool.state(id).retryAt).not.toBeNull();
  });

  it('a server that accepts TCP but never speaks SSH: TIMEOUT within readyTimeoutMs, and the socket is closed', async () => {
    const srv = await server({ silent: true });
    const { pool, trusted } = setup();
    const id = trusted('hung', srv);
    const t0 = Date.now();
    const err = await rejection(pool.connect(id));
    const took = Date.now() - t0;
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/hung.*handshake/);
    expect(took).toBeGreaterThanOrEqual(FAST.readyTimeoutMs! - 50);
    expect(took).toBeLessThan(FAST.readyTimeoutMs! + 1_000);
    expect(pool.state(id).state).toBe('offline');
    // Stop the redial loop, then the timed-out socket must not linger.
    pool.hold(id);
    await srv.until(() => srv.connections === 0, 2_000, 'the timed-out socket closed');
  });
});
