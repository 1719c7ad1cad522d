// Turns two raw collector records (cumulative counters) into a sample with rates and percentages.
import type {
  CpuFigures,
  HostMetricsSample,
  MemoryFigures,
  UserUsage,
} from '../../../shared/api/metrics-domain';
import type { CpuTimes, RawRecord, UserReading } from './record';

const busy = (t: CpuTimes): number => t.user + t.nice + t.system + t.irq + t.softirq + t.steal + t.iowait;
const all = (t: CpuTimes): number => busy(t) + t.idle;
const pct = (part: number, whole: number): number =>
  whole <= 0 ? 0 : Math.round(Math.min(100, Math.max(0, (part / whole) * 100)) * 10) / 10;

/** CPU shares between two readings; iowait counts as busy (the core is waiting on a disk). */
export function cpuFigures(prev: CpuTimes, cur: CpuTimes): CpuFigures | null {
  const d = (k: keyof CpuTimes): number => Math.max(0, cur[k] - prev[k]);
  const whole = all(cur) - all(prev);
  if (whole <= 0) return null;
  return {
    total: pct(whole - d('idle'), whole),
    user: pct(d('user') + d('nice'), whole),
    system: pct(d('system') + d('irq') + d('softirq'), whole),
    iowait: pct(d('iowait'), whole),
    steal: pct(d('steal'), whole),
  };
}

/** /proc/meminfo (kB) as the figures people read; "used" as free(1) counts it. */
export function memoryFigures(m: Record<string, number>): MemoryFigures | null {
  const total = m['MemTotal'];
  if (total === undefined) return null;
  const free = m['MemFree'] ?? 0;
  const cache = (m['Cached'] ?? 0) + (m['SReclaimable'] ?? 0);
  const buffers = m['Buffers'] ?? 0;
  const available = m['MemAvailable'] ?? free + cache + buffers;
  const swapTotal = m['SwapTotal'] ?? 0;
  const kb = 1024;
  return {
    totalBytes: total * kb,
    usedBytes: Math.max(0, total - free - cache - buffers) * kb,
    cacheBytes: (cache + buffers) * kb,
    availableBytes: available * kb,
    swapTotalBytes: swapTotal * kb,
    swapUsedBytes: Math.max(0, swapTotal - (m['SwapFree'] ?? swapTotal)) * kb,
  };
}

const perSecond = (now: number, before: number, seconds: number): number =>
  Math.round(Math.max(0, now - before) / seconds);

export interface Reading {
  ts: number;
  record: RawRecord;
}

/** The parts of a sample that do not come with every record (disk space, GPU processes, users). */
export interface Carried {
  mounts: HostMetricsSample['mounts'];
  gpuProcesses: HostMetricsSample['gpuProcesses'];
  users: HostMetricsSample['users'];
  usersFrom: HostMetricsSample['usersFrom'];
}

/** A record's per-user counters with when they were read (seconds, the host's uptime where known). */
export interface UserPoint {
  atSec: number;
  cores: number;
  reading: UserReading;
}

export function userPoint(cur: Reading): UserPoint | null {
  const r = cur.record;
  if (!r.users) return null;
  return { atSec: r.uptimeSec ?? cur.ts / 1000, cores: Math.max(1, r.cores.length), reading: r.users };
}

/** CPU counters per second: cgroup's usage_usec, /proc's clock ticks (USER_HZ, 100 on Linux). */
const CPU_UNITS = { cgroup: 1e6, proc: 100 } as const;

/**
 * Each user's CPU share of the whole host (all cores) between two readings, and memory now; a user
 * not in the earlier reading (or a source that changed) has no CPU figure yet. Busiest first.
 */
export function userFigures(
  prev: UserPoint | null,
  cur: UserPoint,
  names: ReadonlyMap<number, string>,
): UserUsage[] {
  const same = prev !== null && prev.reading.source === cur.reading.source;
  const before = new Map(same ? prev.reading.users.map((u) => [u.uid, u.cpu]) : []);
  const seconds = same ? cur.atSec - prev.atSec : 0;
  const capacity = seconds * CPU_UNITS[cur.reading.source] * cur.cores;
  const out = cur.reading.users.map((u): UserUsage => {
    const b = before.get(u.uid);
    // Processes that ended since take their time with them: a drop counts as nothing used.
    const cpuPercent =
      capacity > 0 && b != null && u.cpu !== null ? pct(Math.max(0, u.cpu - b), capacity) : null;
    return {
      user: names.get(u.uid) ?? String(u.uid),
      uid: u.uid,
      cpuPercent,
      memoryBytes: u.memBytes,
      processes: u.processes,
    };
  });
  return out.sort(
    (a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || b.memoryBytes - a.memoryBytes || a.uid - b.uid,
  );
}

export function toSample(
  hostId: number,
  prev: Reading | null,
  cur: Reading,
  carried: Carried,
): HostMetricsSample {
  const r = cur.record;
  const p = prev?.record ?? null;
  const seconds = prev ? (cur.ts - prev.ts) / 1000 : 0;
  const rates = p !== null && seconds > 0;
  let diskReadBps: number | null = null;
  let diskWriteBps: number | null = null;
  if (rates) {
    const before = new Map(p.disks.map((d) => [d.dev, d]));
    let rd = 0;
    let wr = 0;
    for (const d of r.disks) {
      const b = before.get(d.dev);
      if (!b) continue;
      rd += perSecond(d.readSectors, b.readSectors, seconds) * 512;
      wr += perSecond(d.writeSectors, b.writeSectors, seconds) * 512;
    }
    diskReadBps = rd;
    diskWriteBps = wr;
  }
  const interfaces: HostMetricsSample['interfaces'] = [];
  if (rates) {
    const before = new Map(p.net.map((n) => [n.iface, n]));
    for (const n of r.net) {
      const b = before.get(n.iface);
      if (!b || n.iface === 'lo') continue;
      interfaces.push({
        iface: n.iface,
        rxBps: perSecond(n.rxBytes, b.rxBytes, seconds),
        txBps: perSecond(n.txBytes, b.txBytes, seconds),
      });
    }
  }
  const cores: number[] = [];
  if (p) {
    r.cores.forEach((c, i) => {
      const b = p.cores[i];
      cores.push(b ? (cpuFigures(b, c)?.total ?? 0) : 0);
    });
  }
  return {
    hostId,
    ts: cur.ts,
    uptimeSec: r.uptimeSec,
    cpu: p?.cpu && r.cpu ? cpuFigures(p.cpu, r.cpu) : null,
    cores,
    load: r.load,
    memory: memoryFigures(r.meminfo),
    mounts: carried.mounts,
    diskReadBps,
    diskWriteBps,
    interfaces,
    netRxBps: rates ? interfaces.reduce((s, i) => s + i.rxBps, 0) : null,
    netTxBps: rates ? interfaces.reduce((s, i) => s + i.txBps, 0) : null,
    processes: r.processes,
    gpus: r.gpu?.gpus ?? [],
    gpuProcesses: carried.gpuProcesses,
    gpuError: r.gpu?.error ?? null,
    users: carried.users,
    usersFrom: carried.usersFrom,
  };
}
