// Hosts: the inventory, connecting, host key trust and ~/.ssh/config import; and the names and
// addresses every area that reaches a host validates against.
import { z } from 'zod';
import {
  AUTH_METHODS,
  HOST_KINDS,
  type Host,
  type HostState,
  type HostTestReport,
  type ImportPreview,
  type TrustedHostKey,
} from '../domain';
import { call, empty, out, stream } from './define';

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
export const keyPathSchema = z
  .string()
  .max(4096)
  .regex(/^(~\/|\/)[^\n\r]+$/, 'must be an absolute path or start with ~/')
  .refine((p) => !p.includes(String.fromCharCode(0)), 'must not contain a NUL byte');
export const secretSchema = z.string().min(1).max(4096);
export const hostId = z.number().int().positive();

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

export const hostsCalls = {
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
} as const;

export const hostsStreams = {
  /** Connection state of every host: a snapshot first, then each change. */
  'hosts.states': stream({ params: empty, event: out<HostState>() }),
} as const;
