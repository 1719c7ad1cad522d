// Preview of what importing an OpenSSH client config would add, with OpenSSH's first-match-wins
// semantics. Runs on the main process over text from anywhere: work is bounded, nothing is run or resolved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addressSchema, hostNameSchema, unixUserSchema } from '../../../shared/api/contract';
import type { HostDraft, ImportPreview } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import { readSmallFile, SmallFileError } from '../../lib/small-file';
import {
  isPattern,
  matchPatternList,
  parseConfig,
  tildeExpand,
  type Budget,
  type IncludeContext,
  type Section,
} from './ssh-config-parse';

/** An SSH config (or an Include) larger than this is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/**
 * Reads a config file the user named (or an Include named): only a regular file, and only a
 * small one. /dev/zero or a FIFO must not hang or exhaust the app.
 */
export function readConfigFile(file: string): string {
  try {
    return readSmallFile(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    if (!(err instanceof SmallFileError) || err.reason === 'unreadable') throw err;
    const what =
      err.reason === 'too-large' ? 'larger than an SSH config can be (256 KiB)' : 'not a regular file';
    throw new ApiError('VALIDATION', `${file} is ${what}: ${err.message}`, 'path');
  }
}

export interface ImportContext extends IncludeContext {
  /** Names already in the inventory. */
  existing: Set<string>;
  /** Local user name, OpenSSH's default User and %u. */
  localUser: string;
  /** This computer's name, %l. */
  localHost: string;
}

export const defaultImportContext = (existing: Set<string>): ImportContext => ({
  existing,
  home: os.homedir(),
  localUser: os.userInfo().username,
  localHost: os.hostname(),
  fileExists: (p) => fs.existsSync(p),
  readFile: readConfigFile,
  listDir: (d) => fs.readdirSync(d),
});

/** How much work one preview may take: pattern-match steps, and time. */
export interface PreviewLimits {
  steps: number;
  ms: number;
}
const LIMITS: PreviewLimits = { steps: 20_000_000, ms: 2000 };

const PATTERN = 'a pattern that applies to many hosts, not a host';

export function previewImport(
  text: string,
  source: string,
  ctx: ImportContext,
  limits: PreviewLimits = LIMITS,
): ImportPreview {
  const deadline = Date.now() + limits.ms;
  const config = parseConfig(text, path.isAbsolute(source) ? source : null, ctx);
  const index = indexSections(config.sections);
  const budget: Budget = { steps: limits.steps };
  const inFile = new Set(config.hostNames);
  const notes = [...config.notes];
  const add: HostDraft[] = [];
  const skip: ImportPreview['skip'] = [];
  for (const [done, alias] of config.hostNames.entries()) {
    // Checked before matching, so that a name is short (63) before any pattern is matched against it.
    const early = isPattern(alias)
      ? PATTERN
      : !hostNameSchema.safeParse(alias).success
        ? 'the name is not allowed in Labdeck (letters, digits, ".", "_", "-")'
        : ctx.existing.has(alias)
          ? 'a host with this name is already in Labdeck'
          : null;
    const settings = early ? null : resolve(alias, config.sections, index, budget);
    if (budget.steps < 0 || Date.now() > deadline) {
      const all = config.hostNames.length;
      notes.push(
        `Stopped after ${done} of ${all} Host names: the file is too complex to preview fully; the rest are not listed.`,
      );
      break;
    }
    const draft = early ?? toDraft(alias, settings!, ctx, inFile);
    if (typeof draft === 'string') skip.push({ alias, reason: draft });
    else add.push(draft);
  }
  // A jump host that was itself skipped cannot be used, nor can a chain that loops back.
  const planned = new Set(add.map((d) => d.name));
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
  return { source, add: jumpHostsFirst(usable), skip, notes };
}

interface SectionIndex {
  /** Sections whose Host line lists only plain names, under each (lower-cased) name. */
  byName: Map<string, number[]>;
  /** Sections with wildcards, or none: the only ones matched against every name. */
  everyName: number[];
}

function indexSections(sections: Section[]): SectionIndex {
  const index: SectionIndex = { byName: new Map(), everyName: [] };
  sections.forEach((s, i) => {
    if (s.never || (s.when.length === 0 && s.options.length === 0)) return;
    const plain = s.when.find((l) => l.wild.length === 0);
    if (!plain) index.everyName.push(i);
    // Sections are visited in order, so each list stays in file order.
    else {
      for (const name of plain.names) {
        const list = index.byName.get(name);
        if (list) list.push(i);
        else index.byName.set(name, [i]);
      }
    }
  });
  return index;
}

interface Settings {
  /** Some applicable Host line names it: otherwise it is listed only where it cannot apply. */
  declared: boolean;
  /** The first arguments each keyword got (OpenSSH: the first value obtained wins). */
  first: Map<string, string[]>;
  /** All of them: ssh tries each. */
  identityFiles: string[];
}

function resolve(alias: string, sections: Section[], index: SectionIndex, budget: Budget): Settings {
  const name = alias.toLowerCase();
  const out: Settings = { declared: false, first: new Map(), identityFiles: [] };
  const listed = index.byName.get(name) ?? [];
  const every = index.everyName;
  // Both lists are in file order: merge them, so the first value in the file still wins.
  for (let i = 0, j = 0; i < listed.length || j < every.length;) {
    const k = j >= every.length || (i < listed.length && listed[i]! < every[j]!) ? listed[i++]! : every[j++]!;
    const s = sections[k]!;
    if (!s.when.every((l) => matchPatternList(l, name, budget))) continue;
    if (s.when.at(-1)?.names.has(name)) out.declared = true;
    for (const o of s.options) {
      if (o.key === 'identityfile') {
        if (o.args[0] !== undefined) out.identityFiles.push(o.args[0]);
      } else if (!out.first.has(o.key)) out.first.set(o.key, o.args);
    }
  }
  return out;
}

/** The host to add, or why not. */
function toDraft(alias: string, s: Settings, ctx: ImportContext, inFile: Set<string>): HostDraft | string {
  const one = (key: string): string | undefined => s.first.get(key)?.[0];
  const token = (t: string, keyword: string): string =>
    `uses the ${t} token in ${keyword}, which Labdeck does not expand`;
  if (!s.declared) {
    return 'its Host lines do not apply to it (a negated pattern, or an Include inside a Match or another Host block)';
  }
  // In HostName OpenSSH itself knows only %h and %%.
  const hostName = expandTokens(one('hostname') ?? alias, new Map([['h', alias]]));
  if ('bad' in hostName) return token(hostName.bad, 'HostName');
  const address = hostName.value;
  if (!addressSchema.safeParse(address).success) {
    return `HostName "${address}" is not a plain hostname or IP address`;
  }
  const userValue = expandTokens(one('user') ?? ctx.localUser, new Map());
  if ('bad' in userValue) return token(userValue.bad, 'User');
  const user = userValue.value;
  if (!unixUserSchema.safeParse(user).success) return `User "${user}" is not a valid Linux user name`;
  const port = Number(one('port') ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return `Port "${one('port')}" is not a port number`;
  const proxyCommand = one('proxycommand');
  if (proxyCommand && proxyCommand.toLowerCase() !== 'none') {
    return 'uses ProxyCommand, which Labdeck does not run; use ProxyJump instead';
  }
  let jumpHostName: string | null = null;
  const proxyJump = expandTokens(one('proxyjump') ?? 'none', new Map());
  if ('bad' in proxyJump) return token(proxyJump.bad, 'ProxyJump');
  if (proxyJump.value.toLowerCase() !== 'none') {
    if (proxyJump.value.includes(',')) {
      return 'a multi-hop ProxyJump chain; add each hop as a host with its own jump host';
    }
    const jump = proxyJump.value.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
    if (!inFile.has(jump) && !ctx.existing.has(jump)) {
      return `its jump host "${jump}" is neither in this file nor in Labdeck`;
    }
    jumpHostName = jump;
  }
  const idTokens = new Map([
    ['d', ctx.home],
    ['u', ctx.localUser],
    ['h', address],
    ['r', user],
    ['l', ctx.localHost],
  ]);
  const identities: string[] = [];
  for (const raw of s.identityFiles) {
    const p = expandTokens(tildeExpand(raw, ctx.home), idTokens);
    if ('bad' in p) return token(p.bad, 'IdentityFile');
    identities.push(p.value);
  }
  // ssh tries each IdentityFile; Labdeck keeps the first that exists here.
  const keyPath = identities.find((p) => ctx.fileExists(p)) ?? identities[0] ?? null;
  return { name: alias, address, port, user, keyPath, authMethod: keyPath ? 'key' : 'agent', jumpHostName };
}

/** OpenSSH %-tokens: `%%` and the given ones are expanded; any other is named, so the host can be skipped. */
function expandTokens(value: string, tokens: Map<string, string>): { value: string } | { bad: string } {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = value[++i];
    const v = t === '%' ? '%' : t === undefined ? undefined : tokens.get(t);
    if (v === undefined) return { bad: `%${t ?? ''}` };
    out += v;
  }
  return { value: out };
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
