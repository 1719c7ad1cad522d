// The command palette's entries and how a typed query ranks them (pure, so it is tested without a
// page): pages, hosts, jobs and experiments to jump to, and actions on hosts and groups.
import type { JobInfo } from '../../../shared/api/domain';
import type { PageKind } from '../state/ui-store';

export type PaletteAction =
  | { kind: 'page'; page: PageKind }
  | { kind: 'host'; hostId: number; name: string }
  | { kind: 'terminal'; hostId: number; name: string }
  | { kind: 'connect'; hostId: number; name: string }
  | { kind: 'bootstrap'; hostIds: number[] }
  | { kind: 'connect-group'; group: string; hostIds: number[] }
  | { kind: 'job'; jobId: string }
  | { kind: 'experiment'; experimentId: number };

export type PaletteSection = 'Pages' | 'Hosts' | 'Actions' | 'Jobs' | 'Experiments';

export interface PaletteItem {
  /** Stable, for React keys and tests. */
  id: string;
  label: string;
  section: PaletteSection;
  /** A second line: where it is, what it is. Searched too, with less weight. */
  hint?: string;
  action: PaletteAction;
}

export interface PaletteSources {
  pages: { kind: PageKind; label: string }[];
  hosts: { id: number; name: string; group: string; address: string }[];
  jobs: Pick<JobInfo, 'id' | 'title' | 'state' | 'target' | 'createdAt'>[];
  experiments: { id: number; name: string; hostName: string; status: string }[];
}

const SECTION_ORDER: PaletteSection[] = ['Pages', 'Hosts', 'Actions', 'Experiments', 'Jobs'];
/** Jobs offered (newest first): older ones are on the Jobs page. */
const MAX_JOBS = 50;

export function paletteItems(src: PaletteSources): PaletteItem[] {
  const items: PaletteItem[] = src.pages.map((p) => ({
    id: `page:${p.kind}`,
    label: p.label,
    section: 'Pages',
    hint: 'page',
    action: { kind: 'page', page: p.kind },
  }));
  for (const h of src.hosts) {
    const where = `${h.address}${h.group ? ` · ${h.group}` : ''}`;
    items.push({
      id: `host:${h.id}`,
      label: h.name,
      section: 'Hosts',
      hint: where,
      action: { kind: 'host', hostId: h.id, name: h.name },
    });
    items.push({
      id: `terminal:${h.id}`,
      label: `Open terminal on ${h.name}`,
      section: 'Actions',
      hint: where,
      action: { kind: 'terminal', hostId: h.id, name: h.name },
    });
    items.push({
      id: `connect:${h.id}`,
      label: `Connect ${h.name}`,
      section: 'Actions',
      hint: where,
      action: { kind: 'connect', hostId: h.id, name: h.name },
    });
    items.push({
      id: `bootstrap:${h.id}`,
      label: `Bootstrap ${h.name}…`,
      section: 'Actions',
      hint: where,
      action: { kind: 'bootstrap', hostIds: [h.id] },
    });
  }
  const groups = new Map<string, number[]>();
  for (const h of src.hosts) if (h.group) groups.set(h.group, [...(groups.get(h.group) ?? []), h.id]);
  for (const [group, hostIds] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const n = `${hostIds.length} host${hostIds.length === 1 ? '' : 's'}`;
    items.push({
      id: `connect-group:${group}`,
      label: `Connect all in group ${group}`,
      section: 'Actions',
      hint: n,
      action: { kind: 'connect-group', group, hostIds },
    });
    items.push({
      id: `bootstrap-group:${group}`,
      label: `Bootstrap all in group ${group}…`,
      section: 'Actions',
      hint: n,
      action: { kind: 'bootstrap', hostIds },
    });
  }
  for (const e of src.experiments) {
    items.push({
      id: `experiment:${e.id}`,
      label: e.name,
      section: 'Experiments',
      hint: `experiment on ${e.hostName} · ${e.status}`,
      action: { kind: 'experiment', experimentId: e.id },
    });
  }
  const jobs = [...src.jobs].sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_JOBS);
  for (const j of jobs) {
    items.push({
      id: `job:${j.id}`,
      label: j.title,
      section: 'Jobs',
      hint: `job · ${j.state}${j.target ? ` · ${j.target}` : ''}`,
      action: { kind: 'job', jobId: j.id },
    });
  }
  return items;
}

/**
 * How well `query` matches `text`, or null when it does not: every query character in order
 * (case-insensitive). A prefix beats a word start beats a substring beats scattered letters;
 * fewer gaps and a shorter text score higher.
 */
export function matchScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  const t = text.toLowerCase();
  if (q === '') return 0;
  if (t.startsWith(q)) return 1000 - t.length;
  const wordStart = new RegExp(`(^|[\\s·/_.:-])${escapeRegExp(q)}`).test(t);
  if (wordStart) return 800 - t.length;
  if (t.includes(q)) return 600 - t.length;
  // Scattered: each character after the last, word starts preferred, gaps cost.
  let score = 300;
  let at = -1;
  for (const ch of q) {
    if (ch === ' ') continue;
    const next = t.indexOf(ch, at + 1);
    if (next < 0) return null;
    const gap = next - at - 1;
    const boundary = next === 0 || /[\s·/_.:-]/.test(t[next - 1] ?? '');
    score += boundary ? 10 : 0;
    score -= Math.min(gap, 10) * 3;
    at = next;
  }
  return score - t.length;
}

/** Every query word must match the label or the hint; the label counts more. */
function itemScore(query: string, item: PaletteItem): number | null {
  const words = query.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 0;
  // The whole query against the label first ("open terminal on h1" as typed).
  const whole = matchScore(query, item.label);
  if (whole !== null && whole >= 600 - item.label.length) return whole + 200;
  let total = 0;
  for (const w of words) {
    const inLabel = matchScore(w, item.label);
    const inHint = item.hint ? matchScore(w, item.hint) : null;
    const best = Math.max(inLabel ?? -Infinity, inHint === null ? -Infinity : inHint - 400);
    if (best === -Infinity) return null;
    total += best;
  }
  return total / words.length;
}

/** The items that match, best first; with no query, in section order as listed. */
export function rankItems(items: PaletteItem[], query: string, limit = 60): PaletteItem[] {
  const section = (i: PaletteItem): number => SECTION_ORDER.indexOf(i.section);
  if (query.trim() === '') {
    return items
      .map((item, index) => ({ item, index }))
      .sort((a, b) => section(a.item) - section(b.item) || a.index - b.index)
      .slice(0, limit)
      .map((x) => x.item);
  }
  const scored: { item: PaletteItem; score: number; index: number }[] = [];
  items.forEach((item, index) => {
    const score = itemScore(query, item);
    if (score !== null) scored.push({ item, score, index });
  });
  return scored
    .sort((a, b) => b.score - a.score || section(a.item) - section(b.item) || a.index - b.index)
    .slice(0, limit)
    .map((x) => x.item);
}

/** Whether a key press opens the palette: ⌘K, or Ctrl+K outside a terminal (where the shell has it), or Ctrl+Shift+K anywhere. */
export function opensPalette(
  e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean },
  inTerminal: boolean,
): boolean {
  if (e.key.toLowerCase() !== 'k' || e.altKey) return false;
  if (e.metaKey && !e.ctrlKey) return true;
  return e.ctrlKey && !e.metaKey && (e.shiftKey || !inTerminal);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
