// Reads OpenSSH client config text into Host sections, following Include, for the import preview.
// The text may come from anywhere: nothing here runs a program, resolves a name or builds a RegExp.
import path from 'node:path';
import { ApiError } from '../../../shared/api/errors';

/** Everything Include pulls in, together; and how many files, how deep. */
export const MAX_INCLUDED_BYTES = 1024 * 1024;
export const MAX_INCLUDED_FILES = 256;
export const MAX_INCLUDE_DEPTH = 8;

export interface IncludeContext {
  /** Relative Include paths are under ~/.ssh, and ~ means this. */
  home: string;
  fileExists: (p: string) => boolean;
  readFile: (p: string) => string;
  listDir: (dir: string) => string[];
}

/** Pattern-matching work left; one step is one character comparison. Shared by all matches of a preview. */
export interface Budget {
  steps: number;
}

/**
 * `*` and `?` glob, case-sensitive. Greedy, backtracking only to the last `*`: at worst
 * pattern length times text length steps, where a RegExp can take exponential time.
 * Answers false once the budget is spent; the caller checks `budget.steps`.
 */
export function wildcardMatch(pattern: string, text: string, budget: Budget = { steps: Infinity }): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (--budget.steps < 0) return false;
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      // The last star swallows one more character; earlier stars never need to be revisited.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A Host line's patterns, lower-cased: ssh lower-cases the name it matches them against. */
export interface PatternList {
  /** Plain names, looked up rather than matched. */
  names: Set<string>;
  wild: string[];
  /** The `!` ones, without the `!`. */
  deny: string[];
}

export const isPattern = (s: string): boolean => /[*?!]/.test(s);

/** OpenSSH's rule: a negated match excludes the line whatever else matches; otherwise any match includes it. */
export function matchPatternList(list: PatternList, name: string, budget?: Budget): boolean {
  const lower = name.toLowerCase();
  if (list.deny.some((p) => wildcardMatch(p, lower, budget))) return false;
  return list.names.has(lower) || list.wild.some((p) => wildcardMatch(p, lower, budget));
}

export interface Option {
  /** Lower-cased: keywords are case-insensitive. */
  key: string;
  args: string[];
}

export interface Section {
  /** Host lines that must all match: the block's own and, for an Include inside a Host block, the enclosing ones. Empty: every host. */
  when: PatternList[];
  /** Under a Match block, which Labdeck never evaluates. */
  never: boolean;
  options: Option[];
}

export interface ParsedConfig {
  sections: Section[];
  /** Every name on a Host line, patterns too, in file order, once each. */
  hostNames: string[];
  notes: string[];
}

/**
 * Splits a line into keyword and arguments as OpenSSH does: `Keyword arg`, `Keyword=arg`,
 * arguments quoted with " or ', `#` at the start of an argument ends the line.
 */
export function tokenize(line: string, where: string): Option | null {
  const m = /^\s*([^\s=#]+)\s*=?\s*/.exec(line);
  if (!m) return null;
  const args: string[] = [];
  const s = line.slice(m[0].length);
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\r') i++;
    if (i >= s.length || s[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      const next = s[i + 1];
      const escaped = next === '"' || next === "'" || next === '\\' || (!quote && next === ' ');
      if (c === '\\' && escaped) {
        arg += next;
        i++;
      } else if (!quote && (c === ' ' || c === '\t' || c === '\r')) {
        break;
      } else if (!quote && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote && c === quote) {
        quote = '';
      } else {
        arg += c;
      }
    }
    if (quote) throw new ApiError('VALIDATION', `${where}: a quoted argument is not closed.`, 'text');
    args.push(arg);
  }
  return { key: m[1]!.toLowerCase(), args };
}

interface ParseState {
  ctx: IncludeContext;
  out: ParsedConfig;
  names: Set<string>;
  notes: Set<string>;
  matchBlocks: number;
  bytes: number;
  files: number;
  /** For Include globs; the preview's own budget comes later. */
  budget: Budget;
}

/** Reads `text` (the user's config, or pasted text; `file` names it when it is a file) into sections. */
export function parseConfig(text: string, file: string | null, ctx: IncludeContext): ParsedConfig {
  const st: ParseState = {
    ctx,
    out: { sections: [], hostNames: [], notes: [] },
    names: new Set(),
    notes: new Set(),
    matchBlocks: 0,
    bytes: text.length,
    files: 0,
    budget: { steps: 10_000_000 },
  };
  parseText(st, text, file ? [file] : [], 0, { when: [], never: false });
  if (st.matchBlocks > 0) {
    const n = st.matchBlocks;
    st.notes.add(`${n} Match block${n === 1 ? ' was' : 's were'} ignored: Labdeck does not evaluate Match.`);
  }
  st.out.notes = [...st.notes];
  return st.out;
}

type Guard = Pick<Section, 'when' | 'never'>;

function parseText(st: ParseState, text: string, stack: string[], depth: number, outer: Guard): void {
  const label = stack.length ? tilde(stack[stack.length - 1]!, st.ctx.home) : 'the pasted text';
  let section: Section = { when: outer.when, never: outer.never, options: [] };
  st.out.sections.push(section);
  text.split('\n').forEach((line, i) => {
    const opt = tokenize(line, `${label} line ${i + 1}`);
    if (!opt) return;
    if (opt.key === 'host') {
      for (const name of opt.args.filter((a) => !st.names.has(a))) {
        st.names.add(name);
        st.out.hostNames.push(name);
      }
      const lower = opt.args.map((a) => a.toLowerCase());
      const allow = lower.filter((a) => !a.startsWith('!'));
      const own: PatternList = {
        names: new Set(allow.filter((a) => !/[*?]/.test(a))),
        wild: allow.filter((a) => /[*?]/.test(a)),
        deny: lower.filter((a) => a.startsWith('!')).map((a) => a.slice(1)),
      };
      section = { when: [...outer.when, own], never: outer.never, options: [] };
    } else if (opt.key === 'match') {
      st.matchBlocks++;
      section = { when: outer.when, never: true, options: [] };
    } else if (opt.key === 'include') {
      for (const arg of opt.args) include(st, arg, stack, depth + 1, section);
      // What follows the Include is still in the block that holds it, after what it pulled in.
      section = { when: section.when, never: section.never, options: [] };
    } else {
      if (opt.key === 'canonicalizehostname' && opt.args[0]?.toLowerCase() !== 'no') {
        st.notes.add('CanonicalizeHostName was not applied: names are not resolved during a preview.');
      }
      section.options.push(opt);
      return;
    }
    st.out.sections.push(section);
  });
}

/** Follows one Include argument. Inside a Host block its contents apply only within that block, as in OpenSSH. */
function include(st: ParseState, arg: string, stack: string[], depth: number, guard: Guard): void {
  const { ctx } = st;
  const expanded = tildeExpand(arg, ctx.home);
  const abs = path.isAbsolute(expanded) ? path.normalize(expanded) : path.join(ctx.home, '.ssh', expanded);
  if (/[*?]/.test(path.dirname(abs))) {
    st.notes.add(`Include ${arg} was skipped: wildcards are followed only in the file name.`);
    return;
  }
  for (const file of globFiles(abs, st)) {
    if (stack.includes(file)) {
      st.notes.add(`Include ${tilde(file, ctx.home)} was skipped: it includes itself (a loop).`);
      continue;
    }
    if (depth > MAX_INCLUDE_DEPTH) {
      throw new ApiError('VALIDATION', `Include nests more than ${MAX_INCLUDE_DEPTH} levels deep.`, 'text');
    }
    if (++st.files > MAX_INCLUDED_FILES || st.bytes >= MAX_INCLUDED_BYTES) {
      throw new ApiError(
        'VALIDATION',
        `Include pulls in more than ${st.files > MAX_INCLUDED_FILES ? `${MAX_INCLUDED_FILES} files` : '1 MiB'} of configuration.`,
        'text',
      );
    }
    const text = read(file, ctx);
    st.bytes += text.length;
    if (st.bytes > MAX_INCLUDED_BYTES) {
      throw new ApiError('VALIDATION', 'Include pulls in more than 1 MiB of configuration.', 'text');
    }
    parseText(st, text, [...stack, file], depth, guard);
  }
}

function read(file: string, ctx: IncludeContext): string {
  try {
    return ctx.readFile(file);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ApiError('NOT_FOUND', `Cannot read ${file}, which the config includes (${code}).`, 'text');
  }
}

/** Files an Include names, sorted as glob(3) returns them; like glob(3), `*` does not match a leading dot. */
function globFiles(abs: string, { ctx, budget }: ParseState): string[] {
  const base = path.basename(abs);
  if (!/[*?]/.test(base)) return ctx.fileExists(abs) ? [abs] : [];
  const dir = path.dirname(abs);
  let names: string[];
  try {
    names = ctx.listDir(dir);
  } catch {
    return [];
  }
  const found = names.filter(
    (n) => (base.startsWith('.') || !n.startsWith('.')) && wildcardMatch(base, n, budget),
  );
  if (budget.steps < 0) throw new ApiError('VALIDATION', `Include ${abs} takes too long to match.`, 'text');
  return found.sort().map((n) => path.join(dir, n));
}

export const tildeExpand = (p: string, home: string): string =>
  p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;

const tilde = (p: string, home: string): string =>
  p.startsWith(`${home}/`) ? `~${p.slice(home.length)}` : p;
