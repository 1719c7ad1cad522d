// The HTTP agent dockerode talks through: each of its sockets is a channel on the host's pooled SSH
// connection (to the engine's socket, or `docker system dial-stdio`), kept alive between calls so
// a call costs one request on an open channel, not a new SSH login. Idle channels are closed after
// a while so they do not hold the host's channel slots.
import http from 'node:http';
import type { Duplex } from 'node:stream';

export const AGENT_DEFAULTS = {
  /** Idle kept-alive channels per host; more are closed as soon as their request ends. */
  maxFreeSockets: 2,
  /** An idle channel is closed after this long. */
  idleMs: 15_000,
};

export class PooledAgent extends http.Agent {
  /** Channels this agent opened (for tests and the bench: keep-alive means few). */
  opened = 0;

  constructor(
    private readonly dial: () => Promise<Duplex>,
    opts: Partial<typeof AGENT_DEFAULTS> = {},
  ) {
    const o = { ...AGENT_DEFAULTS, ...opts };
    // No cap on active sockets here: the pool's channel accounting queues when a host is full.
    super({ keepAlive: true, maxFreeSockets: o.maxFreeSockets, timeout: o.idleMs });
  }

  // Node's Agent accepts a socket handed to the callback later (an SSH channel takes a round trip).
  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    this.dial().then(
      (sock) => {
        this.opened++;
        callback?.(null, sock);
      },
      (err: Error) => callback?.(err, undefined as never),
    );
    return undefined;
  }
}
