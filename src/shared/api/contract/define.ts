// The building blocks of every area's contract: a call is a zod input schema, its output type and
// its audit policy; a stream is a params schema and its event type.
import { z } from 'zod';

/** Phantom marker carrying a TypeScript type without a runtime value. */
export interface Out<T> {
  readonly __out?: T;
}
export const out = <T>(): Out<T> => ({});

export interface CallDef<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I;
  output: Out<O>;
  /** Mutating calls write exactly one audit row (ok or error). */
  mutating: boolean;
  /** Non-mutating calls that reach out to hosts (connect, test) are audited when they fail. */
  auditErrors?: boolean;
  /**
   * The call opens something with an `id` (a terminal) that must be closed with this call; when the
   * client goes away (window closed, socket dropped) the session closes what it left open.
   */
  closeWith?: string;
  /** For the audit row: what the call acted on. */
  target?: (input: z.output<I>) => string;
}

export const call = <I extends z.ZodType, O>(def: CallDef<I, O>): CallDef<I, O> => def;

export interface StreamDef<P extends z.ZodType = z.ZodType, E = unknown> {
  params: P;
  event: Out<E>;
}
export const stream = <P extends z.ZodType, E>(def: StreamDef<P, E>): StreamDef<P, E> => def;

export const empty = z.object({}).strict();

/** Printable text, no control characters. */
export const label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control characters');
