// The Docker area's service: each host's engine (found and reached through engines.ts) asked for
// its containers, images, volumes and networks; container actions and removal; inspect; a short
// exec; the fleet of every host's containers. Long work (prune, pull) is built as jobs here and
// started by the area's API.
import { Writable } from 'node:stream';
import type { ContainerInspectInfo } from 'dockerode';
import type {
  ContainerSummary,
  DockerFleetHost,
  DockerStatus,
  ImageSummary,
  InspectResult,
  NetworkSummary,
  PrunePreview,
  PruneSelection,
  VolumeSummary,
} from '../../../shared/api/docker-domain';
import { ApiError } from '../../../shared/api/errors';
import { InspectCache, factsOf } from './containers';
import { mapDockerError } from './docker-errors';
import type { DockerEngines, Engine } from './engines';
import { previewOf, pruneFacts, formatBytes } from './prune';
import { imageSummaries, networkSummaries, volumeSummaries } from './resources';

export type ContainerAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'kill';

export class DockerService {
  private readonly caches = new Map<number, InspectCache>();

  constructor(
    readonly engines: DockerEngines,
    private readonly hostList: () => { id: number; name: string }[],
    private readonly isOnline: (hostId: number) => boolean,
  ) {}

  engine(hostId: number): Promise<Engine> {
    return this.engines.get(hostId);
  }

  private cache(hostId: number): InspectCache {
    let c = this.caches.get(hostId);
    if (!c) this.caches.set(hostId, (c = new InspectCache()));
    return c;
  }

  /** Runs `fn` against the host's engine, turning what goes wrong into a sentence about it. */
  private async on<T>(hostId: number, what: string, fn: (e: Engine) => Promise<T>): Promise<T> {
    const e = await this.engine(hostId);
    try {
      return await fn(e);
    } catch (err) {
      throw mapDockerError(err, e.hostName, what);
    }
  }

  status(hostId: number): Promise<DockerStatus> {
    return this.on(hostId, '', async (e) => {
      const [info, version] = await Promise.all([
        e.docker.info() as Promise<Record<string, unknown>>,
        e.docker.version(),
      ]);
      const num = (k: string): number => {
        const v = info[k];
        return typeof v === 'number' ? v : 0;
      };
      const str = (k: string, or: string): string => {
        const v = info[k];
        return typeof v === 'string' ? v : or;
      };
      const runtimes = Object.keys((info['Runtimes'] as Record<string, unknown> | undefined) ?? {});
      return {
        hostId,
        hostName: e.hostName,
        via: e.route.via,
        endpoint: e.route.via === 'socket' ? e.route.socket : e.route.dockerHost,
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: str('OperatingSystem', version.Os),
        kernel: str('KernelVersion', version.KernelVersion),
        storageDriver: str('Driver', ''),
        cpus: num('NCPU'),
        memTotalBytes: num('MemTotal'),
        containers: {
          total: num('Containers'),
          running: num('ContainersRunning'),
          paused: num('ContainersPaused'),
          stopped: num('ContainersStopped'),
        },
        images: num('Images'),
        gpuRuntime: runtimes.includes('nvidia'),
      };
    });
  }

  containers(hostId: number): Promise<ContainerSummary[]> {
    return this.on(hostId, 'listing containers', (e) => this.cache(hostId).list(e));
  }

  /** Every host's containers, a few hosts at a time; a host without Docker says why. */
  async fleet(onlineOnly: boolean): Promise<DockerFleetHost[]> {
    const hosts = this.hostList().filter((h) => !onlineOnly || this.isOnline(h.id));
    const out: DockerFleetHost[] = [];
    for (let i = 0; i < hosts.length; i += 6) {
      const part = await Promise.all(
        hosts.slice(i, i + 6).map(async (h): Promise<DockerFleetHost> => {
          try {
            const containers = await withTimeout(this.containers(h.id), 20_000, h.name);
            return { hostId: h.id, hostName: h.name, ok: true, errorCode: null, error: null, containers };
          } catch (err) {
            const e = err instanceof ApiError ? err : new ApiError('INTERNAL', String(err));
            return {
              hostId: h.id,
              hostName: h.name,
              ok: false,
              errorCode: e.code,
              error: e.message,
              containers: [],
            };
          }
        }),
      );
      out.push(...part);
    }
    return out;
  }

  async inspect(hostId: number, id: string): Promise<InspectResult> {
    const info = await this.on(hostId, `container ${id}`, (e) => e.docker.getContainer(id).inspect());
    return {
      summary: inspectSummary(info),
      raw: JSON.stringify(info, null, 2),
      tty: info.Config?.Tty === true,
    };
  }

  /** Finds a container's name for messages and the history (its id when it cannot). */
  async nameOf(hostId: number, id: string): Promise<string> {
    try {
      const e = await this.engine(hostId);
      const info = await e.docker.getContainer(id).inspect();
      return info.Name.replace(/^\//, '');
    } catch {
      return id.length === 64 ? id.slice(0, 12) : id;
    }
  }

  async action(
    hostId: number,
    id: string,
    action: ContainerAction,
    timeoutS?: number,
  ): Promise<ContainerSummary | null> {
    return this.on(hostId, `container ${id}`, async (e) => {
      const c = e.docker.getContainer(id);
      const t = timeoutS === undefined ? {} : { t: timeoutS };
      try {
        if (action === 'start') await c.start();
        else if (action === 'stop') await c.stop(t);
        else if (action === 'restart') await c.restart(t);
        else if (action === 'pause') await c.pause();
        else if (action === 'unpause') await c.unpause();
        else await c.kill();
      } catch (err) {
        // 304: already in that state; nothing to do.
        if ((err as { statusCode?: number }).statusCode !== 304) throw err;
      }
      this.cache(hostId).forget(id);
      const list = await this.cache(hostId).list(e);
      return list.find((x) => x.id === id || x.name === id) ?? null;
    });
  }

  async remove(hostId: number, id: string, force: boolean, removeVolumes: boolean): Promise<void> {
    await this.on(hostId, `container ${id}`, (e) =>
      e.docker.getContainer(id).remove({ force, v: removeVolumes }),
    );
    this.cache(hostId).forget(id);
  }

  images(hostId: number): Promise<ImageSummary[]> {
    return this.on(hostId, 'listing images', async (e) => {
      const [images, containers] = await Promise.all([
        e.docker.listImages(),
        e.docker.listContainers({ all: true }),
      ]);
      return imageSummaries(images, containers);
    });
  }

  removeImage(
    hostId: number,
    ref: string,
    force: boolean,
  ): Promise<{ untagged: string[]; deleted: string[] }> {
    return this.on(hostId, `image ${ref}`, async (e) => {
      const r = (await e.docker.getImage(ref).remove({ force })) as { Untagged?: string; Deleted?: string }[];
      return {
        untagged: r.flatMap((x) => (x.Untagged ? [x.Untagged] : [])),
        deleted: r.flatMap((x) => (x.Deleted ? [x.Deleted] : [])),
      };
    });
  }

  volumes(hostId: number): Promise<VolumeSummary[]> {
    return this.on(hostId, 'listing volumes', async (e) => {
      const [vols, containers, df] = await Promise.all([
        e.docker.listVolumes(),
        e.docker.listContainers({ all: true }),
        e.docker.df() as Promise<{ Volumes?: { Name: string; UsageData?: { Size: number } | null }[] }>,
      ]);
      const sizes = new Map((df.Volumes ?? []).map((v) => [v.Name, v.UsageData?.Size ?? -1]));
      return volumeSummaries(vols.Volumes ?? [], containers, sizes);
    });
  }

  async removeVolume(hostId: number, name: string): Promise<void> {
    await this.on(hostId, `volume ${name}`, (e) => e.docker.getVolume(name).remove());
  }

  networks(hostId: number): Promise<NetworkSummary[]> {
    return this.on(hostId, 'listing networks', async (e) => {
      const [nets, containers] = await Promise.all([
        e.docker.listNetworks(),
        e.docker.listContainers({ all: true }),
      ]);
      return networkSummaries(nets, containers);
    });
  }

  prunePreview(hostId: number, sel: PruneSelection): Promise<PrunePreview> {
    return this.on(hostId, 'the prune preview', async (e) => previewOf(hostId, sel, await pruneFacts(e)));
  }

  /** Runs a command in a container without a tty; stdout and stderr apart (docker-modem's demuxer). */
  exec(
    hostId: number,
    id: string,
    cmd: string[],
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return this.on(hostId, `container ${id}`, async (e) => {
      const ex = await e.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = (await ex.start({})) as unknown as NodeJS.ReadableStream;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const sink = (into: Buffer[]): Writable =>
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            into.push(chunk);
            cb();
          },
        });
      await new Promise<void>((resolve, reject) => {
        e.docker.modem.demuxStream(stream, sink(out), sink(err));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const r = await ex.inspect();
      return {
        code: r.ExitCode ?? null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError('TIMEOUT', `${host} did not answer the Docker API within ${ms / 1000} s.`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

const when = (iso: string | undefined): string => {
  const t = Date.parse(iso ?? '');
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '—';
};

export function inspectSummary(i: ContainerInspectInfo): [string, string][] {
  const facts = factsOf(i);
  const ports = Object.entries(i.NetworkSettings?.Ports ?? {}).map(([p, b]) =>
    b?.length ? `${b.map((x) => `${x.HostIp || '0.0.0.0'}:${x.HostPort}`).join(', ')} → ${p}` : p,
  );
  const nets = Object.entries(i.NetworkSettings?.Networks ?? {}).map(
    ([n, v]) => `${n}${v.IPAddress ? ` (${v.IPAddress})` : ''}`,
  );
  const hc = i.HostConfig ?? {};
  const health = (i.State as { Health?: { Status?: string; FailingStreak?: number } }).Health;
  const rows: [string, string][] = [
    ['Name', i.Name.replace(/^\//, '')],
    ['Id', i.Id],
    ['Image', `${i.Config?.Image ?? ''} (${i.Image.replace(/^sha256:/, '').slice(0, 12)})`],
    ['State', `${i.State.Status}${i.State.Status === 'exited' ? ` (exit ${i.State.ExitCode})` : ''}`],
    [
      'Health',
      health?.Status
        ? `${health.Status}${health.FailingStreak ? `, ${health.FailingStreak} failing` : ''}`
        : 'no health check',
    ],
    ['Created', when(i.Created)],
    ['Started', when(i.State.StartedAt)],
    ['Finished', when(i.State.FinishedAt)],
    ['Restart policy', `${hc.RestartPolicy?.Name || 'no'} (restarted ${i.RestartCount} times)`],
    [
      'Command',
      [...(i.Config?.Entrypoint ? [i.Config.Entrypoint].flat() : []), ...(i.Config?.Cmd ?? [])].join(' ') ||
        '—',
    ],
    ['Working dir', i.Config?.WorkingDir || '/'],
    ['User', i.Config?.User || 'root (image default)'],
    ['TTY', i.Config?.Tty ? 'yes' : 'no'],
    ['Ports', ports.join('; ') || 'none'],
    ['Networks', nets.join(', ') || 'none'],
    [
      'Mounts',
      (i.Mounts ?? [])
        .map((m) => `${m.Name ?? m.Source} → ${m.Destination}${m.RW ? '' : ' (ro)'}`)
        .join('; ') || 'none',
    ],
    ['Memory limit', hc.Memory ? formatBytes(hc.Memory) : 'none'],
    ['CPU limit', hc.NanoCpus ? `${hc.NanoCpus / 1e9} CPUs` : 'none'],
    [
      'GPUs',
      facts.gpus === -1 ? 'all (device request)' : facts.gpus ? `${facts.gpus} (device request)` : 'none',
    ],
    ['Environment', `${i.Config?.Env?.length ?? 0} variables (see raw JSON)`],
    ['Labels', `${Object.keys(i.Config?.Labels ?? {}).length}`],
  ];
  return rows;
}
