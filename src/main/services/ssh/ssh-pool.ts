// One pool of ssh2 connections per host, shared by everything that talks to that host. Counts the
// channels on each connection (OpenSSH allows 10 sessions per connection by default) and opens
// another connection or queues when they are full; releases every channel on every path; detects
// dead links with keepalives and reconnects with backoff and jitter while the host is wanted.
import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import type { HostState } from '../../../shared/api/domain';
import { openChannel } from './channels';
import { collect } from './exec';
import { ExecStream, wrapCommand, type ExecStreamOptions } from './exec-stream';
import { HostConnection } from './host-connection';
import { SftpSession } from './sftp';
import { openExecSocket, openForwardOut, openStreamLocal, type ChannelSocket } from './streamlocal';
import type { HostKeyTrust } from './host-keys';
import { mapChannelError } from './ssh-errors';
import { POOL_DEFAULTS, type ConnectTarget, type ExecResult, type Lease, type PoolOptions } from './types';

export { openChannel } from './channels';
export type { ChannelSocket } from './streamlocal';
export type { ExecEnd, ExecEvent, ExecStream, ExecStreamOptions } from './exec-stream';
export {
  readLocalTree,
  type DownloadResult,
  type LocalTree,
  type SftpSession,
  type UploadResult,
} from './sftp';
export type {
  AuthMaterial,
  ConnectTarget,
  ExecResult,
  Lease,
  PoolLost,
  PoolOptions,
  PoolRecovered,
} from './types';

export class SshPool {
  readonly events = new EventEmitter();
  readonly options: Required<PoolOptions>;
  private readonly hosts = new Map<number, HostConnection>();

  constructor(
    readonly resolve: (hostId: number) => Promise<ConnectTarget>,
    readonly trust: HostKeyTrust,
    options: PoolOptions = {},
    readonly log: (line: string) => void = (l) => console.warn(l),
  ) {
    this.options = { ...POOL_DEFAULTS, ...options };
    this.events.setMaxListeners(100);
  }

  host(hostId: number): HostConnection {
    let h = this.hosts.get(hostId);
    if (!h) {
      h = new HostConnection(hostId, this);
      this.hosts.set(hostId, h);
    }
    return h;
  }

  state(hostId: number): HostState {
    return this.host(hostId).state;
  }

  states(): HostState[] {
    return [...this.hosts.values()].map((h) => h.state);
  }

  connect(hostId: number): Promise<HostState> {
    return this.host(hostId).connect();
  }

  /** Ends the host's connections (new details, a key decision): the next use dials afresh. */
  disconnect(hostId: number): HostState {
    return this.host(hostId).disconnect();
  }

  /** A person's Disconnect: nothing reconnects it on its own, not even hosts behind it. */
  hold(hostId: number): HostState {
    return this.host(hostId).hold();
  }

  /** Hosts waiting for this jump host to come back try again. */
  wakeBehind(jumpHostId: number): void {
    for (const h of this.hosts.values()) if (h.blockedByJump === jumpHostId) h.retryAfterJump();
  }

  /** Forget a host entirely (it was removed from the inventory). */
  drop(hostId: number): void {
    this.hosts.get(hostId)?.disconnect();
    this.hosts.delete(hostId);
  }

  acquire(hostId: number): Promise<Lease> {
    return this.host(hostId).acquire();
  }

  /**
   * Runs a command (build it with shCommand) and collects its output, up to maxBytes per stream;
   * `stdin` is written to it and closed (what must not be seen in a process list goes there).
   */
  async exec(
    hostId: number,
    command: string,
    opts: { timeoutMs?: number; maxBytes?: number; stdin?: string } = {},
  ): Promise<ExecResult> {
    const lease = await this.acquire(hostId);
    const max = opts.maxBytes ?? 16 * 1024 * 1024;
    const where = this.hosts.get(hostId)?.label ?? `host #${hostId}`;
    // The channel's slot is counted back when sshd has closed it (its 'close'), not when we give
    // up on it: sshd frees a session only then, and MaxSessions counts it until it does.
    let result: Promise<ExecResult> | null = null;
    try {
      await openChannel(
        (done) => lease.client.exec(command, done),
        (stream) => {
          result = collect(stream, lease, where, max, opts.timeoutMs);
          // Data for the command (a secret, a file) goes on stdin, never into the command line.
          if (opts.stdin !== undefined) stream.end(opts.stdin);
          // It may settle before the caller awaits it (all in one network read): not unhandled.
          result.catch(() => undefined);
        },
      );
    } catch (err) {
      lease.release();
      throw mapChannelError(err, where);
    }
    return result!;
  }

  /**
   * Starts a command (build it with shCommand) whose output is consumed as it comes, as a
   * flow-controlled source; `cancel()` stops the remote process group. Nothing is read until the
   * consumer starts it.
   */
  async stream(hostId: number, command: string, opts: ExecStreamOptions = {}): Promise<ExecStream> {
    const lease = await this.acquire(hostId);
    const where = this.hosts.get(hostId)?.label ?? `host #${hostId}`;
    let stream: ExecStream | null = null;
    try {
      await openChannel(
        (done) => lease.client.exec(wrapCommand(command), done),
        (ch) => {
          stream = new ExecStream(ch, lease, (c) => this.exec(hostId, c, { timeoutMs: 10_000 }), opts);
        },
      );
    } catch (err) {
      lease.release();
      throw mapChannelError(err, where);
    }
    return stream!;
  }

  /** An SFTP session on a pooled connection; end() it to count its channel back. */
  async sftp(hostId: number): Promise<SftpSession> {
    const lease = await this.acquire(hostId);
    const where = this.hosts.get(hostId)?.label ?? `host #${hostId}`;
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        lease.client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      return new SftpSession(sftp, lease, where, (c) => this.exec(hostId, c, { timeoutMs: 60_000 }));
    } catch (err) {
      lease.release();
      throw mapChannelError(err, where);
    }
  }

  /** A stream to a Unix socket on the host (direct-streamlocal), on a counted channel. */
  async streamLocal(hostId: number, socketPath: string): Promise<ChannelSocket> {
    const lease = await this.acquire(hostId);
    return openStreamLocal(lease, socketPath, this.hosts.get(hostId)?.label ?? `host #${hostId}`);
  }

  /**
   * A TCP connection from the host to `remoteHost:remotePort` as the host sees them (direct-tcpip;
   * its loopback by default), on a counted channel: the far end of a port forward.
   */
  async forwardOut(hostId: number, remoteHost: string, remotePort: number): Promise<ChannelSocket> {
    const lease = await this.acquire(hostId);
    return openForwardOut(lease, remoteHost, remotePort, this.hosts.get(hostId)?.label ?? `host #${hostId}`);
  }

  /**
   * A command's stdin/stdout as a stream (e.g. `docker system dial-stdio`), on a counted channel;
   * `background`: Labdeck's own (the metrics collector), counted apart in the host's state.
   */
  async execSocket(
    hostId: number,
    command: string,
    opts: { background?: boolean } = {},
  ): Promise<ChannelSocket> {
    const leased = await this.acquire(hostId);
    const lease = opts.background ? this.host(hostId).background(leased) : leased;
    return openExecSocket(lease, command, this.hosts.get(hostId)?.label ?? `host #${hostId}`);
  }

  channelCount(hostId: number): number {
    return this.hosts.get(hostId)?.channelCount ?? 0;
  }

  close(): void {
    for (const h of this.hosts.values()) h.disconnect();
    this.hosts.clear();
  }
}
