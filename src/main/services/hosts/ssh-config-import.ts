// Preview of what importing an OpenSSH client config would add, using a real ssh_config parser
// (ssh-config) with OpenSSH's first-match-wins semantics; Include is expanded here, as ssh does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { addressSchema, hostNameSchema, unixUserSchema } from '../../../shared/api/contract';
import type { HostDraft, ImportPreview } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';

/** An SSH config (or an Include) larger than this is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Everything Include pulls in, together. */
const MAX_EXPANDED = 1024 * 1024;

/**
 * Reads a config file the user named (or an Include named): only a regular file, and only a
 * small one. /dev/zero or a FIFO must not hang or exhaust the app.
 */
export function readConfigFile(file: string): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ApiError('VALIDATION', `${file} is not a regular file.`, 'path');
    if (st.size > MAX_CONFIG_BYTES) {
      throw new ApiError(
        'VALIDATION',
        `${file} is ${Math.round(st.size / 1024)} KiB, larger than an SSH config can be (256 KiB).`,
        'path',
      );
    }
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export interface ImportContext {
  /** Names already in the inventory. */
  existing: Set<string>;
  /** ~ for IdentityFile and Include; the user's home. */
  home: string;
  /** Local user name, OpenSSH's default User. */
  localUser: string;
  fileExists: (p: string) => boolean;
  readFile: (p: string) => string;
  listDir: (dir: string) => string[];
}

export const defaultImportContext = (existing: Set<string>): ImportContext => ({
  existing,
  home: os.homedir(),
  localUser: os.userInfo().username,
  fileExists: (p) => fs.existsSync(p),
  readFile: readConfigFile,
  listDir: (d) => fs.readdirSync(d),
});

const expand = (p: string, home: string): string =>
  p.startsWith('~/') ? path.join(home, p.slice(2)) : p === '~' ? home : p;

function globFiles(pattern: string, ctx: ImportContext): string[] {
  if (!/[*?]/.test(path.basename(pattern))) return ctx.fileExists(pattern) ? [pattern] : [];
  const dir = path.dirname(pattern);
  const re = new RegExp(
    `^${path
      .basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  try {
    return ctx
      .listDir(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Inlines Include directives (relative paths are under ~/.ssh, as for the user's config). */
export function expandIncludes(text: string, ctx: ImportContext, depth = 0): string {
  if (depth > 8) throw new ApiError('VALIDATION', 'Include nests more than 8 levels deep (a loop?)', 'text');
  const out = text
    .split('\n')
    .map((line) => {
      const m = /^\s*Include\s+(.+)$/i.exec(line);
      if (!m) return line;
      return m[1]!
        .trim()
        .split(/\s+/)
        .flatMap((p) => {
          const abs = path.isAbsolute(expand(p, ctx.home))
            ? expand(p, ctx.home)
            : path.join(ctx.home, '.ssh', p);
          return globFiles(abs, ctx);
        })
        .map((f) => expandIncludes(ctx.readFile(f), ctx, depth + 1))
        .join('\n');
    })
    .join('\n');
  if (out.length > MAX_EXPANDED) {
    throw new ApiError('VALIDATION', 'Include pulls in more than 1 MiB of configuration (a loop?)', 'text');
  }
  return out;
}

const first = (v: unknown): string | undefined =>
  Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined);

export function previewImport(text: string, source: string, ctx: ImportContext): ImportPreview {
  const config = SSHConfig.parse(expandIncludes(text, ctx));
  const aliases: string[] = [];
  for (const section of config) {
    if (!('param' in section) || section.param.toLowerCase() !== 'host') continue;
    const value = Array.isArray(section.value) ? section.value.map(String).join(' ') : String(section.value);
    for (const alias of value.split(/\s+/).filter(Boolean)) if (!aliases.includes(alias)) aliases.push(alias);
  }
  const add: HostDraft[] = [];
  const skip: ImportPreview['skip'] = [];
  const planned = new Set<string>();
  for (const alias of aliases) {
    if (/[*?!]/.test(alias)) {
      skip.push({ alias, reason: 'a pattern that applies to many hosts, not a host' });
      continue;
    }
    // Keywords are case-insensitive in OpenSSH (keys come back lower-cased), and `Match exec`
    // would run a command from the pasted text on this machine: never evaluated here.
    const c = config.compute(alias, { ignoreCase: true, matchExec: false }) as Record<string, unknown>;
    const address = first(c['hostname']) ?? alias;
    const user = first(c['user']) ?? ctx.localUser;
    const port = Number(first(c['port']) ?? 22);
    const why = (reason: string): void => void skip.push({ alias, reason });
    if (!hostNameSchema.safeParse(alias).success) {
      why('the name is not allowed in Labdeck (letters, digits, ".", "_", "-")');
      continue;
    }
    if (ctx.existing.has(alias)) {
      why('a host with this name is already in Labdeck');
      continue;
    }
    if (!addressSchema.safeParse(address).success || address.includes('%')) {
      why(`HostName "${address}" is not a plain hostname or IP address`);
      continue;
    }
    if (!unixUserSchema.safeParse(user).success) {
      why(`User "${user}" is not a valid Linux user name`);
      continue;
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      why(`Port "${String(first(c['port']))}" is not a port number`);
      continue;
    }
    if (c['proxycommand']) {
      why('uses ProxyCommand, which Labdeck does not run; use ProxyJump instead');
      continue;
    }
    let jumpHostName: string | null = null;
    const proxyJump = first(c['proxyjump']);
    if (proxyJump && proxyJump.toLowerCase() !== 'none') {
      if (proxyJump.includes(',')) {
        why('a multi-hop ProxyJump chain; add each hop as a host with its own jump host');
        continue;
      }
      const jump = proxyJump.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
      if (!aliases.includes(jump) && !ctx.existing.has(jump)) {
        why(`its jump host "${jump}" is neither in this file nor in Labdeck`);
        continue;
      }
      jumpHostName = jump;
    }
    // Several IdentityFile lines: ssh tries each; Labdeck keeps the first that exists here.
    const identities = (
      (Array.isArray(c['identityfile'])
        ? c['identityfile']
        : c['identityfile']
          ? [c['identityfile']]
          : []) as string[]
    ).map((p) => expand(p.replace(/%d/g, ctx.home).replace(/%u/g, ctx.localUser), ctx.home));
    const keyPath = identities.find((p) => ctx.fileExists(p)) ?? identities[0] ?? null;
    add.push({
      name: alias,
      address,
      port,
      user,
      keyPath,
      authMethod: keyPath ? 'key' : 'agent',
      jumpHostName,
    });
    planned.add(alias);
  }
  // A jump host that was itself skipped cannot be used, nor can a chain that loops back.
  const byName = new Map(add.map((d) => [d.name, d]));
  const verdict = (d: HostDraft): string | null => {
    const seen = new Set([d.name]);
    for (let hop = d.jumpHostName; hop; hop = byName.get(hop)?.jumpHostName ?? null) {
      if (seen.has(hop)) return 'its jump hosts form a loop (ProxyJump leads back to it)';
      seen.add(hop);
      if (!planned.has(hop) && !ctx.existing.has(hop)) return `its jump host "${hop}" is skipped`;
      if (!byName.has(hop)) break; // already in Labdeck
    }
    return null;
  };
  const usable: HostDraft[] = [];
  for (const d of add) {
    const reason = verdict(d);
    if (reason) skip.push({ alias: d.name, reason });
    else usable.push(d);
  }
  return { source, add: jumpHostsFirst(usable), skip };
}

/** Orders drafts so each jump host comes before the hosts that go through it (chains too), keeping file order otherwise. */
export function jumpHostsFirst(drafts: HostDraft[]): HostDraft[] {
  const byName = new Map(drafts.map((d) => [d.name, d]));
  const out: HostDraft[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (d: HostDraft): void => {
    if (placed.has(d.name) || visiting.has(d.name)) return; // a cycle is refused on import
    visiting.add(d.name);
    const jump = d.jumpHostName ? byName.get(d.jumpHostName) : undefined;
    if (jump) place(jump);
    visiting.delete(d.name);
    placed.add(d.name);
    out.push(d);
  };
  drafts.forEach(place);
  return out;
}
