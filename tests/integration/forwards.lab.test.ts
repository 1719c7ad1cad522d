// Port forwards against the lab's real sshd: a web server listening only on an SSH host's own
// loopback (inside its network namespace, out of reach from here) fetched through a loopback port
// here, over the host's pooled connection; the history rows, a port nobody listens on, a local port
// in use, and the close (also by the window going away) leaving nothing listening or open.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiSession } from '../../src/main/api/session';
import { shCommand } from '../../src/main/services/ssh/quote';
import type { Api } from '../../src/shared/api/client';
import { readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { addOnlineLabHost, harness, type Harness } from '../support/app-harness';
import { memoryLink } from '../support/memory-link';

inject('lab');
const labHost = (name: string): LabHost => readState().hosts.find((x) => x.name === name)!;

let h: Harness;
let api: Api;
let session: ApiSession;
let hostId: number;
/** The web server on the host: its folder, port and pid. */
const DIR = `/tmp/ldfwd-${process.pid}`;
const PORT = 20_000 + (process.pid % 20_000);
let serverPid = 0;
const small = `hello through the forward ${randomBytes(8).toString('hex')}\n`;
const BIG = 6 * 1024 * 1024;
let bigSha = '';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const sh = async (script: string, timeoutMs = 20_000): Promise<string> => {
  const r = await h.app.pool.exec(hostId, shCommand(['sh', '-c', script]), { timeoutMs });
  if (r.code !== 0) throw new Error(`${script} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};

beforeAll(async () => {
  h = harness();
  ({ api, session } = memoryLink(h.app.dispatcher, h.app.streams));
  hostId = await addOnlineLabHost(h, labHost('h1'), 't-h1');
  // The files, made on the host, and python's web server on its loopback only.
  await sh(`rm -rf ${DIR} && mkdir -p ${DIR} && head -c ${BIG} /dev/urandom > ${DIR}/big.bin`);
  bigSha = (await sh(`sha256sum ${DIR}/big.bin`)).split(' ')[0]!;
  const sftp = await h.app.pool.sftp(hostId);
  try {
    await sftp.writeFile(`${DIR}/hello.txt`, small);
  } finally {
    sftp.end();
  }
  serverPid = Number(
    (
      await sh(
        `cd ${DIR} && nohup python3 -m http.server --bind 127.0.0.1 ${PORT} >${DIR}.log 2>&1 </dev/null & echo $!`,
      )
    ).trim(),
  );
  expect(serverPid).toBeGreaterThan(0);
  await sh(
    `for i in $(seq 1 100); do python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' ${PORT} 2>/dev/null && exit 0; sleep 0.1; done; cat ${DIR}.log >&2; exit 1`,
  );
});

afterAll(async () => {
  if (serverPid) await sh(`kill ${serverPid}; rm -rf ${DIR} ${DIR}.log`).catch(() => undefined);
  await session.close();
  await h.close();
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

async function channelsDrain(): Promise<number> {
  for (let i = 0; i < 200 && h.app.pool.channelCount(hostId) > 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  return h.app.pool.channelCount(hostId);
}

describe('port forwards', () => {
  it("serves files from a web server on the host's loopback through a local port, and audits open and close", async () => {
    // Out of reach from here without the forward (the host's loopback is its own).
    const f = await api.forwards.open({ hostId, remotePort: PORT, label: 'http.server' });
    expect(f).toMatchObject({
      hostId,
      hostName: 't-h1',
      remoteHost: '127.0.0.1',
      remotePort: PORT,
      label: 'http.server',
      url: `http://127.0.0.1:${f.localPort}/`,
      lastError: null,
      activeConnections: 0,
    });

    const res = await fetch(`${f.url}hello.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(small);
    const bin = Buffer.from(
      await (await fetch(`${f.url}big.bin`, { headers: { connection: 'close' } })).arrayBuffer(),
    );
    expect(bin.length).toBe(BIG);
    expect(sha(bin)).toBe(bigSha);

    const [listed] = await api.forwards.list({ hostId });
    expect(listed!.id).toBe(f.id);
    expect(listed!.totalConnections).toBeGreaterThanOrEqual(1);
    expect(listed!.bytesOut).toBeGreaterThan(BIG);
    expect(listed!.bytesIn).toBeGreaterThan(0);

    const opened = (await api.audit.list({ action: 'forwards.open', limit: 5 })).rows[0]!;
    expect(opened).toMatchObject({
      result: 'ok',
      actor: 'tester@link',
      target: `127.0.0.1:${f.localPort} → t-h1:${PORT}`,
      hostId,
    });
    expect(JSON.parse(opened.params)).toMatchObject({ id: f.id, remotePort: PORT, localPort: f.localPort });

    const last = await api.forwards.close({ id: f.id });
    expect(last.activeConnections).toBe(0);
    expect(await refused(f.localPort)).toBe(true);
    expect(await api.forwards.list({ hostId })).toEqual([]);
    const closed = (await api.audit.list({ action: 'forwards.close', limit: 5 })).rows[0]!;
    expect(closed).toMatchObject({ result: 'ok', target: opened.target, hostId });
    const params = JSON.parse(closed.params) as Record<string, number>;
    expect(params).toMatchObject({ id: f.id, connections: last.totalConnections, bytesOut: last.bytesOut });
    expect(params['bytesOut']).toBeGreaterThan(BIG);
    expect(await channelsDrain()).toBe(0);
  });

  it('opens onto a port nobody listens on, saying so, and the browser gets a closed connection', async () => {
    const free = PORT + 1;
    const f = await api.forwards.open({ hostId, remotePort: free });
    expect(f.lastError).toMatch(new RegExp(`Nothing listens on port ${free} on t-h1`));
    await expect(fetch(f.url)).rejects.toThrow();
    const [after] = await api.forwards.list({ hostId });
    expect(after).toMatchObject({ totalConnections: 1, activeConnections: 0 });
    expect(after!.lastError).toMatch(/Nothing listens/);
    await api.forwards.close({ id: f.id });
    expect(await channelsDrain()).toBe(0);
  });

  it('refuses a local port in use with CONFLICT and what to do', async () => {
    const a = await api.forwards.open({ hostId, remotePort: PORT });
    const err = (await api.forwards
      .open({ hostId, remotePort: PORT, localPort: a.localPort })
      .catch((e: unknown) => e)) as { code: string; message: string; field?: string };
    expect(err).toMatchObject({ code: 'CONFLICT', field: 'localPort' });
    expect(err.message).toMatch(/already in use.*Choose another local port/);
    const row = (await api.audit.list({ action: 'forwards.open', limit: 1 })).rows[0]!;
    expect(row).toMatchObject({ result: 'error', errorCode: 'CONFLICT', hostId });
    await api.forwards.close({ id: a.id });
  });

  it('closes what a window left open when it goes away, in the history too', async () => {
    const other = memoryLink(h.app.dispatcher, h.app.streams, { actor: 'tester@window2' });
    const f = await other.api.forwards.open({ hostId, remotePort: PORT });
    expect(await (await fetch(`${f.url}hello.txt`)).text()).toBe(small);
    await other.session.close();
    expect(await api.forwards.list({})).toEqual([]);
    expect(await refused(f.localPort)).toBe(true);
    const row = (await api.audit.list({ action: 'forwards.close', limit: 1 })).rows[0]!;
    expect(row).toMatchObject({ actor: 'tester@window2', result: 'ok' });
    expect(JSON.parse(row.params)).toMatchObject({ id: f.id });
    expect(await channelsDrain()).toBe(0);
  });

  it("closes a host's forwards when the host is removed, recorded as closed by whoever removed it", async () => {
    const other = await addOnlineLabHost(h, labHost('h1'), 't-h1-again');
    const f = await api.forwards.open({ hostId: other, remotePort: PORT });
    const kept = await api.forwards.open({ hostId, remotePort: PORT });
    await api.hosts.remove({ id: other });
    expect((await api.forwards.list({})).map((x) => x.id)).toEqual([kept.id]);
    expect(await refused(f.localPort)).toBe(true);
    const row = (await api.audit.list({ action: 'forwards.close', limit: 1 })).rows[0]!;
    expect(row).toMatchObject({ actor: 'tester@link', result: 'ok', hostId: other });
    expect(JSON.parse(row.params)).toMatchObject({ id: f.id });
    await api.forwards.close({ id: kept.id });
  });
});
