// Byte streams to a Unix socket on a host, over the host's pooled connection: a
// `direct-streamlocal@openssh.com` channel (e.g. to the Docker socket), or an exec channel whose
// stdin/stdout is the stream (`docker system dial-stdio`). Each is a leased channel, so the pool's
// accounting covers it, and it is counted back exactly once, when the channel has closed.
import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { openChannel } from './channels';
import { ApiError } from '../../../shared/api/errors';
import { mapChannelError } from './ssh-errors';
import type { Lease } from './types';

/**
 * A leased channel dressed as a socket, so Node's http client and Agent can use it (they call
 * setKeepAlive, setNoDelay, setTimeout, ref and unref). Reads are flow-controlled: when the
 * consumer stops reading, the channel is paused and the remote side waits in its SSH window.
 */
export class ChannelSocket extends Duplex {
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Bytes read from and written to the channel. */
  bytesRead = 0;
  bytesWritten = 0;
  readonly remoteAddress: string;

  constructor(
    private readonly channel: ClientChannel,
    private readonly lease: Lease,
    label: string,
  ) {
    super({ allowHalfOpen: true });
    this.remoteAddress = label;
    channel.on('data', (d: Buffer) => {
      this.bytesRead += d.length;
      this.touch();
      if (!this.push(d)) channel.pause();
    });
    // An exec channel's stderr (dial-stdio's complaints) is drained, never mixed into the stream.
    channel.stderr?.on('data', () => undefined);
    channel.on('end', () => this.push(null));
    channel.on('error', (err: Error) => this.destroy(err));
    channel.on('close', () => {
      this.lease.release();
      this.clearIdle();
      if (this.destroyed) return;
      if (this.readableEnded) return void this.destroy();
      // What the channel sent is still buffered here for a consumer that reads slower than it
      // came: destroying now would drop the tail. Ends (then is destroyed) once it has been read.
      this.push(null);
      this.once('end', () => this.destroy());
    });
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    this.touch();
    if (this.channel.write(chunk)) cb();
    else this.channel.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.channel.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.clearIdle();
    try {
      this.channel.close();
    } catch {
      /* already closed */
    }
    cb(err);
  }

  // What net.Socket offers and http uses; there is no TCP socket of our own to tune.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  /** As net.Socket: 0 turns the idle timer off (and removes `cb`), otherwise `cb` fires once. */
  setTimeout(ms: number, cb?: () => void): this {
    this.idleMs = ms;
    if (cb) {
      if (ms === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.touch();
    return this;
  }

  private touch(): void {
    this.clearIdle();
    if (this.idleMs > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

/** A channel to a Unix socket on the host (sshd connects to it as the login user). */
export async function openStreamLocal(
  lease: Lease,
  socketPath: string,
  where: string,
): Promise<ChannelSocket> {
  let sock: ChannelSocket | null = null;
  try {
    await openChannel(
      (done) => lease.client.openssh_forwardOutStreamLocal(socketPath, done),
      (ch) => (sock = new ChannelSocket(ch, lease, `${where}:${socketPath}`)),
      // A refusal here is an answer (no such socket, not allowed), not sshd's MaxSessions race.
      1,
    );
  } catch (err) {
    lease.release();
    throw err instanceof Error && 'reason' in err ? err : mapChannelError(err, where);
  }
  return sock!;
}

/**
 * A TCP connection the host makes for us (direct-tcpip) to `remoteHost:remotePort` as it sees
 * them (its loopback by default), e.g. a port forward to a service listening only there.
 */
export async function openForwardOut(
  lease: Lease,
  remoteHost: string,
  remotePort: number,
  where: string,
): Promise<ChannelSocket> {
  let sock: ChannelSocket | null = null;
  try {
    await openChannel(
      (done) => lease.client.forwardOut('127.0.0.1', 0, remoteHost, remotePort, done),
      (ch) => (sock = new ChannelSocket(ch, lease, `${where}:${remotePort}`)),
      // A refusal is the host's answer (nothing listens there, forwarding not allowed): no retry.
      1,
    );
  } catch (err) {
    lease.release();
    throw mapForwardError(err, where, remoteHost, remotePort);
  }
  return sock!;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A failed direct-tcpip open, said with the host and the port (RFC 4254 reason codes). */
export function mapForwardError(
  err: unknown,
  where: string,
  remoteHost: string,
  remotePort: number,
): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Error & { reason?: unknown };
  const said = (e?.message ?? '').replace(/^\(SSH\) Channel open failure:\s*/, '').trim();
  const target = LOOPBACK.has(remoteHost) ? `its port ${remotePort}` : `${remoteHost}:${remotePort}`;
  if (e && e.reason === 2) {
    // CONNECT_FAILED: OpenSSH says "Connection refused" (or why the connect failed); some say nothing.
    if (said === '' || /refused/i.test(said)) {
      return new ApiError(
        'UNAVAILABLE',
        LOOPBACK.has(remoteHost)
          ? `Nothing listens on port ${remotePort} on ${where} (connection refused). Start the service there (on that port), or check the port number.`
          : `Nothing listens on ${remoteHost}:${remotePort} as seen from ${where} (connection refused). Start the service, or check the address and port.`,
      );
    }
    return new ApiError('UNAVAILABLE', `${where} could not connect to ${target}: ${said}.`);
  }
  if (e && e.reason === 1) {
    return new ApiError(
      'PERMISSION_DENIED',
      `${where} does not allow port forwarding to ${target} (${said || 'administratively prohibited'}). Allow it in the host's sshd_config (AllowTcpForwarding yes, PermitOpen) or in the login key's options.`,
    );
  }
  return mapChannelError(err, `${where} (forward to ${target})`);
}

/** An exec channel whose stdin and stdout are the stream (build the command with shCommand). */
export async function openExecSocket(lease: Lease, command: string, where: string): Promise<ChannelSocket> {
  let sock: ChannelSocket | null = null;
  try {
    await openChannel(
      (done) => lease.client.exec(command, done),
      (ch) => (sock = new ChannelSocket(ch, lease, `${where}:exec`)),
    );
  } catch (err) {
    lease.release();
    throw mapChannelError(err, where);
  }
  return sock!;
}
