// Stable error codes that cross the API boundary. The UI turns each into a sentence a person can act on.
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'DB_ERROR',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
  /** Dotted path of the offending input field, for VALIDATION errors. */
  field?: string;
}

/** Thrown by services and rebuilt on the client side from `{code, message}`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
  toShape(): ApiErrorShape {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };
