// Stable error codes that cross the API boundary. The UI turns each into a sentence a person can act on.
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'DB_ERROR',
  'UNAVAILABLE',
  'INTERNAL',
  // Reaching hosts over SSH
  'HOST_UNREACHABLE',
  'AUTH_FAILED',
  'HOSTKEY_UNKNOWN',
  'HOSTKEY_MISMATCH',
  'TIMEOUT',
  'JUMP_FAILED',
  'CONNECTION_LOST',
  'SECRET_REQUIRED',
  /** The private key file on this computer is not usable (a public key, not a key, a device). */
  'KEY_FILE',
  /** The host refused an action for the login user (e.g. no sudo rights to switch user). */
  'PERMISSION_DENIED',
  /** Cut short when Labdeck stopped (a crash, a kill): recorded at the next start. */
  'INTERRUPTED',
  // Docker on a host
  /** Neither the docker command nor an engine socket is on the host. */
  'DOCKER_NOT_INSTALLED',
  /** Docker is installed but its daemon does not answer (no socket, or nobody listening). */
  'DOCKER_NOT_RUNNING',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
  /** Dotted path of the offending input field, for VALIDATION errors. */
  field?: string;
  /** Facts the UI shows with the error, e.g. host key fingerprints. Never secrets. */
  details?: Record<string, string>;
}

/** Thrown by services and rebuilt on the client side from `{code, message}`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly details?: Record<string, string>;
  constructor(code: ErrorCode, message: string, field?: string, details?: Record<string, string>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (field !== undefined) this.field = field;
    if (details !== undefined) this.details = details;
  }
  toShape(): ApiErrorShape {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };
