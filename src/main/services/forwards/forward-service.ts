// Port forwards: a loopback port on this computer whose connections each become a direct-tcpip
// channel on the host's pooled SSH connection, to a port on the host's loopback (Jupyter Lab,
// code-server, TensorBoard...). Listens on 127.0.0.1 only; nothing is opened on the host's network.
// Bytes flow with backpressure both ways (the SSH window on one side, TCP on the other).
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PortForward } from '../../../shared/api/forwards-domain';
import { ApiError } from '../../../shared/api/errors';

/** A forwarded connection's far end, with what went through it (ChannelSocket). */
export type ForwardChannel = Duplex & { readonly bytesRead: number; readonly bytesWritten: number };

/** What the service needs of the SSH pool. */
export interface ForwardPool {
  forwardOut(hostId: number, remoteHost: string, remotePort: number): Promise<ForwardChannel>;
}

export interface OpenForward {
  hostId: number;
  remotePort: number;
  /** Default 127.0.0.1: the host's own loopback. */
  remoteHost?: string | undefined;
  /** Default: any free port. */
  localPort?: number | undefined;
  label?: string | undefined;
  experimentId?: number | undefined;
}

export interface ForwardServiceOptions {
  /**
   * Check at open that the host answers and something listens on the port (one channel opened and
   * closed at once). Off, the first connection finds out. Default on.
   */
  probe?: boolean;
}

interface Forward {
  info: Omit<PortForward, 'bytesIn' | 'bytesOut' | 'activeConnections'>;
  server: net.Server;
  sockets: Set<net.Socket>;
  /** Open channels; their bytes are added to the totals when they close. */
  channels: Set<ForwardChannel>;
  bytesIn: number;
  bytesOut: number;
  closed: boolean;
}

export class ForwardService {
  private readonly forwards = new Map<string, Forward>();
  private readonly probe: boolean;

  constructor(
    private readonly pool: ForwardPool,
    private readonly nameOf: (hostId: number) => string,
    options: ForwardServiceOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.probe = options.probe ?? true;
  }

  async open(input: OpenForward): Promise<PortForward> {
    const remoteHost = input.remoteHost ?? '127.0.0.1';
    const hostName = this.nameOf(input.hostId);
    // A host that cannot be reached fails the open; a port nobody listens on yet is only noted
    // (the service may be started after the forward).
    let lastError: string | null = null;
    if (this.probe) {
      try {
        const ch = await this.pool.forwardOut(input.hostId, remoteHost, input.remotePort);
        ch.destroy();
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'UNAVAILABLE') throw err;
        lastError = err.message;
      }
    }
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const localPort = await listen(server, input.localPort);
    const id = randomUUID();
    const f: Forward = {
      info: {
        id,
        hostId: input.hostId,
        hostName,
        experimentId: input.experimentId ?? null,
        label: input.label?.trim() || null,
        remoteHost,
        remotePort: input.remotePort,
        localPort,
        url: `http://127.0.0.1:${localPort}/`,
        createdAt: this.now(),
        totalConnections: 0,
        lastError,
      },
      server,
      sockets: new Set(),
      channels: new Set(),
      bytesIn: 0,
      bytesOut: 0,
      closed: false,
    };
    server.on('connection', (sock: net.Socket) => this.accept(f, sock));
    // Accept errors (EMFILE) are not fatal to the forward; they are what its last error says.
    server.on('error', (err) => (f.info.lastError = `Could not accept a connection: ${err.message}`));
    this.forwards.set(id, f);
    return snapshot(f);
  }

  /** Open forwards, oldest first; of one host when given. */
  list(hostId?: number): PortForward[] {
    return [...this.forwards.values()]
      .filter((f) => hostId === undefined || f.info.hostId === hostId)
      .map(snapshot);
  }

  get(id: string): PortForward {
    return snapshot(this.find(id));
  }

  /** Stops listening and ends every connection through it; what it carried, as it was. */
  async close(id: string): Promise<PortForward> {
    const f = this.find(id);
    this.forwards.delete(id);
    f.closed = true;
    const closed = new Promise<void>((resolve) => f.server.close(() => resolve()));
    for (const s of f.sockets) s.destroy();
    for (const ch of f.channels) ch.destroy();
    const last = { ...snapshot(f), activeConnections: 0 };
    await closed;
    return last;
  }

  /** Closes the forwards of a host (it was removed); what they were. */
  async closeHost(hostId: number): Promise<PortForward[]> {
    const ids = [...this.forwards.values()].filter((f) => f.info.hostId === hostId).map((f) => f.info.id);
    return Promise.all(ids.map((id) => this.close(id)));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.forwards.keys()].map((id) => this.close(id)));
  }

  private find(id: string): Forward {
    const f = this.forwards.get(id);
    if (!f)
      throw new ApiError('NOT_FOUND', 'That port forward is not open (it was closed, or Labdeck restarted).');
    return f;
  }

  private accept(f: Forward, sock: net.Socket): void {
    if (f.closed) return void sock.destroy();
    f.sockets.add(sock);
    f.info.totalConnections++;
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    let ch: ForwardChannel | null = null;
    sock.once('close', () => {
      f.sockets.delete(sock);
      ch?.destroy();
    });
    this.pool.forwardOut(f.info.hostId, f.info.remoteHost, f.info.remotePort).then(
      (channel) => {
        if (f.closed || sock.destroyed) return void channel.destroy();
        ch = channel;
        f.channels.add(channel);
        f.info.lastError = null;
        channel.once('close', () => {
          f.channels.delete(channel);
          f.bytesIn += channel.bytesWritten;
          f.bytesOut += channel.bytesRead;
        });
        // The host side failing (a lost link) is the forward's news; the local client going away
        // (and writes it sent after the host's side had closed) is not.
        channel.on('error', (err: NodeJS.ErrnoException) => {
          if (!f.closed && !sock.destroyed && err.code !== 'ERR_STREAM_DESTROYED') {
            f.info.lastError = `The connection through ${f.info.hostName} to port ${f.info.remotePort} failed: ${err.message}`;
          }
          sock.destroy();
        });
        // The host's side closed: once what it sent has been written out here (at once when it was
        // cut short), the local socket goes too.
        channel.once('close', () => {
          if (sock.writableFinished || !channel.readableEnded) sock.destroy();
          else sock.once('finish', () => sock.destroy());
        });
        // Each direction ends the other's writing side when it ends (half-close); pipe pauses the
        // source while the destination is full (the SSH window one way, TCP the other).
        sock.pipe(channel);
        channel.pipe(sock);
      },
      (err: unknown) => {
        if (!f.closed) f.info.lastError = err instanceof Error ? err.message : String(err);
        sock.destroy();
      },
    );
  }
}

function snapshot(f: Forward): PortForward {
  let bytesIn = f.bytesIn;
  let bytesOut = f.bytesOut;
  for (const ch of f.channels) {
    bytesIn += ch.bytesWritten;
    bytesOut += ch.bytesRead;
  }
  return { ...f.info, activeConnections: f.sockets.size, bytesIn, bytesOut };
}

/** Listens on 127.0.0.1 only: the given port, or any free one. */
function listen(server: net.Server, port: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new ApiError(
            'CONFLICT',
            `Port ${port} on this computer is already in use (another forward or program listens on it). Choose another local port, or leave it empty to use any free one.`,
            'localPort',
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new ApiError(
            'PERMISSION_DENIED',
            `This computer does not allow listening on port ${port}. Choose a port from 1024 up.`,
            'localPort',
          ),
        );
      } else reject(new ApiError('INTERNAL', `Could not listen on 127.0.0.1:${port ?? 0}: ${err.message}`));
    };
    server.once('error', failed);
    server.listen({ host: '127.0.0.1', port: port ?? 0, exclusive: true }, () => {
      server.off('error', failed);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
