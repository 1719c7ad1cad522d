// One host's connections and state: up to N pooled ssh2 connections with counted channels, the
// queue when all are full, keepalive loss, and redialling with backoff while a person wants it.
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { ConnectionState, HostState } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import { authConfig } from './credentials';
import { openConnection } from './dial';
import { mapSshError } from './ssh-errors';
import type { SshPool } from './ssh-pool';
import type { Conn, Lease, PoolRecovered, PoolLost } from './types';

const STOP_RETRYING = new Set([
  'AUTH_FAILED',
  'HOSTKEY_UNKNOWN',
  'HOSTKEY_MISMATCH',
  'SECRET_REQUIRED',
  'NOT_FOUND',
  'KEY_FILE',
]);

export class HostConnection {
  private conns: Conn[] = [];
  private opening: Promise<Conn> | null = null;
  private waiters: ((c: Conn) => void)[] = [];
  /** A person pressed Connect (and not Disconnect since): keep it connected, redial when lost. */
  private wanted = false;
  /**
   * A person pressed Disconnect: hosts behind this one must not redial through it on their own
   * (that would connect it again behind the person's back) until a person connects it again.
   */
  heldDown = false;
  /** Wanted, but its jump host was disconnected by a person: redialled when that host connects. */
  blockedByJump: number | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  /** Bumped by disconnect(): a connection that finishes opening after it is closed at once. */
  private generation = 0;
  /** After sshd refused an extra connection, wait for a free channel instead of dialling again. */
  private noExtraUntil = 0;
  /** While a wanted host has lost its link: since when, and the failure codes already reported. */
  private outage: { since: number; codes: Set<string> } | null = null;
  /** "name (user@address:port)" once known, for messages. */
  label: string | null = null;
  state: HostState;
  /** Leased channels Labdeck holds by itself (see background()). */
  private backgroundChannels = 0;

  constructor(
    readonly hostId: number,
    private readonly pool: SshPool,
  ) {
    this.state = this.makeState('idle', null, null);
  }

  private makeState(state: ConnectionState, err: ApiError | null, retryAt: number | null): HostState {
    return {
      hostId: this.hostId,
      state,
      message: err?.message ?? null,
      errorCode: err?.code ?? null,
      presentedFingerprint: err?.details?.['presentedFingerprint'] ?? null,
      trustedFingerprint: err?.details?.['trustedFingerprint'] ?? null,
      since: Date.now(),
      connections: this.conns?.filter((c) => !c.closed).length ?? 0,
      channels: this.conns?.reduce((n, c) => n + c.channels, 0) ?? 0,
      backgroundChannels: this.backgroundChannels,
      retryAt,
      secretPrompt: secretPromptOf(err),
    };
  }

  private setState(state: ConnectionState, err: ApiError | null = null, retryAt: number | null = null): void {
    const next = this.makeState(state, err, retryAt);
    const prev = this.state;
    const same = (
      ['state', 'connections', 'channels', 'backgroundChannels', 'message', 'retryAt'] as const
    ).every((k) => prev[k] === next[k]);
    if (same) return;
    if (prev.state === next.state) next.since = prev.since;
    this.state = next;
    this.pool.events.emit('state', next);
  }

  private refreshCounts(): void {
    if (this.state.state === 'online') this.setState('online');
  }

  /** Marks a leased channel as Labdeck's own background work (a person's Disconnect need not ask). */
  background(lease: Lease): Lease {
    this.backgroundChannels++;
    this.refreshCounts();
    let released = false;
    return {
      client: lease.client,
      release: () => {
        if (released) return;
        released = true;
        this.backgroundChannels--;
        lease.release();
      },
    };
  }

  /** Connects (if not already) and keeps the host connected until disconnect(). */
  async connect(): Promise<HostState> {
    this.wanted = true;
    this.heldDown = false;
    this.blockedByJump = null;
    this.cancelRetry();
    if (this.liveConns().length === 0) await this.openConn(true);
    this.pool.wakeBehind(this.hostId);
    return this.state;
  }

  /** A person's Disconnect: stays disconnected until a person connects it again. */
  hold(): HostState {
    this.heldDown = true;
    return this.disconnect();
  }

  /** Wanted and waiting for its jump host: try again now that it is back. */
  retryAfterJump(): void {
    this.blockedByJump = null;
    if (this.wanted && this.liveConns().length === 0) this.openConn(false).catch(() => undefined);
  }

  disconnect(): HostState {
    this.wanted = false;
    this.blockedByJump = null;
    this.generation++;
    this.outage = null;
    this.cancelRetry();
    for (const c of this.conns) this.endConn(c);
    this.conns = [];
    this.setState('idle');
    return this.state;
  }

  private liveConns(): Conn[] {
    return this.conns.filter((c) => !c.closed);
  }

  /**
   * A channel on a live connection, dialling if needed. Using a host does not make it wanted
   * (only a person's Connect does). `explicit`: a person's action, not an automatic redial.
   */
  async acquire(explicit = true): Promise<Lease> {
    const o = this.pool.options;
    for (;;) {
      const free = this.liveConns().find((c) => c.channels < o.maxChannelsPerConnection);
      if (free) return this.lease(free);
      if (this.opening) {
        await this.opening.catch(() => undefined);
        if (this.liveConns().length === 0) throw this.lastError();
        continue;
      }
      const live = this.liveConns().length;
      if (live === 0 || (live < o.maxConnectionsPerHost && Date.now() >= this.noExtraUntil)) {
        try {
          await this.openConn(explicit);
          continue;
        } catch (err) {
          if (this.liveConns().length === 0) throw err;
          // sshd (MaxStartups, a firewall) refused one more connection: share the ones we have.
          this.noExtraUntil = Date.now() + 30_000;
          this.pool.log(
            `[ssh] host #${this.hostId}: no extra connection (${(err as Error).message}); queueing`,
          );
        }
      }
      // Every connection is full: wait for a channel to come back.
      const conn = await new Promise<Conn>((resolve) => this.waiters.push(resolve));
      if (!conn.closed && conn.channels < o.maxChannelsPerConnection) return this.lease(conn);
    }
  }

  private lastError(): ApiError {
    return new ApiError(
      (this.state.errorCode as never) ?? 'HOST_UNREACHABLE',
      this.state.message ?? 'not connected',
    );
  }

  private lease(conn: Conn): Lease {
    conn.channels++;
    this.refreshCounts();
    let released = false;
    return {
      client: conn.client,
      release: () => {
        if (released) return;
        released = true;
        conn.channels--;
        this.refreshCounts();
        const waiter = this.waiters.shift();
        if (waiter) waiter(conn);
      },
    };
  }

  /** A channel for a host behind this one; an automatic redial may not reconnect a held-down host. */
  acquireAsJump(behind: string, explicit: boolean): Promise<Lease> {
    if (this.heldDown && !explicit) {
      return Promise.reject(
        new ApiError(
          'JUMP_FAILED',
          `it was disconnected in Labdeck. Connect ${this.label?.replace(/ \(.*$/, '') ?? 'the jump host'} again to reach ${behind}.`,
          undefined,
          { jumpHostId: String(this.hostId) },
        ),
      );
    }
    return this.acquire(explicit);
  }

  private openConn(explicit: boolean): Promise<Conn> {
    if (this.opening) return this.opening;
    if (this.liveConns().length === 0) this.setState('connecting');
    const generation = this.generation;
    this.opening = this.dial(explicit)
      .then((conn) => {
        if (generation !== this.generation) {
          // Disconnected (or edited, or removed) while this was opening: it is not wanted.
          this.endConn(conn);
          throw new ApiError(
            'CONNECTION_LOST',
            'The host was disconnected while the connection was opening.',
          );
        }
        this.conns.push(conn);
        this.attempt = 0;
        this.setState('online');
        if (this.outage) {
          const downMs = Date.now() - this.outage.since;
          this.outage = null;
          this.pool.events.emit('recovered', { hostId: this.hostId, downMs } satisfies PoolRecovered);
        }
        return conn;
      })
      .catch((err: unknown) => {
        const e = err instanceof ApiError ? err : mapSshError(err, this.hostId.toString());
        if (generation === this.generation && this.liveConns().length === 0) this.failed(e);
        throw e;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  private async dial(explicit: boolean): Promise<Conn> {
    const target = await this.pool.resolve(this.hostId);
    const where = `${target.name} (${target.user}@${target.address}:${target.port})`;
    this.label = where;
    // Credentials first: a missing secret or unreadable key must not open a channel on the jump host.
    const auth = authConfig(target, where);
    let sock: Duplex | undefined;
    let jumpLease: Lease | null = null;
    if (target.jumpHostId !== null) {
      const jump = await this.pool.resolve(target.jumpHostId);
      try {
        jumpLease = await this.pool.host(target.jumpHostId).acquireAsJump(target.name, explicit);
        const lease = jumpLease;
        sock = await new Promise<ClientChannel>((resolve, reject) =>
          lease.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, ch) =>
            err ? reject(err) : resolve(ch),
          ),
        );
      } catch (err) {
        jumpLease?.release();
        const cause = err instanceof ApiError ? err.message : (err as Error).message;
        throw new ApiError(
          'JUMP_FAILED',
          `Could not reach ${target.name} through jump host ${jump.name}: ${cause}`,
          undefined,
          err instanceof ApiError ? err.details : undefined,
        );
      }
    }
    return openConnection(
      { target, where, auth, sock: sock ?? null, jumpLease },
      { options: this.pool.options, trust: this.pool.trust, log: this.pool.log },
      (conn) => this.onClosed(conn),
    );
  }

  private onClosed(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    // Close the forwarded channel on the jump host too, whatever path ended this connection.
    conn.sock?.destroy();
    conn.jumpLease?.release();
    this.conns = this.conns.filter((c) => c !== conn);
    // Wake waiters so they re-evaluate (they will open a new connection or fail).
    for (const w of this.waiters.splice(0)) w(conn);
    if (this.liveConns().length > 0) {
      this.refreshCounts();
      return;
    }
    if (this.state.state !== 'online') return;
    const reason = conn.lostReason ?? new ApiError('CONNECTION_LOST', 'The connection was closed.');
    const jump = conn.jumpHostId === null ? null : this.pool.host(conn.jumpHostId);
    if (this.wanted && jump?.heldDown) {
      // A person disconnected the jump host: not an outage, and not a reason to redial it.
      this.failed(
        new ApiError(
          'JUMP_FAILED',
          `${this.label ?? `Host #${this.hostId}`} was reached through ${jump.label?.replace(/ \(.*$/, '') ?? 'its jump host'}, which was disconnected. Connect the jump host again to reach it.`,
          undefined,
          { jumpHostId: String(jump.hostId) },
        ),
      );
    } else if (this.wanted) {
      this.outage = { since: Date.now(), codes: new Set() };
      this.failed(reason);
    } else this.setState('idle');
  }

  /** No connection is left: show why, and retry later unless a person must act first. */
  private failed(err: ApiError): void {
    // Each kind of failure during an outage is reported once, not every retry.
    if (this.outage && !this.outage.codes.has(err.code)) {
      this.outage.codes.add(err.code);
      this.pool.events.emit('lost', {
        hostId: this.hostId,
        code: err.code,
        message: err.message,
        firstOfOutage: this.outage.codes.size === 1,
      } satisfies PoolLost);
    }
    const state: ConnectionState =
      err.code === 'AUTH_FAILED' || err.code === 'SECRET_REQUIRED'
        ? 'auth_failed'
        : err.code === 'HOSTKEY_UNKNOWN'
          ? 'hostkey_unknown'
          : err.code === 'HOSTKEY_MISMATCH'
            ? 'hostkey_changed'
            : err.code === 'KEY_FILE'
              ? 'error'
              : 'offline';
    const jumpHeld = err.details?.['jumpHostId'];
    if (jumpHeld) this.blockedByJump = Number(jumpHeld);
    if (!this.wanted || STOP_RETRYING.has(err.code) || jumpHeld) {
      this.setState(state, err);
      return;
    }
    const o = this.pool.options;
    const base = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** this.attempt++);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.setState(state, err, Date.now() + delay);
    this.cancelRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted && this.liveConns().length === 0) this.openConn(false).catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private endConn(c: Conn): void {
    try {
      c.client.end();
    } catch {
      /* already gone */
    }
  }

  get channelCount(): number {
    return this.conns.reduce((n, c) => n + c.channels, 0);
  }
}

function secretPromptOf(err: ApiError | null): HostState['secretPrompt'] {
  const s = err?.details?.['secret'];
  return s === 'password' || s === 'passphrase' ? s : null;
}
