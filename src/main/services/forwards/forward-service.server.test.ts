// Port forwards through the real SshPool to an in-process SSH server (tests/support/ssh-test-server.ts)
// whose direct-tcpip channels connect to services on this machine, as sshd does on a host: bytes
// both ways and their counts, a slow reader getting every byte, backpressure, a refused port, a
// local port in use, close ending everything, and every channel counted back.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSshTestServer, type SshTestServer } from '../../../../tests/support/ssh-test-server';
import { tempDb } from '../../../../tests/support/temp-db';
import { ApiError } from '../../../shared/api/errors';
import { HostStore } from '../hosts/host-store';
import { HostKeyTrust } from '../ssh/host-keys';
import { SshPool, type ConnectTarget } from '../ssh/ssh-pool';
import { ForwardService } from './forward-service';
import { forwardTarget } from './forwards.api';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, pred: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The SSH server, a pool with one trusted host on it, and a forward service over that pool. */
async function setup(opts: { probe?: boolean } = {}) {
  const srv = await startSshTestServer();
  cleanups.push(() => srv.close());
  const d = tempDb();
  cleanups.push(() => d.close());
  const store = new HostStore(d.db);
  const trust = new HostKeyTrust(d.db, []);
  const targets = new Map<number, ConnectTarget>();
  const pool = new SshPool(
    (id) => {
      const t = targets.get(id);
      return t ? Promise.resolve(t) : Promise.reject(new ApiError('NOT_FOUND', `no host #${id}`));
    },
    trust,
    { retryBaseMs: 50, retryMaxMs: 400, readyTimeoutMs: 1500 },
    () => undefined,
  );
  cleanups.push(() => pool.close());
  const addHost = (name: string, s: SshTestServer): number => {
    const host = store.insert({
      name,
      address: '127.0.0.1',
      port: s.port,
      user: 'tester',
      kind: 'other',
      group: '',
      tags: [],
      notes: '',
      authMethod: 'key',
      keyPath: s.clientKeyFile,
      jumpHostId: null,
    });
    targets.set(host.id, {
      hostId: host.id,
      name,
      address: '127.0.0.1',
      port: s.port,
      user: 'tester',
      auth: { method: 'key', keyPath: s.clientKeyFile },
      jumpHostId: null,
    });
    // Trusted as a person would: seen as unknown first, then confirmed.
    trust.check(host.id, '127.0.0.1', s.port, Buffer.from(s.hostKey.split(' ')[1]!, 'base64'));
    trust.trust(host.id, s.fingerprint);
    return host.id;
  };
  const hostId = addHost('gpu1', srv);
  const forwards = new ForwardService(pool, (id) => targets.get(id)?.name ?? `host #${id}`, opts);
  cleanups.push(() => forwards.closeAll());
  return { srv, pool, hostId, forwards, addHost };
}

/** A TCP service on this machine's loopback (the "host's" service); `handle` gets each connection. */
async function service(handle: (s: net.Socket) => void): Promise<{ port: number; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

/** A port nothing listens on (free a moment ago). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A client as a browser is: it closes its side when the other side has ended. */
function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `request`, half-closes, and collects everything until the far end closes. */
async function exchange(port: number, request: Buffer | string): Promise<Buffer> {
  const s = await connect(port, true);
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  s.end(request);
  await new Promise<void>((resolve, reject) => {
    s.once('close', () => resolve());
    s.once('error', reject);
  });
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('ForwardService over the pool', () => {
  it('carries bytes both ways, counts them and the connections, and counts every channel back', async () => {
    const { srv, pool, hostId, forwards } = await setup();
    // An echo that answers "<n> bytes" once the client has finished sending.
    const svc = await service((s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(`got ${n} bytes`));
    });
    const f = await forwards.open({ hostId, remotePort: svc.port, label: ' Jupyter Lab ' });
    expect(f).toMatchObject({
      hostId,
      hostName: 'gpu1',
      remoteHost: '127.0.0.1',
      remotePort: svc.port,
      label: 'Jupyter Lab',
      experimentId: null,
      url: `http://127.0.0.1:${f.localPort}/`,
      activeConnections: 0,
      totalConnections: 0,
      lastError: null,
    });
    expect(f.localPort).toBeGreaterThan(0);
    expect(srv.tcpipRequests.at(-1)).toEqual({ host: '127.0.0.1', port: svc.port });

    const body = randomBytes(300_000);
    expect((await exchange(f.localPort, body)).toString()).toBe('got 300000 bytes');
    expect((await exchange(f.localPort, 'hello')).toString()).toBe('got 5 bytes');
    await until('connections to end', () => forwards.get(f.id).activeConnections === 0);
    await until('channels to close', () => pool.channelCount(hostId) === 0);
    const now = forwards.get(f.id);
    expect(now).toMatchObject({
      totalConnections: 2,
      activeConnections: 0,
      bytesIn: 300_005,
      bytesOut: 'got 300000 bytes'.length + 'got 5 bytes'.length,
      lastError: null,
    });
    expect(forwards.list(hostId)).toEqual([now]);
    expect(forwards.list(hostId + 1)).toEqual([]);
  });

  it('shows bytes of a connection still open, and ends it (and its channel) on close', async () => {
    const { srv, pool, hostId, forwards } = await setup();
    const svc = await service((s) => s.pipe(s));
    const f = await forwards.open({ hostId, remotePort: svc.port });
    const c = await connect(f.localPort);
    const got: Buffer[] = [];
    c.on('data', (d: Buffer) => got.push(d));
    c.write('ping');
    await until('the echo', () => Buffer.concat(got).toString() === 'ping');
    expect(forwards.get(f.id)).toMatchObject({ activeConnections: 1, bytesIn: 4, bytesOut: 4 });
    expect(pool.channelCount(hostId)).toBe(1);

    const closedHere = new Promise<void>((r) => c.once('close', () => r()));
    c.on('error', () => undefined);
    const last = await forwards.close(f.id);
    expect(last).toMatchObject({
      id: f.id,
      activeConnections: 0,
      totalConnections: 1,
      bytesIn: 4,
      bytesOut: 4,
    });
    await closedHere;
    // Nothing listens there any more, the host's side of the connection ended, the channel is back.
    await expect(connect(f.localPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await until('the service side to close', () => svc.sockets.size === 0);
    await until('the tcpip channel to close', () => srv.tcpipOpen === 0);
    await until('the channel to be counted back', () => pool.channelCount(hostId) === 0);
    expect(forwards.list()).toEqual([]);
    await expect(forwards.close(f.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('gives a slow reader every byte the host sent, up to the close', async () => {
    const { hostId, forwards } = await setup();
    const payload = randomBytes(8 * 1024 * 1024);
    const svc = await service((s) => s.end(payload));
    const f = await forwards.open({ hostId, remotePort: svc.port });
    const c = await connect(f.localPort);
    const got: Buffer[] = [];
    // Reads in bursts with pauses, so the channel's end and close arrive while data is still held.
    c.on('data', (d: Buffer) => {
      got.push(d);
      c.pause();
      setTimeout(() => c.resume(), 1);
    });
    await new Promise<void>((r) => c.once('close', () => r()));
    const all = Buffer.concat(got);
    expect(all.length).toBe(payload.length);
    expect(sha(all)).toBe(sha(payload));
    await until('counts to settle', () => forwards.get(f.id).activeConnections === 0);
    expect(forwards.get(f.id).bytesOut).toBe(payload.length);
  });

  it('holds the host back while the local client does not read (backpressure, bounded buffers)', async () => {
    const { hostId, forwards } = await setup();
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const svc = await service((s) => {
      const pump = (): void => {
        while (written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    const f = await forwards.open({ hostId, remotePort: svc.port });
    const c = await connect(f.localPort);
    c.pause();
    await sleep(600);
    const held = forwards.get(f.id).bytesOut;
    // The SSH window (2 MiB in ssh2), a stream buffer each side and the sockets' kernel buffers.
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(32 * 1024 * 1024);
    await sleep(300);
    expect(forwards.get(f.id).bytesOut).toBeLessThan(held + 4 * 1024 * 1024);
    // Reading again lets it flow.
    let read = 0;
    c.on('data', (d: Buffer) => (read += d.length));
    c.resume();
    await until('more to arrive', () => read > held + 8 * 1024 * 1024, 10_000);
    c.destroy();
    await until('the connection to end', () => forwards.get(f.id).activeConnections === 0);
    expect(svc.sockets.size).toBeLessThanOrEqual(1);
    await until('the service side to close', () => svc.sockets.size === 0);
  });

  it('opens over a port nobody listens on yet, saying so, and clears that once a connection gets through', async () => {
    const { hostId, forwards } = await setup();
    const port = await freePort();
    const f = await forwards.open({ hostId, remotePort: port });
    expect(f.lastError).toMatch(new RegExp(`Nothing listens on port ${port} on gpu1 .*Start the service`));

    // A connection meanwhile is closed at once; the error is the forward's.
    const c = await connect(f.localPort);
    c.on('error', () => undefined);
    c.on('data', () => undefined);
    await new Promise<void>((r) => c.once('close', () => r()));
    const after = forwards.get(f.id);
    expect(after).toMatchObject({ totalConnections: 1, activeConnections: 0, bytesIn: 0, bytesOut: 0 });
    expect(after.lastError).toMatch(/Nothing listens on port/);

    // The service starts on that port: the next connection works and the error is gone.
    const svc = net.createServer((s) => s.end('up'));
    await new Promise<void>((r) => svc.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => svc.close(() => r())));
    expect((await exchange(f.localPort, '')).toString()).toBe('up');
    expect(forwards.get(f.id).lastError).toBeNull();
  });

  it('refuses a local port already in use, saying what to do, and leaves nothing open', async () => {
    const { hostId, forwards } = await setup();
    const svc = await service((s) => s.end());
    const a = await forwards.open({ hostId, remotePort: svc.port });
    const err = await forwards
      .open({ hostId, remotePort: svc.port, localPort: a.localPort })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'localPort' });
    expect((err as ApiError).message).toMatch(
      new RegExp(`Port ${a.localPort} on this computer is already in use`),
    );
    expect((err as ApiError).message).toMatch(/leave it empty/);
    expect(forwards.list()).toHaveLength(1);

    // A fixed free port is used as given.
    const port = await freePort();
    const b = await forwards.open({ hostId, remotePort: svc.port, localPort: port });
    expect(b.localPort).toBe(port);
  });

  it('fails the open when the host cannot be reached, and opens nothing', async () => {
    const { srv, hostId, forwards } = await setup();
    await srv.stop();
    const err = await forwards.open({ hostId, remotePort: 8888 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_UNREACHABLE' });
    expect(forwards.list()).toEqual([]);
  });

  it('without the probe, a connection while the host is down closes and records why', async () => {
    const { srv, hostId, forwards } = await setup({ probe: false });
    await srv.stop();
    const f = await forwards.open({ hostId, remotePort: 8888 });
    const c = await connect(f.localPort);
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.once('close', () => r()));
    await until('the error', () => forwards.get(f.id).lastError !== null);
    expect(forwards.get(f.id).lastError).toMatch(/gpu1/);
  });

  it('closeHost closes that host’s forwards only; closeAll the rest', async () => {
    const { srv, hostId, forwards, addHost } = await setup();
    const other = addHost('gpu2', srv);
    const svc = await service((s) => s.end());
    const a = await forwards.open({ hostId, remotePort: svc.port, experimentId: 7 });
    const b = await forwards.open({ hostId: other, remotePort: svc.port });
    expect(a.experimentId).toBe(7);
    expect((await forwards.closeHost(hostId)).map((f) => f.id)).toEqual([a.id]);
    expect(forwards.list().map((f) => f.id)).toEqual([b.id]);
    await forwards.closeAll();
    expect(forwards.list()).toEqual([]);
    await expect(connect(b.localPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('forwardTarget', () => {
  it('names the local port, the host and its port', () => {
    const f = { localPort: 40001, hostName: 'gpu1', remotePort: 8888 };
    expect(forwardTarget({ ...f, remoteHost: '127.0.0.1' })).toBe('127.0.0.1:40001 → gpu1:8888');
    expect(forwardTarget({ ...f, remoteHost: '10.0.0.5' })).toBe('127.0.0.1:40001 → gpu1→10.0.0.5:8888');
  });
});
