// The SSH layer's shared shapes: what a connection needs (target, credentials), the pool's options
// and events, a leased channel, and one pooled connection.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { ApiError } from '../../../shared/api/errors';

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

export const POOL_DEFAULTS: Required<PoolOptions> = {
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
  /** stdout or stderr was longer than the cap: what is here is its beginning. */
  truncated: boolean;
}

export interface Conn {
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
