// The one API contract: every call (zod input + output type) and every stream (params + event type).
// Both transports (Electron IPC and browser-mode WebSocket) and the main-side dispatcher derive from it.
import { z } from 'zod';
import {
  AUTH_METHODS,
  HOST_KINDS,
  type AppInfo,
  type AuditPage,
  type Host,
  type HostState,
  type HostTestReport,
  type ImportPreview,
  type LocalMetricsSample,
  type Settings,
  type SystemStatic,
  type TerminalEvent,
  type TerminalInfo,
  type TerminalSummary,
  type TrustedHostKey,
} from './domain';

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
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
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

// ---- Hosts ----

/** Names are used in menus, logs and (later) file names: keep them plain. */
export const hostNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'use letters, digits, ".", "_" or "-" (up to 63), starting with a letter or digit',
  );
const hostnameRe =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const ipv4Re = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const hex16 = /^[0-9A-Fa-f]{1,4}$/;

/** RFC 4291 text forms: eight groups, or fewer with one "::", optionally ending in dotted IPv4. */
export function isIPv6(a: string): boolean {
  if (a.length > 45 || !a.includes(':')) return false;
  const halves = a.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!ipv4Re.test(last)) return false;
    all.pop();
    count += 1; // an IPv4 tail stands for two groups
  }
  if (!all.every((g) => hex16.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export const addressSchema = z
  .string()
  .trim()
  .refine(
    // A name whose last label is all digits is a mistyped IPv4 (10.0.0.300), not a host name.
    (a) => ipv4Re.test(a) || (hostnameRe.test(a) && !/(^|\.)\d+\.?$/.test(a)) || isIPv6(a),
    'must be a hostname, an IPv4 or an IPv6 address',
  );
/** POSIX-portable user names (what useradd accepts by default). */
export const unixUserSchema = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_-]{0,31}$/,
    'must be a Linux user name: lower-case letters, digits, "_" or "-", up to 32',
  );
const keyPathSchema = z
  .string()
  .max(4096)
  .regex(/^(~\/|\/)[^\n\r]+$/, 'must be an absolute path or start with ~/')
  .refine((p) => !p.includes(String.fromCharCode(0)), 'must not contain a NUL byte');
const secretSchema = z.string().min(1).max(4096);
const hostId = z.number().int().positive();

const hostFields = {
  name: hostNameSchema,
  address: addressSchema,
  port: z.number().int().min(1).max(65535).default(22),
  user: unixUserSchema,
  kind: z.enum(HOST_KINDS).default('other'),
  group: z
    .string()
    .trim()
    .max(64)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
    .default(''),
  tags: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'tags are single words'))
    .max(16)
    .default([]),
  notes: z
    .string()
    .max(4000)
    // Several lines are fine; terminal escapes and bidi overrides (which can disguise text) are not.
    .regex(
      /^(?:[^\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\t\n\r])*$/u,
      'must not contain control characters',
    )
    .default(''),
  authMethod: z.enum(AUTH_METHODS),
  keyPath: keyPathSchema.nullable().default(null),
  /** Password (password auth) or key passphrase; stored encrypted only if saveSecret. */
  secret: secretSchema.optional(),
  saveSecret: z.boolean().default(false),
  jumpHostId: hostId.nullable().default(null),
};

const needsKeyPath = (v: { authMethod: string; keyPath: string | null }): boolean =>
  v.authMethod !== 'key' || !!v.keyPath;
const keyPathIssue = { message: 'a key file is needed for key authentication', path: ['keyPath'] };

export const hostInput = z.object(hostFields).strict().refine(needsKeyPath, keyPathIssue);
export const hostUpdateInput = z
  .object({ ...hostFields, id: hostId, forgetSecret: z.boolean().default(false) })
  .strict()
  .refine(needsKeyPath, keyPathIssue)
  .refine((v) => v.jumpHostId !== v.id, {
    message: 'a host cannot be its own jump host',
    path: ['jumpHostId'],
  });

const byId = z.object({ id: hostId }).strict();
const connectInput = z.object({ id: hostId, secret: secretSchema.optional() }).strict();

const draftSchema = z
  .object({
    name: hostNameSchema,
    address: addressSchema,
    port: z.number().int().min(1).max(65535),
    user: unixUserSchema,
    keyPath: keyPathSchema.nullable(),
    authMethod: z.enum(AUTH_METHODS),
    jumpHostName: hostNameSchema.nullable(),
  })
  .strict();

export const settingsUpdateInput = z
  .object({
    theme: z.enum(THEMES).optional(),
    workstationName: label.optional(),
    terminalFontSize: z.number().int().min(8).max(32).optional(),
    terminalFontFamily: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9 ,'"._-]+$/, 'a CSS font-family list: names, quotes and commas')
      .optional(),
    terminalScrollback: z.number().int().min(100).max(200_000).optional(),
    terminalScreenReader: z.boolean().optional(),
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

  'hosts.list': call({ input: empty, output: out<Host[]>(), mutating: false }),
  'hosts.add': call({ input: hostInput, output: out<Host>(), mutating: true, target: (i) => i.name }),
  'hosts.update': call({
    input: hostUpdateInput,
    output: out<Host>(),
    mutating: true,
    target: (i) => i.name,
  }),
  'hosts.remove': call({ input: byId, output: out<{ removed: true }>(), mutating: true }),
  'hosts.connect': call({
    input: connectInput,
    output: out<HostState>(),
    mutating: false,
    auditErrors: true,
  }),
  'hosts.disconnect': call({ input: byId, output: out<HostState>(), mutating: false }),
  'hosts.test': call({
    input: connectInput,
    output: out<HostTestReport>(),
    mutating: false,
    auditErrors: true,
  }),
  'hosts.trustedKey': call({ input: byId, output: out<TrustedHostKey | null>(), mutating: false }),
  'hosts.trustKey': call({
    input: z
      .object({
        id: hostId,
        fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a SHA256 fingerprint'),
      })
      .strict(),
    output: out<TrustedHostKey>(),
    mutating: true,
  }),
  'hosts.untrustKey': call({ input: byId, output: out<{ removed: boolean }>(), mutating: true }),
  'hosts.importPreview': call({
    input: z
      .object({
        text: z
          .string()
          .max(256 * 1024)
          .optional(),
        path: keyPathSchema.optional(),
      })
      .strict(),
    output: out<ImportPreview>(),
    mutating: false,
  }),
  'hosts.import': call({
    input: z.object({ drafts: z.array(draftSchema).min(1).max(500) }).strict(),
    output: out<Host[]>(),
    mutating: true,
    target: (i) => `${i.drafts.length} host(s) from ssh config`,
  }),

  'terminals.open': call({
    input: z
      .object({
        hostId: hostId,
        /** Open the shell as this Linux user (via sudo/su on the host) instead of the login user. */
        asUser: unixUserSchema.optional(),
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(1).max(500),
      })
      .strict(),
    output: out<TerminalInfo>(),
    mutating: true,
    closeWith: 'terminals.close',
  }),
  'terminals.input': call({
    input: z
      .object({
        id: z.string().uuid(),
        data: z
          .string()
          .min(1)
          .max(64 * 1024),
      })
      .strict(),
    output: out<null>(),
    mutating: false,
  }),
  'terminals.resize': call({
    input: z
      .object({
        id: z.string().uuid(),
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(1).max(500),
      })
      .strict(),
    output: out<null>(),
    mutating: false,
  }),
  'terminals.close': call({
    input: z.object({ id: z.string().uuid() }).strict(),
    output: out<TerminalSummary>(),
    mutating: true,
  }),
} as const;

export const streams = {
  /** The workstation's CPU, memory, disk and network, one sample per second; history first. */
  'system.metrics': stream({ params: empty, event: out<LocalMetricsSample>() }),
  /** Connection state of every host: a snapshot first, then each change. */
  'hosts.states': stream({ params: empty, event: out<HostState>() }),
  /** A terminal's output (and its end). One subscriber per terminal. */
  'terminals.output': stream({
    params: z.object({ id: z.string().uuid() }).strict(),
    event: out<TerminalEvent>(),
  }),
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
