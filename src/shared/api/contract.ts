// The one API contract: every call (zod input + output type) and every stream (params + event type).
// Both transports (Electron IPC and browser-mode WebSocket) and the main-side dispatcher derive from it.
import { z } from 'zod';
import type { AppInfo, AuditPage, LocalMetricsSample, Settings, SystemStatic } from './domain';

/** Phantom marker carrying a TypeScript type without a runtime value. */
export interface Out<T> {
  readonly __out?: T;
}
const out = <T>(): Out<T> => ({});

export interface CallDef<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I;
  output: Out<O>;
  /** Mutating calls write exactly one audit row (ok or error). */
  mutating: boolean;
  /** For the audit row: what the call acted on. */
  target?: (input: z.output<I>) => string;
}

const call = <I extends z.ZodType, O>(def: CallDef<I, O>): CallDef<I, O> => def;

export interface StreamDef<P extends z.ZodType = z.ZodType, E = unknown> {
  params: P;
  event: Out<E>;
}
const stream = <P extends z.ZodType, E>(def: StreamDef<P, E>): StreamDef<P, E> => def;

const empty = z.object({}).strict();

export const THEMES = ['dark', 'light'] as const;
/** Printable text, no control characters. */
const label = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control characters');

export const auditListInput = z
  .object({
    action: z
      .string()
      .regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)*$/, 'must be an action name like "settings.update"')
      .max(64)
      .optional(),
    result: z.enum(['ok', 'error']).optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    before: z
      .object({ ts: z.number().int().nonnegative(), id: z.number().int().positive() })
      .strict()
      .optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict()
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, {
    message: 'must not be after "to"',
    path: ['from'],
  });

export const settingsUpdateInput = z
  .object({
    theme: z.enum(THEMES).optional(),
    workstationName: label.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to update' });

export const calls = {
  'app.info': call({ input: empty, output: out<AppInfo>(), mutating: false }),
  'settings.get': call({ input: empty, output: out<Settings>(), mutating: false }),
  'settings.update': call({
    input: settingsUpdateInput,
    output: out<Settings>(),
    mutating: true,
    target: () => 'settings',
  }),
  'system.static': call({ input: empty, output: out<SystemStatic>(), mutating: false }),
  'audit.list': call({ input: auditListInput, output: out<AuditPage>(), mutating: false }),
  'audit.actions': call({ input: empty, output: out<string[]>(), mutating: false }),
} as const;

export const streams = {
  /** The workstation's CPU, memory, disk and network, one sample per second; history first. */
  'system.metrics': stream({ params: empty, event: out<LocalMetricsSample>() }),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallParsed<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = Calls[K]['output'] extends Out<infer O> ? O : never;

export type Streams = typeof streams;
export type StreamName = keyof Streams;
export type StreamParams<K extends StreamName> = z.input<Streams[K]['params']>;
export type StreamEvent<K extends StreamName> = Streams[K]['event'] extends Out<infer E> ? E : never;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
export function isStreamName(name: unknown): name is StreamName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(streams, name);
}
