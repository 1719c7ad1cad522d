// What the Activity page makes of the audit history without asking the server: time presets and
// the filter they stand for, the action picker's groups, rows gathered into job and terminal
// session timelines, and where an export wrote its file.
import type { AuditEvent, AuditFilterInput } from '../../../shared/api/domain';
import { formatDuration } from './format';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const TIME_PRESETS = [
  { id: '1h', label: 'Last hour', ms: HOUR },
  { id: '24h', label: 'Last 24 hours', ms: DAY },
  { id: '7d', label: 'Last 7 days', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 days', ms: 30 * DAY },
  { id: 'all', label: 'All time', ms: null },
  { id: 'custom', label: 'Custom…', ms: null },
] as const;
export type TimePreset = (typeof TIME_PRESETS)[number]['id'];

/**
 * Which time choice a filter shows as. A saved question may carry a relative span that is not a
 * preset (e.g. 3 days): that is 'other', so the picker can name it instead of pretending "all".
 */
export function timePresetOf(f: AuditFilterInput): TimePreset | 'other' {
  if (f.sinceMs !== undefined) return TIME_PRESETS.find((p) => p.ms === f.sinceMs)?.id ?? 'other';
  return f.from !== undefined || f.to !== undefined ? 'custom' : 'all';
}

/**
 * The filter with another time choice. Presets stay relative (`sinceMs`) so a list refetched later,
 * or a question saved from it, slides with the clock; custom starts from what was shown.
 */
export function withTimePreset(f: AuditFilterInput, preset: TimePreset, now: number): AuditFilterInput {
  const { sinceMs, from, to, ...rest } = f;
  if (preset === 'all') return rest;
  if (preset === 'custom') {
    if (from !== undefined || to !== undefined) return { ...rest, from, to };
    return { ...rest, from: now - (sinceMs ?? DAY) };
  }
  const ms = TIME_PRESETS.find((p) => p.id === preset)?.ms;
  return ms ? { ...rest, sinceMs: ms } : rest;
}

/** "Last 3 days" for a span no preset has. */
export function spanLabel(ms: number): string {
  if (ms % DAY === 0) return `Last ${ms / DAY} day${ms === DAY ? '' : 's'}`;
  if (ms % HOUR === 0) return `Last ${ms / HOUR} hour${ms === HOUR ? '' : 's'}`;
  return `Last ${Math.round(ms / 60_000)} min`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A datetime-local input's value ("2026-11-25T10:04") for a moment, in local time. */
export function toLocalInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** Without the empty parts, so equal questions compare equal and the server gets no blanks. */
export function cleanFilter(f: AuditFilterInput): AuditFilterInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === '' || v === false) continue;
    out[k] = v;
  }
  return out;
}

export function sameFilter(a: AuditFilterInput, b: AuditFilterInput): boolean {
  const x = cleanFilter(a) as Record<string, unknown>;
  const y = cleanFilter(b) as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => x[k] === y[k]);
}

export interface ActionGroup {
  area: string;
  actions: string[];
}

/** Actions under their area ("hosts.add" under "hosts"), areas and actions sorted. */
export function groupActions(actions: readonly string[]): ActionGroup[] {
  const byArea = new Map<string, string[]>();
  for (const a of actions) {
    const area = a.split('.')[0]!;
    byArea.set(area, [...(byArea.get(area) ?? []), a]);
  }
  return [...byArea.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([area, list]) => ({ area, actions: [...list].sort() }));
}

/**
 * The one select picks either a whole area or one action: an area's value is "area:NAME" (action
 * names never contain a colon), an action's value is its name.
 */
export function actionChoice(f: AuditFilterInput): string {
  if (f.action) return f.action;
  return f.area ? `area:${f.area}` : '';
}

export function withActionChoice(f: AuditFilterInput, choice: string): AuditFilterInput {
  const { action: _a, area: _b, ...rest } = f;
  if (!choice) return rest;
  return choice.startsWith('area:') ? { ...rest, area: choice.slice(5) } : { ...rest, action: choice };
}

export type TimelineKind = 'job' | 'session';

export interface Timeline {
  kind: TimelineKind;
  /** The job or terminal session id. */
  id: string;
  /** Oldest first: how it happened. */
  rows: AuditEvent[];
}

export type TimelineItem = { t: 'row'; row: AuditEvent } | { t: 'group'; group: Timeline };

/**
 * Gathers rows of the same job or terminal session under one entry, placed where its newest row
 * is in the newest-first list; rows of neither stay as they are.
 */
export function timelines(rows: readonly AuditEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const open = new Map<string, Timeline>();
  for (const row of rows) {
    const kind: TimelineKind | null = row.jobId ? 'job' : row.sessionId ? 'session' : null;
    const id = row.jobId ?? row.sessionId;
    if (!kind || !id) {
      items.push({ t: 'row', row });
      continue;
    }
    const key = `${kind}:${id}`;
    const g = open.get(key);
    if (g) g.rows.push(row);
    else {
      const group: Timeline = { kind, id, rows: [row] };
      open.set(key, group);
      items.push({ t: 'group', group });
    }
  }
  for (const g of open.values()) g.rows.sort((a, b) => a.ts - b.ts || a.id - b.id);
  return items;
}

const JOB_END = /^jobs\.(succeeded|failed|cancelled|interrupted)$/;

/** How a timeline ended (or that it has not), from its rows. */
export function timelineOutcome(g: Timeline): string {
  if (g.kind === 'session') {
    if (g.rows.some((r) => r.action === 'terminals.close')) return 'closed';
    return g.rows.some((r) => r.action === 'terminals.open' && r.result === 'ok') ? 'open' : 'failed';
  }
  const end = [...g.rows].reverse().find((r) => JOB_END.test(r.action));
  if (end) return JOB_END.exec(end.action)![1]!;
  return g.rows.some((r) => r.result === 'error') ? 'failed' : 'running';
}

/**
 * The header of a timeline: "Terminal session · gpu1 as root · 12 min 3 s" or
 * "Job · Run: make on gpu1 · failed · 4.20 s". `jobTitle` is the job's own title when the app
 * still knows the job; otherwise what the rows say.
 */
export function timelineLabel(g: Timeline, jobTitle?: string): string {
  const first = g.rows[0]!;
  const last = g.rows[g.rows.length - 1]!;
  const outcome = timelineOutcome(g);
  if (g.kind === 'session') {
    const opened = g.rows.find((r) => r.action === 'terminals.open');
    const closed = g.rows.find((r) => r.action === 'terminals.close');
    const span = opened && closed ? formatDuration(Math.max(0, closed.ts - opened.ts)) : outcome;
    return `Terminal session · ${(opened ?? first).target} · ${span}`;
  }
  const end = [...g.rows].reverse().find((r) => JOB_END.test(r.action));
  // The end row says "<title> on <hosts>", the call that started it names what it was asked.
  const what = jobTitle ?? end?.target ?? first.target;
  const took = end && end.durationMs > 0 ? ` · ${formatDuration(end.durationMs)}` : '';
  const span = !end && g.rows.length > 1 ? ` · ${formatDuration(last.ts - first.ts)} so far` : '';
  return `Job · ${what} · ${outcome}${took}${span}`;
}

/** Where an export job wrote its file: its message ends with the path. */
export function exportedFile(message: string | null): { path: string; name: string } | null {
  if (!message) return null;
  const m = / to (.+)$/.exec(message.trim());
  if (!m) return null;
  const path = m[1]!;
  const name = path.split(/[\\/]/).pop() ?? '';
  return name ? { path, name } : null;
}

/** The first characters of a hash, enough to tell rows apart at a glance. */
export const shortHash = (h: string): string => (h.length > 16 ? `${h.slice(0, 12)}…${h.slice(-4)}` : h);

/** Params as stored (JSON, redacted by the server), laid out for reading; what is not JSON as is. */
export function prettyParams(params: string): string {
  try {
    return JSON.stringify(JSON.parse(params), null, 2);
  } catch {
    return params;
  }
}
