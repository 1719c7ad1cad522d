// ChannelSocket over a stand-in for an ssh2 channel: what the host sent before closing reaches a
// consumer that reads slower than it came, and the channel's slot is counted back once.
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { describe, expect, it, vi } from 'vitest';
import { ChannelSocket, mapForwardError } from './streamlocal';

class FakeChannel extends EventEmitter {
  paused = false;
  closed = 0;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  write(): boolean {
    return true;
  }
  end(): void {}
  close(): void {
    this.closed++;
  }
}

describe('ChannelSocket', () => {
  it('keeps what is buffered when the channel closes before the consumer has read it', async () => {
    const ch = new FakeChannel();
    const release = vi.fn();
    const sock = new ChannelSocket(ch as unknown as ClientChannel, { client: null as never, release }, 'h');
    // More than the readable buffer holds, all before anyone reads: then EOF and close, as ssh2
    // emits them once its own buffer has been taken.
    const sent = Buffer.alloc(200 * 1024, 7);
    for (let i = 0; i < sent.length; i += 32 * 1024) ch.emit('data', sent.subarray(i, i + 32 * 1024));
    expect(ch.paused).toBe(true);
    ch.emit('end');
    ch.emit('close');
    expect(release).toHaveBeenCalledTimes(1);
    expect(sock.destroyed).toBe(false);

    const got: Buffer[] = [];
    for await (const chunk of sock) got.push(chunk as Buffer);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(sock.destroyed).toBe(true);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('is destroyed at once when the channel closes with everything read', async () => {
    const ch = new FakeChannel();
    const release = vi.fn();
    const sock = new ChannelSocket(ch as unknown as ClientChannel, { client: null as never, release }, 'h');
    sock.resume();
    ch.emit('data', Buffer.from('x'));
    ch.emit('end');
    await new Promise((r) => setImmediate(r));
    ch.emit('close');
    expect(sock.destroyed).toBe(true);
    expect(release).toHaveBeenCalledTimes(1);
  });
});

describe('mapForwardError', () => {
  const refused = (description: string): Error =>
    Object.assign(new Error(`(SSH) Channel open failure: ${description}`), { reason: 2 });

  it('says nothing listens on that port of that host', () => {
    const e = mapForwardError(refused('Connection refused'), 'gpu1', '127.0.0.1', 8888);
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/^Nothing listens on port 8888 on gpu1 .*Start the service/);
    expect(mapForwardError(refused(''), 'gpu1', 'localhost', 6006).message).toMatch(/port 6006 on gpu1/);
    expect(mapForwardError(refused('Connection refused'), 'gpu1', '10.0.0.9', 80).message).toMatch(
      /^Nothing listens on 10\.0\.0\.9:80 as seen from gpu1/,
    );
  });

  it("passes on another reason for a failed connect, and names a host's refusal to forward", () => {
    expect(mapForwardError(refused('Name or service not known'), 'gpu1', 'nosuch', 80).message).toBe(
      'gpu1 could not connect to nosuch:80: Name or service not known.',
    );
    const denied = Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), {
      reason: 1,
    });
    const e = mapForwardError(denied, 'gpu1', '127.0.0.1', 8888);
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.message).toMatch(/gpu1 does not allow port forwarding to its port 8888 .*AllowTcpForwarding/);
  });

  it('says which host and port when the connection itself failed', () => {
    const e = mapForwardError(new Error('Not connected'), 'gpu1', '127.0.0.1', 8888);
    expect(e.code).toBe('CONNECTION_LOST');
    expect(e.message).toMatch(/gpu1 \(forward to its port 8888\)/);
  });
});
