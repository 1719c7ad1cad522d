// Containers as the Docker tab shows them: the engine's list, plus what only inspect tells (GPU
// device requests, when it started, whether it has a tty), cached per container and state so a
// refresh costs one list call, not one inspect per container.
import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import type {
  ContainerHealth,
  ContainerState,
  ContainerSummary,
  PortBinding,
} from '../../../shared/api/docker-domain';
import type { Engine } from './engines';

const STATES = new Set<ContainerState>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

export function healthOf(status: string): ContainerHealth {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return null;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as 'healthy' | 'unhealthy');
}

/** GPU device requests: -1 for "all", else how many GPUs (ids or a count); 0 when none. */
export function gpusOf(inspect: Pick<ContainerInspectInfo, 'HostConfig'> | null | undefined): number {
  const reqs = (inspect?.HostConfig as { DeviceRequests?: unknown } | undefined)?.DeviceRequests;
  if (!Array.isArray(reqs)) return 0;
  let n = 0;
  for (const r of reqs as {
    Driver?: string;
    Count?: number;
    DeviceIDs?: string[];
    Capabilities?: string[][];
  }[]) {
    const gpu =
      r.Driver === 'nvidia' ||
      (r.Capabilities ?? []).some((set) => set.includes('gpu') || set.includes('nvidia'));
    if (!gpu) continue;
    if (r.Count === -1) return -1;
    n += r.DeviceIDs?.length ? r.DeviceIDs.length : (r.Count ?? 0);
  }
  return n;
}

/** Ports once each (Docker lists a binding per address family). */
export function portsOf(ports: ContainerInfo['Ports']): PortBinding[] {
  const seen = new Set<string>();
  const out: PortBinding[] = [];
  for (const p of ports ?? []) {
    const key = `${p.PrivatePort}/${p.Type}/${p.PublicPort ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      privatePort: p.PrivatePort,
      publicPort: p.PublicPort ?? null,
      ip: p.IP || null,
      type: p.Type,
    });
  }
  return out.sort((a, b) => a.privatePort - b.privatePort);
}

export interface InspectFacts {
  gpus: number;
  startedAt: number | null;
  tty: boolean;
}

export function factsOf(i: ContainerInspectInfo): InspectFacts {
  const started = Date.parse(i.State?.StartedAt ?? '');
  return {
    gpus: gpusOf(i),
    // Docker says 0001-01-01 for a container that never started.
    startedAt: Number.isFinite(started) && started > 0 ? started : null,
    tty: i.Config?.Tty === true,
  };
}

export function summarize(c: ContainerInfo, facts: InspectFacts | null): ContainerSummary {
  const labels = c.Labels ?? {};
  const state = (STATES.has(c.State as ContainerState) ? c.State : 'dead') as ContainerState;
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    imageId: c.ImageID,
    command: c.Command,
    state,
    status: c.Status,
    health: healthOf(c.Status),
    ports: portsOf(c.Ports),
    createdAt: c.Created * 1000,
    startedAt: state === 'running' || state === 'paused' ? (facts?.startedAt ?? null) : null,
    project: labels['com.docker.compose.project'] ?? null,
    service: labels['com.docker.compose.service'] ?? null,
    gpus: facts?.gpus ?? 0,
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      name: m.Name ?? null,
      source: m.Source,
      destination: m.Destination,
    })),
    labels,
  };
}

/** Inspect facts per container, refetched when its state changes (a restart, a start). */
export class InspectCache {
  private readonly byId = new Map<string, { key: string; facts: InspectFacts }>();

  async list(engine: Engine, all = true): Promise<ContainerSummary[]> {
    const list = await engine.docker.listContainers({ all });
    const keep = new Set(list.map((c) => c.Id));
    for (const id of this.byId.keys()) if (!keep.has(id)) this.byId.delete(id);
    const missing = list.filter((c) => this.byId.get(c.Id)?.key !== keyOf(c));
    // A few at a time: each in-flight request holds a channel on the host's connection.
    for (let i = 0; i < missing.length; i += 4) {
      await Promise.all(
        missing.slice(i, i + 4).map(async (c) => {
          try {
            const info = await engine.docker.getContainer(c.Id).inspect();
            this.byId.set(c.Id, { key: keyOf(c), facts: factsOf(info) });
          } catch {
            /* removed meanwhile: listed without the extra facts */
          }
        }),
      );
    }
    return list.map((c) => summarize(c, this.byId.get(c.Id)?.facts ?? null));
  }

  forget(id: string): void {
    this.byId.delete(id);
  }
}

/** What changes when a container starts again; "Up 3 seconds" vs "Up 2 hours" tells a restart too. */
function keyOf(c: ContainerInfo): string {
  const up = /^Up (Less than a second|\d+ seconds?)/.test(c.Status) ? 'fresh' : 'up';
  return `${c.State}|${c.State === 'running' ? up : c.Status}`;
}
