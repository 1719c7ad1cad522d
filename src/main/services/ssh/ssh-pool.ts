// One pool of ssh2 connections per host, shared by everything that talks to that host. Counts the
// channels on each connection (OpenSSH allows 10 sessions per connection by default) and opens
// another connection or queues when they are full; releases every channel on every path; detects
// dead links with keepalives and reconnects with backoff and jitter while the host is wanted.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ConnectionState, HostState } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { HostKeyTrust } from './host-keys';
import { loadPrivateKey } from './private-key';
import { hostKeyFile, mapChannelError, mapSshError } from './ssh-errors';

export type AuthMaterial =
  | { method: 'key'; keyPath: string; passphrase?: string | undefined }
  | { method: 'agent'; agentSocket?: string | undefined }
  | { method: 'password'; password?: string | undefined };

export interface ConnectTarget {
  hostId: number;
  name: string;
  address: string;
  port: number;
  user: string;
  auth: AuthMaterial;
  jumpHostId: number | null;
}

export interface PoolOptions {
  /** Channels opened per connection before another connection is used (sshd's MaxSessions is 10). */
  maxChannelsPerConnection?: number;
  maxConnectionsPerHost?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Reconnect backoff: first delay and cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const DEFAULTS: Required<PoolOptions> = {
  maxChannelsPerConnection: 8,
  maxConnectionsPerHost: 4,
  readyTimeoutMs: 10_000,
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
  retryBaseMs: 1_000,
  retryMaxMs: 15_000,
};

export interface Lease {
  client: Client;
  /** Idempotent: the channel is counted back exactly once. */
  release(): void;
}

/** Pool events besides 'state': a wanted host lost its link (once per kind of failure), and regained it. */
export interface PoolLost {
  hostId: number;
  code: string;
  message: string;
  firstOfOutage: boolean;
}
export interface PoolRecovered {
  hostId: number;
  downMs: number;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

interface Conn {
  client: Client;
  channels: number;
  closed: boolean;
  /** The jump host this connection runs through, and its channel there. */
  jumpHostId: number | null;
  jumpLease: Lease | null;
  sock: Duplex | null;
  /** Why it closed, when ssh2 said (keepalive timeout, reset). */
  lostReason?: ApiError;
}

const expandHome = (p: string): string => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);
const STOP_RETRYING = new Set([
  'AUTH_FAILED',
  'HOSTKEY_UNKNOWN',
  'HOSTKEY_MISMATCH',
  'SECRET_REQUIRED',
  'NOT_FOUND',
  'KEY_FILE',
]);

class HostConnection {
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
      retryAt,
      secretPrompt: secretPromptOf(err),
    };
  }

  private setState(state: ConnectionState, err: ApiError | null = null, retryAt: number | null = null): void {
    const next = this.makeState(state, err, retryAt);
    const prev = this.state;
    const same = (['state', 'connections', 'channels', 'message', 'retryAt'] as const).every(
      (k) => prev[k] === next[k],
    );
    if (same) return;
    if (prev.state === next.state) next.since = prev.since;
    this.state = next;
    this.pool.events.emit('state', next);
  }

  private refreshCounts(): void {
    if (this.state.state === 'online') this.setState('online');
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
    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: target.user,
      readyTimeout: this.pool.options.readyTimeoutMs,
      keepaliveInterval: this.pool.options.keepaliveIntervalMs,
      keepaliveCountMax: this.pool.options.keepaliveCountMax,
      tryKeyboard: false,
      ...(sock ? { sock } : {}),
      ...auth,
    };
    let keyError: ApiError | null = null;
    config.hostVerifier = (key: Buffer): boolean => {
      const verdict = this.pool.trust.check(target.hostId, target.address, target.port, key);
      if (verdict.ok) return true;
      keyError =
        verdict.code === 'HOSTKEY_UNKNOWN'
          ? new ApiError(
              'HOSTKEY_UNKNOWN',
              `${where} presented a host key Labdeck has not seen before: ${verdict.presented.fingerprint}. Compare it with the host's real key (ssh-keygen -lf ${hostKeyFile(verdict.presented.keyType)} on the host) and trust it if it matches.`,
              undefined,
              { presentedFingerprint: verdict.presented.fingerprint, keyType: verdict.presented.keyType },
            )
          : verdict.revoked
            ? new ApiError(
                'HOSTKEY_MISMATCH',
                `${where} presented the host key ${verdict.presented.fingerprint}, which ~/.ssh/known_hosts marks as @revoked. Nothing was sent. Replace the host's key, then remove the @revoked line only if you know it is safe.`,
                undefined,
                { presentedFingerprint: verdict.presented.fingerprint, trustedFingerprint: verdict.trusted },
              )
            : new ApiError(
                'HOSTKEY_MISMATCH',
                `${where} presented a DIFFERENT host key than the one you trusted. Nothing was sent. This happens when a host is reinstalled — or when someone intercepts the connection. Trusted: ${verdict.trusted}; presented now: ${verdict.presented.fingerprint}. Only trust the new key if you know why it changed.`,
                undefined,
                { presentedFingerprint: verdict.presented.fingerprint, trustedFingerprint: verdict.trusted },
              );
      return false;
    };

    const client = new Client();
    // Keystrokes are tiny writes: without TCP_NODELAY, Nagle's algorithm holds each one back until
    // the previous is acknowledged (40+ ms with delayed ACKs), as OpenSSH avoids for interactive
    // sessions. A connection through a jump host rides on the jump host's socket, set here too.
    client.once('connect', () => noDelay(client));
    const conn: Conn = {
      client,
      channels: 0,
      closed: false,
      jumpHostId: target.jumpHostId,
      jumpLease,
      sock: sock ?? null,
    };
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      client.once('ready', () => {
        settled = true;
        resolve();
      });
      client.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(keyError ?? mapSshError(err, where));
        } else {
          this.pool.log(`[ssh] ${target.name}: ${err.message}`);
          conn.lostReason = mapSshError(err, where);
        }
      });
      client.on('close', () => {
        if (!settled) {
          settled = true;
          reject(
            keyError ??
              new ApiError('CONNECTION_LOST', `${where} closed the connection during the handshake.`),
          );
        }
        this.onClosed(conn);
      });
      try {
        client.connect(config);
      } catch (err) {
        settled = true;
        reject(mapSshError(err, where));
        this.onClosed(conn);
      }
    }).catch((err: unknown) => {
      throw askForSecret(err as ApiError, target.auth.method);
    });
    return conn;
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

function authConfig(target: ConnectTarget, where: string): Partial<ConnectConfig> {
  const a = target.auth;
  if (a.method === 'password') {
    if (!a.password)
      throw new ApiError(
        'SECRET_REQUIRED',
        `${where} uses password authentication: enter the password.`,
        undefined,
        { secret: 'password' },
      );
    return { password: a.password };
  }
  if (a.method === 'agent') {
    const sock = a.agentSocket ?? (process.platform === 'win32' ? 'pageant' : process.env['SSH_AUTH_SOCK']);
    if (!sock) {
      throw new ApiError(
        'AUTH_FAILED',
        `${where} uses the SSH agent, but no agent is running for Labdeck (SSH_AUTH_SOCK is not set).`,
      );
    }
    return { agent: sock };
  }
  const file = expandHome(a.keyPath);
  const privateKey = loadPrivateKey(file, where, a.passphrase);
  return { privateKey, ...(a.passphrase ? { passphrase: a.passphrase } : {}) };
}

/**
 * Opens a channel, retrying briefly when sshd refuses it: sshd frees a closed session a moment
 * after it confirms the close, so an open sent right behind a close can meet MaxSessions.
 * `wire` runs synchronously in ssh2's callback: the same network read may carry the command's
 * output, exit status and close, and an 'exit' emitted before anyone listens is lost.
 */
export async function openChannel(
  open: (done: (err: Error | undefined, ch: ClientChannel) => void) => void,
  wire: (ch: ClientChannel) => void,
  attempts = 6,
): Promise<ClientChannel> {
  for (let i = 1; ; i++) {
    try {
      return await new Promise<ClientChannel>((resolve, reject) => {
        open((err, ch) => {
          if (err) return reject(err);
          wire(ch);
          resolve(ch);
        });
      });
    } catch (err) {
      const refused = err instanceof Error && 'reason' in err;
      if (!refused || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}

/** Gathers an exec channel's output and exit status; counts the channel back when it has closed. */
function collect(
  stream: ClientChannel,
  lease: Lease,
  where: string,
  max: number,
  timeoutMs: number | undefined,
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    if (timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        stream.close();
        reject(new ApiError('TIMEOUT', `The command on ${where} did not finish within ${timeoutMs} ms.`));
      }, timeoutMs);
    }
    stream.on('data', (d: Buffer) => {
      if (outLen < max) out.push(d);
      outLen += d.length;
    });
    stream.stderr.on('data', (d: Buffer) => {
      if (errLen < max) errOut.push(d);
      errLen += d.length;
    });
    let code: number | null = null;
    let signal: string | null = null;
    stream.on('exit', (c: number | null, s?: string) => {
      code = c;
      signal = s ?? null;
    });
    stream.on('close', () => {
      lease.release();
      if (timer) clearTimeout(timer);
      if (timedOut) return;
      if (code === null && signal === null) {
        reject(
          new ApiError('CONNECTION_LOST', `The connection to ${where} ended before the command finished.`),
        );
        return;
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errOut).toString('utf8'),
      });
    });
  });
}

/** Turns Nagle's algorithm off on the TCP socket under an ssh2 client (a no-op on a forwarded channel). */
export function noDelay(client: Client): void {
  const sock = (client as unknown as { _sock?: { setNoDelay?: (on: boolean) => unknown } })._sock;
  if (typeof sock?.setNoDelay === 'function') sock.setNoDelay(true);
}

function secretPromptOf(err: ApiError | null): HostState['secretPrompt'] {
  const s = err?.details?.['secret'];
  return s === 'password' || s === 'passphrase' ? s : null;
}

/** A refused password is one to enter again (a wrong passphrase is marked where it is found). */
function askForSecret(err: ApiError, method: AuthMaterial['method']): ApiError {
  if (err.code !== 'AUTH_FAILED' || method !== 'password' || err.details?.['secret']) return err;
  return new ApiError(err.code, err.message, err.field, { ...err.details, secret: 'password' });
}

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
    this.options = { ...DEFAULTS, ...options };
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

  /** Runs a command (build it with shCommand) and collects its output, up to maxBytes per stream. */
  async exec(
    hostId: number,
    command: string,
    opts: { timeoutMs?: number; maxBytes?: number } = {},
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

  channelCount(hostId: number): number {
    return this.hosts.get(hostId)?.channelCount ?? 0;
  }

  close(): void {
    for (const h of this.hosts.values()) h.disconnect();
    this.hosts.clear();
  }
}
