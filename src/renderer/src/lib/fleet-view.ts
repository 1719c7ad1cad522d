// The fleet overview's arithmetic: each host's headline figures, the two orders ("busiest first",
// "most free VRAM"), and who is using a host's CPU, memory and GPUs.
import type { FleetEntry, HostMetricsSample, MetricAlert } from '../../../shared/api/metrics-domain';

export type FleetSort = 'busiest' | 'freeVram' | 'name';

export interface CardFigures {
  cpu: number | null;
  memPercent: number | null;
  /** The fullest filesystem. */
  diskPercent: number | null;
  diskMount: string | null;
  gpuUtil: number | null;
  vramPercent: number | null;
  freeVramMiB: number | null;
  gpuText: string | null;
  /** "busy: 71% CPU by exp_llama", or null when no user stands out. */
  cpuText: string | null;
}

/** One row of a host's Users table: its CPU and memory, and the GPU memory its processes hold. */
export interface UserRow {
  user: string;
  cpuPercent: number | null;
  memoryBytes: number | null;
  gpuMemMiB: number | null;
  gpuProcesses: number;
  processes: number | null;
}

/** Users by CPU (then memory, then GPU memory); a GPU user the CPU figures do not list still shows. */
export function userRows(s: HostMetricsSample): UserRow[] {
  const rows = new Map<string, UserRow>();
  for (const u of s.users) {
    rows.set(u.user, {
      user: u.user,
      cpuPercent: u.cpuPercent,
      memoryBytes: u.memoryBytes,
      gpuMemMiB: null,
      gpuProcesses: 0,
      processes: u.processes,
    });
  }
  for (const p of s.gpuProcesses) {
    const who = p.user ?? `pid ${p.pid}`;
    let row = rows.get(who);
    if (!row) {
      row = {
        user: who,
        cpuPercent: null,
        memoryBytes: null,
        gpuMemMiB: null,
        gpuProcesses: 0,
        processes: null,
      };
      rows.set(who, row);
    }
    row.gpuMemMiB = (row.gpuMemMiB ?? 0) + (p.usedMiB ?? 0);
    row.gpuProcesses++;
  }
  return [...rows.values()].sort(
    (a, b) =>
      (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) ||
      (b.memoryBytes ?? -1) - (a.memoryBytes ?? -1) ||
      (b.gpuMemMiB ?? -1) - (a.gpuMemMiB ?? -1) ||
      a.user.localeCompare(b.user),
  );
}

/** A user's CPU share worth naming on a card (percent of the whole host). */
const CPU_NOTABLE = 5;

/** "busy: 71% CPU by exp_llama" for the user using the most CPU, when that is worth saying. */
export function cpuUse(s: HostMetricsSample): string | null {
  let top: HostMetricsSample['users'][number] | null = null;
  for (const u of s.users) if ((u.cpuPercent ?? 0) > (top?.cpuPercent ?? 0)) top = u;
  if (!top || (top.cpuPercent ?? 0) < CPU_NOTABLE) return null;
  return `busy: ${Math.round(top.cpuPercent!)}% CPU by ${top.user}`;
}

const pct = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

/** "GPU busy: 71% by exp_llama", "GPU idle · memory held by …", or null for a host without GPUs. */
export function gpuUse(s: HostMetricsSample): string | null {
  if (s.gpus.length === 0) return s.gpuError ? `GPU: ${s.gpuError}` : null;
  const utils = s.gpus.map((g) => g.utilPercent).filter((u): u is number => u !== null);
  const util = utils.length ? Math.round(utils.reduce((a, b) => a + b, 0) / utils.length) : null;
  const byUser = new Map<string, number>();
  for (const p of s.gpuProcesses) {
    const who = p.user ?? `pid ${p.pid}`;
    byUser.set(who, (byUser.get(who) ?? 0) + (p.usedMiB ?? 0));
  }
  const users = [...byUser.entries()].sort((a, b) => b[1] - a[1]).map(([u]) => u);
  if (users.length === 0) return util ? `GPU busy: ${util}%` : 'GPU idle';
  const who = users.length > 2 ? `${users.slice(0, 2).join(', ')} +${users.length - 2}` : users.join(', ');
  return util ? `GPU busy: ${util}% by ${who}` : `GPU idle · memory held by ${who}`;
}

export function cardFigures(s: HostMetricsSample | null): CardFigures {
  if (!s) {
    return {
      cpu: null,
      memPercent: null,
      diskPercent: null,
      diskMount: null,
      gpuUtil: null,
      vramPercent: null,
      freeVramMiB: null,
      gpuText: null,
      cpuText: null,
    };
  }
  let disk: { p: number; mount: string } | null = null;
  for (const m of s.mounts) {
    const p = pct(m.usedBytes, m.usedBytes + m.availableBytes);
    if (p !== null && (!disk || p > disk.p)) disk = { p, mount: m.mount };
  }
  const utils = s.gpus.map((g) => g.utilPercent).filter((u): u is number => u !== null);
  const total = s.gpus.reduce((n, g) => n + (g.memTotalMiB ?? 0), 0);
  const used = s.gpus.reduce((n, g) => n + (g.memUsedMiB ?? 0), 0);
  return {
    cpu: s.cpu?.total ?? null,
    memPercent: s.memory ? pct(s.memory.totalBytes - s.memory.availableBytes, s.memory.totalBytes) : null,
    diskPercent: disk?.p ?? null,
    diskMount: disk?.mount ?? null,
    gpuUtil: utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null,
    vramPercent: pct(used, total),
    freeVramMiB: s.gpus.length ? total - used : null,
    gpuText: gpuUse(s),
    cpuText: cpuUse(s),
  };
}

/** Online hosts first; then by the chosen order; offline ones by name. */
export function sortFleet<T extends { entry: FleetEntry; name: string }>(items: T[], by: FleetSort): T[] {
  const key = (t: T): number => {
    const f = cardFigures(t.entry.latest);
    if (by === 'busiest') return Math.max(f.cpu ?? 0, f.gpuUtil ?? 0, f.memPercent ?? 0);
    if (by === 'freeVram') return f.freeVramMiB ?? -1;
    return 0;
  };
  return [...items].sort((a, b) => {
    if (a.entry.online !== b.entry.online) return a.entry.online ? -1 : 1;
    const d = a.entry.online && by !== 'name' ? key(b) - key(a) : 0;
    return d !== 0 ? d : a.name.localeCompare(b.name);
  });
}

/** The groups and tags a fleet can be narrowed to, as "group:NAME" / "tag:NAME" choices. */
export function fleetFilters(hosts: { group: string; tags: string[] }[]): string[] {
  const groups = new Set(hosts.map((h) => h.group).filter(Boolean));
  const tags = new Set(hosts.flatMap((h) => h.tags));
  return [...[...groups].sort().map((g) => `group:${g}`), ...[...tags].sort().map((t) => `tag:${t}`)];
}

/** Whether a host passes a filter from fleetFilters ("" lets every host through). */
export function passesFilter(host: { group: string; tags: string[] }, filter: string): boolean {
  if (filter === '') return true;
  if (filter.startsWith('group:')) return host.group === filter.slice('group:'.length);
  if (filter.startsWith('tag:')) return host.tags.includes(filter.slice('tag:'.length));
  return true;
}

/** "⚠ 2", titled "disk /data 93% full · offline for over a minute"; nothing when all is well. */
export function alertBadgeText(alerts: MetricAlert[]): { text: string; title: string } | null {
  if (alerts.length === 0) return null;
  return {
    text: `⚠ ${alerts.length}`,
    title: `${alerts.length} metric alert${alerts.length === 1 ? '' : 's'}: ${alerts.map((a) => a.message).join(' · ')}`,
  };
}
