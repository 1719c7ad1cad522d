// Prune with a preview: what the engine's prune endpoints would remove now (computed from the
// same rules they apply, in the order `docker system prune` runs them) and the space it frees;
// then the prune itself as a job whose log names each thing removed and any difference from the
// preview taken at its start.
import type { ContainerInfo, ImageInfo, NetworkInspectInfo, VolumeInspectInfo } from 'dockerode';
import type { PruneItem, PrunePreview, PruneSelection } from '../../../shared/api/docker-domain';
import type { JobSpec } from '../jobs/job-runner';
import type { Engine } from './engines';
import { BUILTIN_NETWORKS, isAnonymous, isDangling } from './resources';

/** States a container prune removes: everything not running, paused, restarting or being removed. */
const STOPPED = new Set(['created', 'exited', 'dead']);

export interface PruneFacts {
  apiVersion: string;
  containers: (ContainerInfo & { SizeRw?: number })[];
  images: (ImageInfo & { SharedSize: number })[];
  volumes: (VolumeInspectInfo & { UsageData?: { Size: number; RefCount: number } | null })[];
  /** Networks with their endpoints (inspect: only running containers have one). */
  networks: NetworkInspectInfo[];
}

export function apiAtLeast(v: string, want: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = want.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export function previewOf(hostId: number, sel: PruneSelection, f: PruneFacts): PrunePreview {
  const items: PruneItem[] = [];
  const notes: string[] = [];
  const gone = new Set<string>();
  if (sel.containers) {
    for (const c of f.containers) {
      if (!STOPPED.has(c.State)) continue;
      gone.add(c.Id);
      items.push({
        kind: 'container',
        id: c.Id,
        name: (c.Names?.[0] ?? short(c.Id)).replace(/^\//, ''),
        bytes: c.SizeRw ?? -1,
      });
    }
  }
  const remaining = f.containers.filter((c) => !gone.has(c.Id));
  if (sel.images !== 'none') {
    const used = new Set(remaining.map((c) => c.ImageID));
    for (const i of f.images) {
      if (used.has(i.Id)) continue;
      if (sel.images === 'dangling' && !isDangling(i)) continue;
      const tags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      items.push({
        kind: 'image',
        id: i.Id,
        name: tags.length ? tags.join(', ') : `<untagged> ${short(i.Id)}`,
        bytes: i.SharedSize >= 0 ? i.Size - i.SharedSize : i.Size,
      });
    }
  }
  if (sel.volumes) {
    const anonymousOnly = apiAtLeast(f.apiVersion, '1.42');
    if (anonymousOnly) {
      notes.push(
        'Named volumes are kept: this engine prunes only anonymous volumes (remove a named one from the Volumes list).',
      );
    }
    const used = new Set<string>();
    for (const c of remaining)
      for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) used.add(m.Name);
    for (const v of f.volumes) {
      if (used.has(v.Name)) continue;
      if (anonymousOnly && !isAnonymous(v)) continue;
      items.push({ kind: 'volume', id: v.Name, name: v.Name, bytes: v.UsageData?.Size ?? -1 });
    }
  }
  if (sel.networks) {
    for (const n of f.networks) {
      if (BUILTIN_NETWORKS.has(n.Name) || n.Scope === 'swarm') continue;
      if (Object.keys(n.Containers ?? {}).length > 0) continue;
      items.push({ kind: 'network', id: n.Id, name: n.Name, bytes: 0 });
    }
  }
  const totalBytes = items.reduce((s, i) => s + Math.max(0, i.bytes), 0);
  return { hostId, selection: sel, items, totalBytes, notes };
}

/** Gathers what the preview needs: a disk-usage report, the container list and the networks. */
export async function pruneFacts(engine: Engine): Promise<PruneFacts> {
  const d = engine.docker;
  const [df, version, networks] = await Promise.all([
    d.df() as Promise<{
      Images?: PruneFacts['images'];
      Containers?: PruneFacts['containers'];
      Volumes?: PruneFacts['volumes'];
    }>,
    d.version(),
    d.listNetworks(),
  ]);
  const custom = networks.filter((n) => !BUILTIN_NETWORKS.has(n.Name));
  const inspected = await Promise.all(
    custom.map((n) =>
      d
        .getNetwork(n.Id)
        .inspect()
        .catch(() => null),
    ),
  );
  return {
    apiVersion: version.ApiVersion,
    containers: df.Containers ?? [],
    images: df.Images ?? [],
    volumes: df.Volumes ?? [],
    networks: inspected.filter((n): n is NetworkInspectInfo => n !== null),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const KIND_STEP: Record<PruneItem['kind'], string> = {
  container: 'Stopped containers',
  image: 'Images',
  volume: 'Volumes',
  network: 'Networks',
};

export function pruneJob(engine: Engine, sel: PruneSelection): JobSpec {
  const steps = [
    ...(sel.containers ? [KIND_STEP.container] : []),
    ...(sel.images !== 'none' ? [KIND_STEP.image] : []),
    ...(sel.volumes ? [KIND_STEP.volume] : []),
    ...(sel.networks ? [KIND_STEP.network] : []),
  ];
  return {
    kind: 'docker.prune',
    title: `Docker prune: ${steps.join(', ').toLowerCase()}`,
    target: engine.hostName,
    hostIds: [engine.hostId],
    steps: ['Preview', ...steps],
    locks: [`docker:host:${engine.hostId}`],
    run: async (ctx) => {
      const d = engine.docker;
      const preview = await ctx.step('Preview', async () => {
        const p = previewOf(engine.hostId, sel, await pruneFacts(engine));
        ctx.log(`Previewed ${p.items.length} item(s), about ${formatBytes(p.totalBytes)}.\n`);
        ctx.detail('Preview', `${p.items.length} item(s), ${formatBytes(p.totalBytes)}`);
        return p;
      });
      const expected = new Set(preview.items.map((i) => `${i.kind}:${i.id}`));
      const removed: string[] = [];
      let freed = 0;
      const note = (kind: PruneItem['kind'], id: string, name: string): void => {
        removed.push(`${kind}:${id}`);
        const extra = expected.has(`${kind}:${id}`) ? '' : ' (not in the preview: it appeared since)';
        ctx.log(`removed ${kind} ${name}${extra}\n`);
      };
      const names = new Map(preview.items.map((i) => [`${i.kind}:${i.id}`, i.name]));
      const total = steps.length;
      let done = 0;
      const stepDone = (): void => ctx.progress(++done / total);
      if (sel.containers) {
        await ctx.step(KIND_STEP.container, async () => {
          ctx.signal.throwIfAborted();
          const r = await d.pruneContainers();
          for (const id of r.ContainersDeleted ?? [])
            note('container', id, names.get(`container:${id}`) ?? short(id));
          freed += r.SpaceReclaimed ?? 0;
          ctx.detail(KIND_STEP.container, `${r.ContainersDeleted?.length ?? 0} removed`);
          stepDone();
        });
      }
      if (sel.images !== 'none') {
        await ctx.step(KIND_STEP.image, async () => {
          ctx.signal.throwIfAborted();
          const r = await d.pruneImages(
            sel.images === 'unused' ? { filters: JSON.stringify({ dangling: ['false'] }) } : {},
          );
          const deleted = new Set((r.ImagesDeleted ?? []).flatMap((x) => (x.Deleted ? [x.Deleted] : [])));
          let n = 0;
          for (const i of preview.items.filter((x) => x.kind === 'image')) {
            if (deleted.has(i.id)) {
              note('image', i.id, i.name);
              n++;
            }
          }
          for (const x of r.ImagesDeleted ?? []) if (x.Untagged) ctx.log(`untagged ${x.Untagged}\n`);
          freed += r.SpaceReclaimed ?? 0;
          ctx.detail(KIND_STEP.image, `${n} removed`);
          stepDone();
        });
      }
      if (sel.volumes) {
        await ctx.step(KIND_STEP.volume, async () => {
          ctx.signal.throwIfAborted();
          const r = await d.pruneVolumes();
          for (const v of r.VolumesDeleted ?? []) note('volume', v, v);
          freed += r.SpaceReclaimed ?? 0;
          ctx.detail(KIND_STEP.volume, `${r.VolumesDeleted?.length ?? 0} removed`);
          stepDone();
        });
      }
      if (sel.networks) {
        await ctx.step(KIND_STEP.network, async () => {
          ctx.signal.throwIfAborted();
          const r = await d.pruneNetworks();
          const byName = new Map(
            preview.items.filter((i) => i.kind === 'network').map((i) => [i.name, i.id]),
          );
          for (const n of r.NetworksDeleted ?? []) note('network', byName.get(n) ?? n, n);
          ctx.detail(KIND_STEP.network, `${r.NetworksDeleted?.length ?? 0} removed`);
          stepDone();
        });
      }
      const missed = [...expected].filter((k) => !removed.includes(k));
      for (const k of missed)
        ctx.log(`kept ${k.replace(':', ' ')} ${names.get(k) ?? ''}: in use again or removed meanwhile\n`);
      return `Removed ${removed.length} item(s), freed ${formatBytes(freed)}${missed.length ? `; ${missed.length} previewed item(s) stayed` : ''}.`;
    },
  };
}
