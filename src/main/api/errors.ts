// Maps anything thrown behind the API to the `{code, message}` shape that crosses a transport.
import { ZodError } from 'zod';
import { ApiError, type ApiErrorShape } from '../../shared/api/errors';
import { DatabaseOpenError } from '../db/database';

/** The first zod issue, as a VALIDATION error naming its field. */
export function validationError(err: ZodError): ApiError {
  const issue = err.issues[0];
  const field = issue && issue.path.length ? issue.path.map(String).join('.') : '(input)';
  const message = issue ? issue.message : 'invalid input';
  return new ApiError('VALIDATION', `Invalid input: ${field}: ${message}`, field);
}

export function toErrorShape(err: unknown, callName: string): ApiErrorShape {
  if (err instanceof ApiError) return err.toShape();
  if (err instanceof ZodError) return validationError(err).toShape();
  if (err instanceof DatabaseOpenError) return { code: 'DB_ERROR', message: err.message };
  if (err instanceof Error && err.name === 'SqliteError') {
    return {
      code: 'DB_ERROR',
      message: `The local database refused ${callName}: ${err.message}. Check free disk space and the data folder's permissions.`,
    };
  }
  const detail = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `${callName} failed unexpectedly: ${detail}` };
}
