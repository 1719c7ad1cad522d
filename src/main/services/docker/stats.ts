// Live CPU, memory, network and block I/O of a host's running containers: one-shot stats of each
// (a few at a time, over the kept-alive channels) every interval, CPU % from the difference to the
// previous sample — the same arithmetic as `docker stats`.
import type { ContainerStats } from 'dockerode';
import type { ContainerStatsSample, DockerStatsEvent } from '../../../shared/api/docker-domain';
import type { StreamSource } from '../../lib/area';
import { mapDockerError } from './docker-errors';
import type { Engine } from './engines';

interface CpuPoint {
  total: number;
  system: number;
  cpus: number;
}

export function cpuPoint(s: ContainerStats): CpuPoint | null {
  const total = s.cpu_stats?.cpu_usage?.total_usage;
  const system = s.cpu_stats?.system_cpu_usage;
  if (typeof total !== 'number' || typeof system !== 'number') return null;
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  return { total, system, cpus };
}

/** Percent of one CPU between two samples (docker stats' formula), null when it cannot tell. */
export function cpuPercent(prev: CpuPoint | null, now: CpuPoint | null): number | null {
  if (!prev || !now) return null;
  const dTotal = now.total - prev.total;
  const dSystem = now.system - prev.system;
  if (dSystem <= 0 || dTotal < 0) return null;
  return (dTotal / dSystem) * now.cpus * 100;
}

/** Memory as `docker stats` shows it: usage less the page cache (cgroup v1 `cache`, v2 `inactive_file`). */
export function memoryOf(s: ContainerStats): { used: number; limit: number } {
  const m = s.memory_stats ?? ({} as ContainerStats['memory_stats']);
  const st = (m.stats ?? {}) as Record<string, number | undefined>;
  const cache = st['inactive_file'] ?? st['total_inactive_file'] ?? st['cache'] ?? 0;
  const usage = m.usage ?? 0;
  return { used: Math.max(0, usage - (cache < usage ? cache : 0)), limit: m.limit ?? 0 };
}

export function sampleOf(id: string, s: ContainerStats, prev: CpuPoint | null): ContainerStatsSample {
  const mem = memoryOf(s);
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const b of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = b.op.toLowerCase();
    if (op === 'read') read += b.value;
    else if (op === 'write') write += b.value;
  }
  return {
    id,
    cpuPct: cpuPercent(prev, cpuPoint(s)),
    memBytes: mem.used,
    memLimitBytes: mem.limit,
    netRxBytes: rx,
    netTxBytes: tx,
    blockReadBytes: read,
    blockWriteBytes: write,
    pids: s.pids_stats?.current ?? 0,
  };
}

export function statsSource(
  engine: () => Promise<Engine>,
  hostName: string,
  intervalMs = 2000,
): StreamSource<DockerStatsEvent> {
  const prev = new Map<string, CpuPoint | null>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let paused = false;
  let busy = false;
  let emit: (e: DockerStatsEvent) => void = () => {};
  const poll = async (): Promise<void> => {
    if (busy || paused || stopped) return;
    busy = true;
    try {
      const e = await engine();
      const running = await e.docker.listContainers({ filters: { status: ['running'] } });
      const items: ContainerStatsSample[] = [];
      for (let i = 0; i < running.length; i += 4) {
        await Promise.all(
          running.slice(i, i + 4).map(async (c) => {
            try {
              const s = await e.docker.getContainer(c.Id).stats({ stream: false, 'one-shot': true });
              items.push(sampleOf(c.Id, s, prev.get(c.Id) ?? null));
              prev.set(c.Id, cpuPoint(s));
            } catch {
              /* stopped meanwhile */
            }
          }),
        );
      }
      const live = new Set(running.map((c) => c.Id));
      for (const id of prev.keys()) if (!live.has(id)) prev.delete(id);
      if (!stopped) emit({ t: 'stats', at: Date.now(), items });
    } catch (err) {
      if (!stopped) emit({ t: 'error', message: mapDockerError(err, hostName).message });
    } finally {
      busy = false;
    }
  };
  const schedule = (): void => {
    if (timer || stopped) return;
    timer = setInterval(() => void poll(), intervalMs);
  };
  return {
    start(e) {
      emit = e;
      void poll();
      schedule();
    },
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
    },
    stop: () => {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
