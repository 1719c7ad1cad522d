// Opens one SSH connection: TCP (or a channel through a jump host), the host key checked against
// what the person trusted before anything is sent, then authentication. Nagle is turned off.
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { ApiError } from '../../../shared/api/errors';
import { askForSecret } from './credentials';
import type { HostKeyTrust } from './host-keys';
import { hostKeyFile, mapSshError } from './ssh-errors';
import type { Conn, ConnectTarget, Lease, PoolOptions } from './types';

export interface DialDeps {
  options: Required<PoolOptions>;
  trust: HostKeyTrust;
  log: (line: string) => void;
}

export interface DialRequest {
  target: ConnectTarget;
  /** "name (user@address:port)", for messages. */
  where: string;
  auth: Partial<ConnectConfig>;
  /** The forwarded channel through the jump host, and its lease there. */
  sock: Duplex | null;
  jumpLease: Lease | null;
}

/** Resolves once authenticated; `onClosed` runs whenever the connection ends, on every path. */
export async function openConnection(
  { target, where, auth, sock, jumpLease }: DialRequest,
  deps: DialDeps,
  onClosed: (conn: Conn) => void,
): Promise<Conn> {
  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: deps.options.readyTimeoutMs,
    keepaliveInterval: deps.options.keepaliveIntervalMs,
    keepaliveCountMax: deps.options.keepaliveCountMax,
    tryKeyboard: false,
    ...(sock ? { sock } : {}),
    ...auth,
  };
  let keyError: ApiError | null = null;
  config.hostVerifier = (key: Buffer): boolean => {
    const verdict = deps.trust.check(target.hostId, target.address, target.port, key);
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
        deps.log(`[ssh] ${target.name}: ${err.message}`);
        conn.lostReason = mapSshError(err, where);
      }
    });
    client.on('close', () => {
      if (!settled) {
        settled = true;
        reject(
          keyError ?? new ApiError('CONNECTION_LOST', `${where} closed the connection during the handshake.`),
        );
      }
      onClosed(conn);
    });
    try {
      client.connect(config);
    } catch (err) {
      settled = true;
      reject(mapSshError(err, where));
      onClosed(conn);
    }
  }).catch((err: unknown) => {
    throw askForSecret(err as ApiError, target.auth.method);
  });
  return conn;
}

/** Turns Nagle's algorithm off on the TCP socket under an ssh2 client (a no-op on a forwarded channel). */
export function noDelay(client: Client): void {
  const sock = (client as unknown as { _sock?: { setNoDelay?: (on: boolean) => unknown } })._sock;
  if (typeof sock?.setNoDelay === 'function') sock.setNoDelay(true);
}
