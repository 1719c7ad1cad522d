// Images, volumes and networks as the Docker tab lists them, each with what uses it.
import type { ContainerInfo, ImageInfo, NetworkInspectInfo, VolumeInspectInfo } from 'dockerode';
import type { ImageSummary, NetworkSummary, VolumeSummary } from '../../../shared/api/docker-domain';

const nameOf = (c: ContainerInfo): string => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
export const BUILTIN_NETWORKS = new Set(['bridge', 'host', 'none']);

export const isDangling = (i: Pick<ImageInfo, 'RepoTags'>): boolean =>
  !i.RepoTags?.length || i.RepoTags.every((t) => t === '<none>:<none>');

export function imageSummaries(images: ImageInfo[], containers: ContainerInfo[]): ImageSummary[] {
  const users = new Map<string, string[]>();
  for (const c of containers) users.set(c.ImageID, [...(users.get(c.ImageID) ?? []), nameOf(c)]);
  return images
    .map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      digests: (i.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
      sizeBytes: i.Size,
      sharedBytes: i.SharedSize ?? -1,
      createdAt: i.Created * 1000,
      usedBy: users.get(i.Id) ?? [],
      dangling: isDangling(i),
    }))
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** Volume name -> the containers (any state) that mount it. */
export function volumeUsers(containers: ContainerInfo[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of containers) {
    for (const m of c.Mounts ?? []) {
      if (m.Type === 'volume' && m.Name) users.set(m.Name, [...(users.get(m.Name) ?? []), nameOf(c)]);
    }
  }
  return users;
}

export const isAnonymous = (v: Pick<VolumeInspectInfo, 'Labels'>): boolean =>
  Object.prototype.hasOwnProperty.call(v.Labels ?? {}, 'com.docker.volume.anonymous');

export function volumeSummaries(
  volumes: VolumeInspectInfo[],
  containers: ContainerInfo[],
  sizes: Map<string, number>,
): VolumeSummary[] {
  const users = volumeUsers(containers);
  return volumes
    .map((v) => {
      const created = Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '');
      return {
        name: v.Name,
        driver: v.Driver,
        mountpoint: v.Mountpoint,
        createdAt: Number.isFinite(created) ? created : null,
        sizeBytes: sizes.get(v.Name) ?? -1,
        usedBy: users.get(v.Name) ?? [],
        anonymous: isAnonymous(v) || /^[a-f0-9]{64}$/.test(v.Name),
        labels: v.Labels ?? {},
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function networkSummaries(
  networks: NetworkInspectInfo[],
  containers: ContainerInfo[],
): NetworkSummary[] {
  const users = new Map<string, string[]>();
  for (const c of containers) {
    for (const n of Object.keys(c.NetworkSettings?.Networks ?? {}))
      users.set(n, [...(users.get(n) ?? []), nameOf(c)]);
  }
  return networks
    .map((n) => ({
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      scope: n.Scope,
      subnet: n.IPAM?.Config?.[0]?.Subnet ?? null,
      internal: n.Internal === true,
      builtin: BUILTIN_NETWORKS.has(n.Name),
      containers: users.get(n.Name) ?? [],
    }))
    .sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.name.localeCompare(b.name));
}
