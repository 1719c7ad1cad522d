// Parses one block of the collector's tagged lines (resources/metrics/collector.sh) into raw,
// cumulative figures; turning two of them into rates is rates.ts's job. Unknown or damaged lines
// are counted and skipped, never thrown.
import type { GpuProcess, MountUsage } from '../../../shared/api/metrics-domain';
import { parseComputeApp, parseGpuLines, type GpuParse } from './nvidia-smi';

export interface CpuTimes {
  /** /proc/stat's jiffies: user, nice, system, idle, iowait, irq, softirq, steal. */
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** One user's cumulative counters: CPU in µs (cgroup) or clock ticks (/proc). */
export interface UserCounters {
  uid: number;
  cpu: number | null;
  memBytes: number;
  processes: number | null;
}

export interface UserReading {
  source: 'cgroup' | 'proc';
  users: UserCounters[];
}

export interface RawRecord {
  uptimeSec: number | null;
  cpu: CpuTimes | null;
  cores: CpuTimes[];
  load: [number, number, number] | null;
  /** /proc/meminfo, in kB, by key without the colon. */
  meminfo: Record<string, number>;
  /** Whole disks: sectors (512 bytes) read and written. */
  disks: { dev: string; readSectors: number; writeSectors: number }[];
  net: { iface: string; rxBytes: number; txBytes: number }[];
  processes: number | null;
  /** Present only in the samples that measured them. */
  mounts: (MountUsage & { device: string })[] | null;
  gpu: GpuParse | null;
  /** The uid column of each compute app, before users are named. */
  gpuApps: { uid: number; line: string }[] | null;
  /** Per-user counters, in the samples that measured them. */
  users: UserReading | null;
  /** Users named again (/etc/passwd re-read when an unknown uid turned up). */
  names: [uid: number, name: string][];
  skipped: number;
}

export interface CollectorHeader {
  users: Map<number, string>;
  gpu: boolean;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

function cpuTimes(fields: string[]): CpuTimes | null {
  const v = fields.map((f) => num(f) ?? 0);
  if (fields.length < 4 || num(fields[3]) === null) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  return { user, nice, system, idle, iowait, irq, softirq, steal };
}

/** The collector's first block: users (uid → name) and whether nvidia-smi was found. */
export function parseHeader(lines: string[]): CollectorHeader {
  const users = new Map<number, string>();
  let gpu = false;
  for (const line of lines) {
    if (line.startsWith('U ')) {
      const [, uid, name] = line.split(' ');
      const id = num(uid);
      if (id !== null && name) users.set(id, name);
    } else if (line.startsWith('H')) gpu = line.slice(1).trim() === '1';
  }
  return { users, gpu };
}

export function parseRecord(lines: string[]): RawRecord {
  const r: RawRecord = {
    uptimeSec: null,
    cpu: null,
    cores: [],
    load: null,
    meminfo: {},
    disks: [],
    net: [],
    processes: null,
    mounts: null,
    gpu: null,
    gpuApps: null,
    users: null,
    names: [],
    skipped: 0,
  };
  const gpuLines: string[] = [];
  for (const line of lines) {
    const tag = line.slice(0, 2);
    const rest = line.slice(2);
    const f = rest.trim().split(/\s+/);
    let ok = true;
    switch (tag) {
      case 'T ':
        r.uptimeSec = num(f[0]);
        ok = r.uptimeSec !== null;
        break;
      case 'C ': {
        const t = cpuTimes(f.slice(1));
        if (!t) ok = false;
        else if (f[0] === 'cpu') r.cpu = t;
        else if (/^cpu\d+$/.test(f[0] ?? '')) r.cores.push(t);
        else ok = false;
        break;
      }
      case 'L ': {
        const [a, b, c] = f.map(num);
        if (a == null || b == null || c == null) ok = false;
        else r.load = [a, b, c];
        break;
      }
      case 'M ': {
        const v = num(f[1]);
        if (!f[0]?.endsWith(':') || v === null) ok = false;
        else r.meminfo[f[0].slice(0, -1)] = v;
        break;
      }
      case 'D ': {
        const [dev, , rs, , ws] = f;
        const readSectors = num(rs);
        const writeSectors = num(ws);
        if (!dev || readSectors === null || writeSectors === null) ok = false;
        else r.disks.push({ dev, readSectors, writeSectors });
        break;
      }
      case 'N ': {
        // "eth0: 123 ..." or, with big counters, "eth0:123 ...".
        const colon = rest.indexOf(':');
        const iface = rest.slice(0, colon).trim();
        const v = rest
          .slice(colon + 1)
          .trim()
          .split(/\s+/)
          .map(num);
        const rx = v[0];
        const tx = v[8];
        if (colon < 1 || rx == null || tx == null) ok = false;
        else r.net.push({ iface, rxBytes: rx, txBytes: tx });
        break;
      }
      case 'P ':
        r.processes = num(f[0]);
        ok = r.processes !== null;
        break;
      case 'F ': {
        const m = parseMount(rest);
        if (!m) ok = false;
        else (r.mounts ??= []).push(m);
        break;
      }
      case 'G ':
        gpuLines.push(rest);
        break;
      case 'A ': {
        r.gpuApps ??= [];
        if (rest.trim() === '-') break;
        const sp = rest.indexOf(' ');
        const uid = num(rest.slice(0, sp));
        if (sp < 1 || uid === null) ok = false;
        else r.gpuApps.push({ uid, line: rest.slice(sp + 1) });
        break;
      }
      case 'S ':
      case 'R ': {
        const source = tag === 'S ' ? 'cgroup' : 'proc';
        if (r.users && r.users.source !== source) {
          ok = false;
          break;
        }
        r.users ??= { source, users: [] };
        if (f[0] === '-' && f.length === 1) break;
        const [uid, cpu, mem, procs] = f.map(num);
        if (uid == null || mem == null || f.length !== 4 || (cpu === null && f[1] !== '-')) ok = false;
        else
          r.users.users.push({
            uid,
            cpu: cpu ?? null,
            // /proc's rss is in kB; memory.current in bytes.
            memBytes: source === 'proc' ? mem * 1024 : mem,
            processes: procs ?? null,
          });
        break;
      }
      case 'U ': {
        const id = num(f[0]);
        if (id === null || !f[1]) ok = false;
        else r.names.push([id, f[1]]);
        break;
      }
      default:
        ok = line.trim() === '';
    }
    if (!ok) r.skipped++;
  }
  if (gpuLines.length > 0) {
    r.gpu = parseGpuLines(gpuLines);
    r.skipped += r.gpu.skipped;
  }
  return r;
}

/** "F <size> <used> <avail> <device> <mount>" (kB; the mount last, as it may hold spaces). */
function parseMount(rest: string): (MountUsage & { device: string }) | null {
  const m = /^(\d+) (\d+) (\d+) (\S+) (.+)$/.exec(rest.trim());
  if (!m) return null;
  return {
    totalBytes: Number(m[1]) * 1024,
    usedBytes: Number(m[2]) * 1024,
    availableBytes: Number(m[3]) * 1024,
    device: m[4]!,
    mount: m[5]!,
  };
}

/** One row per filesystem (a device mounted twice, or bind-mounted, counts once: its shortest path). */
export function distinctMounts(mounts: (MountUsage & { device: string })[]): MountUsage[] {
  const byDevice = new Map<string, MountUsage & { device: string }>();
  for (const m of mounts) {
    const seen = byDevice.get(m.device);
    if (!seen || m.mount.length < seen.mount.length) byDevice.set(m.device, m);
  }
  return [...byDevice.values()].map(({ device: _device, ...m }) => m);
}

/** Names the users of a record's GPU processes (garbage lines left out). */
export function gpuProcesses(r: RawRecord, users: Map<number, string>): GpuProcess[] | null {
  if (!r.gpuApps) return null;
  const out: GpuProcess[] = [];
  for (const a of r.gpuApps) {
    const app = parseComputeApp(a.line);
    if (app) out.push({ ...app, user: a.uid >= 0 ? (users.get(a.uid) ?? String(a.uid)) : null });
  }
  return out;
}
