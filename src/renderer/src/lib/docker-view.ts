// What the Docker views compute from the engine's answers: containers grouped by Compose project,
// ports and states in a few characters, the fleet's filters, and a container's log as the page
// holds it (the newest lines only, each with its stream and timestamp).
import type {
  ContainerStatsSample,
  ContainerSummary,
  DockerFleetHost,
  DockerLogEvent,
  PortBinding,
} from '../../../shared/api/docker-domain';

export interface ProjectGroup {
  /** null: containers outside any Compose project. */
  project: string | null;
  containers: ContainerSummary[];
  running: number;
}

/** Compose projects A–Z, then the containers of no project; inside each, by service or name. */
export function groupByProject(list: readonly ContainerSummary[]): ProjectGroup[] {
  const groups = new Map<string | null, ContainerSummary[]>();
  for (const c of list) groups.set(c.project, [...(groups.get(c.project) ?? []), c]);
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([project, containers]) => ({
      project,
      containers: [...containers].sort((x, y) => (x.service ?? x.name).localeCompare(y.service ?? y.name)),
      running: containers.filter((c) => c.state === 'running').length,
    }));
}

/** "0.0.0.0:8080→80/tcp, 53/udp" */
export function portsText(ports: readonly PortBinding[]): string {
  return ports
    .map((p) =>
      p.publicPort
        ? `${p.ip && p.ip !== '0.0.0.0' && p.ip !== '::' ? `${p.ip}:` : ''}${p.publicPort}→${p.privatePort}/${p.type}`
        : `${p.privatePort}/${p.type}`,
    )
    .join(', ');
}

/** "3h 12m" since `startedAt`; Docker's own words when the start time is not known. */
export function uptimeText(c: Pick<ContainerSummary, 'state' | 'startedAt' | 'status'>, now: number): string {
  if (c.state !== 'running' && c.state !== 'paused') return '—';
  if (c.startedAt === null) return c.status.replace(/^Up /, '').replace(/ \(.*\)$/, '');
  const s = Math.max(0, Math.floor((now - c.startedAt) / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

export function gpuText(gpus: number): string | null {
  return gpus === 0 ? null : gpus === -1 ? 'GPU: all' : `GPU × ${gpus}`;
}

export interface FleetFilter {
  host: number | null;
  state: string;
  image: string;
  project: string;
  text: string;
  gpuOnly: boolean;
}

export const EMPTY_FLEET_FILTER: FleetFilter = {
  host: null,
  state: '',
  image: '',
  project: '',
  text: '',
  gpuOnly: false,
};

export interface FleetRow {
  hostId: number;
  hostName: string;
  c: ContainerSummary;
}

export function fleetRows(hosts: readonly DockerFleetHost[], f: FleetFilter): FleetRow[] {
  const text = f.text.trim().toLowerCase();
  const rows: FleetRow[] = [];
  for (const h of hosts) {
    if (f.host !== null && h.hostId !== f.host) continue;
    for (const c of h.containers) {
      if (f.state && c.state !== f.state) continue;
      if (f.image && c.image !== f.image) continue;
      if (f.project && (c.project ?? '') !== (f.project === '(none)' ? '' : f.project)) continue;
      if (f.gpuOnly && c.gpus === 0) continue;
      if (text && !`${c.name} ${c.image} ${c.project ?? ''} ${h.hostName}`.toLowerCase().includes(text))
        continue;
      rows.push({ hostId: h.hostId, hostName: h.hostName, c });
    }
  }
  return rows.sort(
    (a, b) =>
      a.hostName.localeCompare(b.hostName) ||
      (a.c.project ?? '~').localeCompare(b.c.project ?? '~') ||
      a.c.name.localeCompare(b.c.name),
  );
}

/** The distinct values a fleet column takes, for its filter's choices. */
export function fleetChoices(hosts: readonly DockerFleetHost[]): { images: string[]; projects: string[] } {
  const images = new Set<string>();
  const projects = new Set<string>();
  for (const h of hosts) {
    for (const c of h.containers) {
      images.add(c.image);
      projects.add(c.project ?? '(none)');
    }
  }
  return { images: [...images].sort(), projects: [...projects].sort() };
}

export function statsById(items: readonly ContainerStatsSample[]): Record<string, ContainerStatsSample> {
  const out: Record<string, ContainerStatsSample> = {};
  for (const s of items) out[s.id] = s;
  return out;
}

// ---- Logs ----

export interface LogLine {
  seq: number;
  s: 'out' | 'err';
  ts: string;
  text: string;
}

export interface DockerLog {
  lines: readonly LogLine[];
  dropped: number;
  next: number;
  ended: string | null | false;
}

export const LOGS_KEEP = 20_000;
export const EMPTY_DOCKER_LOG: DockerLog = { lines: [], dropped: 0, next: 0, ended: false };

/** The log with these events added, cut to the newest `keep` lines. */
export function appendDockerLog(
  log: DockerLog,
  events: readonly DockerLogEvent[],
  keep = LOGS_KEEP,
): DockerLog {
  let next = log.next;
  let ended = log.ended;
  const fresh: LogLine[] = [];
  for (const e of events) {
    if (e.t === 'end') {
      ended = e.reason;
      continue;
    }
    for (const [ts, text] of e.lines) fresh.push({ seq: next++, s: e.s, ts, text });
  }
  if (fresh.length === 0) return ended === log.ended ? log : { ...log, ended };
  const total = log.lines.length + fresh.length;
  const cut = Math.max(0, total - keep);
  const lines =
    cut >= log.lines.length ? fresh.slice(cut - log.lines.length) : [...log.lines.slice(cut), ...fresh];
  return { lines, dropped: log.dropped + cut, next, ended };
}

/** Lines matching a search (case-insensitive text), optionally one stream only. */
export function filterLog(
  lines: readonly LogLine[],
  query: string,
  stream: 'all' | 'out' | 'err',
): LogLine[] {
  const q = query.trim().toLowerCase();
  return lines.filter(
    (l) => (stream === 'all' || l.s === stream) && (!q || l.text.toLowerCase().includes(q)),
  );
}

/** "12:03:04.123" from Docker's RFC 3339 nanosecond timestamp (in local time). */
export function shortTs(ts: string): string {
  const t = Date.parse(ts);
  if (!Number.isFinite(t)) return '';
  const d = new Date(t);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The log as a text file: one line each, "timestamp stream text". */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((l) => `${l.ts} ${l.s === 'err' ? 'stderr' : 'stdout'} ${l.text}`).join('\n') + '\n';
}

/** Unix seconds for a "since" choice: '' (the last lines), '5m', '1h', '24h', or a local date-time. */
export function sinceSeconds(choice: string, now = Date.now()): number | undefined {
  const m = /^(\d+)([mhd])$/.exec(choice);
  if (m) {
    const unit = { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd'];
    return Math.floor(now / 1000) - Number(m[1]) * unit;
  }
  if (!choice) return undefined;
  const t = Date.parse(choice);
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}
