// The agent's sockets are leased SSH channels: here a fake channel carries the bytes to a real
// HTTP server, so keep-alive reuse and the channel's accounting can be checked without a host.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSocket } from '../ssh/streamlocal';
import { PooledAgent } from './agent';

/** A stand-in for ssh2's ClientChannel over a Unix socket: data, pause/resume, end, close. */
function fakeChannel(sock: net.Socket): Duplex & { stderr: EventEmitter; paused: number } {
  const ch = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _e, cb) {
      sock.write(chunk, () => cb());
    },
    final(cb) {
      sock.end();
      cb();
    },
  }) as Duplex & { stderr: EventEmitter; paused: number; close(): void };
  ch.stderr = new EventEmitter();
  ch.paused = 0;
  const pause = ch.pause.bind(ch);
  ch.pause = () => {
    ch.paused++;
    return pause();
  };
  ch.close = () => sock.destroy();
  sock.on('data', (d: Buffer) => {
    if (!ch.push(d)) sock.pause();
  });
  sock.on('end', () => ch.push(null));
  sock.on('close', () => ch.emit('close'));
  return ch;
}

let server: http.Server;
const socketPath = path.join(os.tmpdir(), `labdeck-agent-${process.pid}.sock`);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.end(Buffer.alloc(4 * 1024 * 1024, 'x'));
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function agent(count = { leased: 0, released: 0 }): PooledAgent {
  return new PooledAgent(async () => {
    const sock = net.connect(socketPath);
    await new Promise((r) => sock.once('connect', r));
    count.leased++;
    let done = false;
    const lease = {
      client: null as never,
      release: () => {
        if (done) return;
        done = true;
        count.released++;
      },
    };
    return new ChannelSocket(fakeChannel(sock) as never, lease, 'test');
  });
}

function get(a: PooledAgent, p: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: a, host: 'docker.invalid', path: p }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the pooled Docker agent', () => {
  it('keeps one channel alive across sequential calls', async () => {
    const a = agent();
    for (let i = 0; i < 20; i++) {
      const r = await get(a, `/v1/containers/json?i=${i}`);
      expect(JSON.parse(r.body.toString())).toEqual({ url: `/v1/containers/json?i=${i}` });
    }
    expect(a.opened).toBe(1);
    a.destroy();
  });

  it('opens more channels only for calls in flight at once, and counts each back once when closed', async () => {
    const count = { leased: 0, released: 0 };
    const a = agent(count);
    await Promise.all([1, 2, 3].map((i) => get(a, `/p${i}`)));
    expect(a.opened).toBe(3);
    a.destroy();
    for (let i = 0; i < 50 && count.released < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(count).toEqual({ leased: 3, released: 3 });
  });

  it('carries a large body intact through the channel', async () => {
    const a = agent();
    const r = await get(a, '/big');
    expect(r.body.length).toBe(4 * 1024 * 1024);
    a.destroy();
  });
});
