// Turns what dockerode and the engine say into Labdeck's error codes, with the engine's own words.
import { ApiError } from '../../../shared/api/errors';

interface ModemError extends Error {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: unknown;
  code?: string;
}

/** The engine's message without dockerode's "(HTTP code 404) no such container - " prefix. */
export function engineMessage(err: unknown): string {
  const e = err as ModemError;
  const fromJson = e?.json && typeof e.json === 'object' ? e.json.message : undefined;
  const msg = (fromJson ?? e?.message ?? String(err)).trim();
  return msg.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function mapDockerError(err: unknown, host: string, what = ''): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as ModemError;
  const said = engineMessage(err);
  const on = what ? `${what} on ${host}` : host;
  switch (e?.statusCode) {
    case 400:
      return new ApiError('VALIDATION', `Docker on ${host} refused it: ${said}`);
    case 403:
      return new ApiError('PERMISSION_DENIED', `Docker on ${host} does not allow it: ${said}`);
    case 404:
      return new ApiError('NOT_FOUND', `${said.charAt(0).toUpperCase()}${said.slice(1)} (${on}).`);
    case 409:
      return new ApiError('CONFLICT', `Docker on ${host}: ${said}`);
    case 500:
    case 503:
      return new ApiError('UNAVAILABLE', `Docker on ${host} failed: ${said}`);
    default:
      break;
  }
  if (typeof e?.reason === 'number') {
    return new ApiError(
      'UNAVAILABLE',
      `${host} refused a channel to Docker (${said.replace(/^\(SSH\) /, '')}). Too many sessions may be open on it: close some and try again.`,
    );
  }
  if (/socket hang up|ECONNRESET|EPIPE|premature close|aborted/i.test(said)) {
    return new ApiError(
      'CONNECTION_LOST',
      `The connection to Docker on ${host} ended before it answered${what ? ` (${what})` : ''}. Try again.`,
    );
  }
  return new ApiError('UNAVAILABLE', `Docker on ${host}: ${said}`);
}
