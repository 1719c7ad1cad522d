// Turns ssh2 and socket failures into Labdeck's error codes with a sentence a person can act on.
import { ApiError } from '../../../shared/api/errors';

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

export function mapSshError(err: unknown, where: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Ssh2Error;
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-authentication') {
    return new ApiError(
      'AUTH_FAILED',
      `${where} refused the login (${msg}). Check the user name, key, agent or password in the host's settings.`,
    );
  }
  if (/Keepalive timeout/i.test(msg)) {
    return new ApiError(
      'CONNECTION_LOST',
      `${where} stopped answering (no reply to keepalives). The link or the host is down; Labdeck reconnects when it answers again.`,
    );
  }
  if (e?.level === 'client-timeout' || /timed out/i.test(msg)) {
    return new ApiError(
      'TIMEOUT',
      `${where} did not complete the SSH handshake in time. The host may be overloaded or hung, or a firewall drops the traffic.`,
    );
  }
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new ApiError(
        'HOST_UNREACHABLE',
        `${where} refused the connection: is sshd running and listening on that port?`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new ApiError(
        'HOST_UNREACHABLE',
        `${where} cannot be reached from here (${e.code}). Is it up, and is the address right?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ApiError(
        'HOST_UNREACHABLE',
        `The name of ${where} does not resolve (${e.code}). Check the address.`,
      );
    case 'ETIMEDOUT':
      return new ApiError(
        'TIMEOUT',
        `${where} did not answer (TCP connect timed out). Is it up and reachable?`,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new ApiError('CONNECTION_LOST', `${where} dropped the connection (${e.code}).`);
    default:
      break;
  }
  if (/passphrase|Cannot parse privateKey|bad decrypt/i.test(msg)) {
    return new ApiError(
      'AUTH_FAILED',
      `The private key for ${where} could not be decrypted: wrong passphrase? Enter it again.`,
      undefined,
      { secret: 'passphrase' },
    );
  }
  return new ApiError('HOST_UNREACHABLE', `Could not connect to ${where}: ${msg}`);
}

/** A failure to open a channel on a connection that is up (sshd's MaxSessions, a refused forward). */
export function mapChannelError(err: unknown, where: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Ssh2Error & { reason?: unknown };
  const msg = e?.message ?? String(err);
  if (e && 'reason' in e) {
    return new ApiError(
      'UNAVAILABLE',
      `${where} refused to open another channel (${msg.replace(/^\(SSH\) /, '')}). Too many sessions may be open on it (sshd's MaxSessions): close some terminals and try again.`,
    );
  }
  if (/No response from server|Not connected/i.test(msg)) {
    return new ApiError(
      'CONNECTION_LOST',
      `The connection to ${where} ended before the channel opened. Try again.`,
    );
  }
  return mapSshError(err, where);
}

/** The file on the host that holds a host key of this type, for the user to compare fingerprints. */
export function hostKeyFile(keyType: string): string {
  const kind = keyType.startsWith('ecdsa-')
    ? 'ecdsa'
    : keyType === 'ssh-dss'
      ? 'dsa'
      : /rsa/.test(keyType)
        ? 'rsa'
        : keyType.replace(/^ssh-/, '').replace(/@.*$/, '');
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}
