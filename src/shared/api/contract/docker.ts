// Docker: each host's engine, reached over the host's pooled SSH connection — containers (with
// actions, logs, a shell, inspect and live stats), images, volumes, networks, prune and pull; and
// every host's containers in one fleet view.
import { z } from 'zod';
import type {
  ContainerShellInfo,
  ContainerShellSummary,
  ContainerSummary,
  DockerFleetHost,
  DockerLogEvent,
  DockerStatsEvent,
  DockerStatus,
  ImageSummary,
  InspectResult,
  NetworkSummary,
  PrunePreview,
  VolumeSummary,
} from '../docker-domain';
import type { JobInfo, TerminalEvent } from '../domain';
import { call, out, stream } from './define';
import { hostId } from './hosts';

/** A container's id or name: no slash, no path tricks (it goes into the engine's URL path). */
export const containerRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a container id or name');

/** An image id (sha256:…) or reference (registry/name:tag or @digest). */
export const imageRef = z
  .string()
  .max(255)
  .regex(
    /^(sha256:[a-f0-9]{64}|[A-Za-z0-9][A-Za-z0-9._\-/:@]*)$/,
    'must be an image id or a reference like registry/name:tag',
  )
  .refine((s) => !s.includes('..') && !s.includes('//'), 'must be an image id or reference');

const volumeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, 'must be a volume name');

const onHost = z.object({ hostId }).strict();
const onContainer = z.object({ hostId, id: containerRef }).strict();

export const pruneSelection = z
  .object({
    containers: z.boolean(),
    images: z.enum(['none', 'dangling', 'unused']),
    volumes: z.boolean(),
    networks: z.boolean(),
  })
  .strict()
  .refine(
    (s) => s.containers || s.images !== 'none' || s.volumes || s.networks,
    'pick at least one kind of thing to prune',
  );

const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

export const dockerCalls = {
  /** Whether and how the host answers the Docker API; fails with what is wrong when it does not. */
  'docker.status': call({ input: onHost, output: out<DockerStatus>(), mutating: false }),
  'docker.containers': call({ input: onHost, output: out<ContainerSummary[]>(), mutating: false }),
  /** Every host's containers; hosts without Docker say why. */
  'docker.fleet': call({
    input: z.object({ onlineOnly: z.boolean().default(false) }).strict(),
    output: out<DockerFleetHost[]>(),
    mutating: false,
  }),
  'docker.inspect': call({ input: onContainer, output: out<InspectResult>(), mutating: false }),
  'docker.action': call({
    input: z
      .object({
        hostId,
        id: containerRef,
        action: z.enum(['start', 'stop', 'restart', 'pause', 'unpause', 'kill']),
        /** Seconds stop/restart wait before killing. */
        timeoutS: z.number().int().min(0).max(600).optional(),
      })
      .strict(),
    output: out<ContainerSummary | null>(),
    mutating: true,
  }),
  'docker.remove': call({
    input: z
      .object({
        hostId,
        id: containerRef,
        /** Stop it first if it runs. */
        force: z.boolean().default(false),
        /** Also remove its anonymous volumes (named volumes are always kept). */
        removeVolumes: z.boolean().default(false),
      })
      .strict(),
    output: out<null>(),
    mutating: true,
  }),
  'docker.images': call({ input: onHost, output: out<ImageSummary[]>(), mutating: false }),
  'docker.removeImage': call({
    input: z.object({ hostId, ref: imageRef, force: z.boolean().default(false) }).strict(),
    output: out<{ untagged: string[]; deleted: string[] }>(),
    mutating: true,
  }),
  'docker.volumes': call({ input: onHost, output: out<VolumeSummary[]>(), mutating: false }),
  'docker.removeVolume': call({
    input: z.object({ hostId, name: volumeName }).strict(),
    output: out<null>(),
    mutating: true,
  }),
  'docker.networks': call({ input: onHost, output: out<NetworkSummary[]>(), mutating: false }),
  /** Exactly what a prune with this selection would remove now, and the space it frees. */
  'docker.prunePreview': call({
    input: z.object({ hostId, selection: pruneSelection }).strict(),
    output: out<PrunePreview>(),
    mutating: false,
  }),
  /** Prune as a job: what went is in its log, compared with the preview. */
  'docker.prune': call({
    input: z.object({ hostId, selection: pruneSelection }).strict(),
    output: out<JobInfo>(),
    mutating: true,
  }),
  /** Pull an image as a job, with per-layer progress in its log. */
  'docker.pull': call({
    input: z.object({ hostId, ref: imageRef }).strict(),
    output: out<JobInfo>(),
    mutating: true,
  }),
  /** A shell inside a container (exec with a tty): bash if it has one, else sh. */
  'docker.shellOpen': call({
    input: z.object({ hostId, id: containerRef, cols, rows }).strict(),
    output: out<ContainerShellInfo>(),
    mutating: true,
    closeWith: 'docker.shellClose',
  }),
  'docker.shellInput': call({
    input: z
      .object({
        id: z.string().uuid(),
        data: z
          .string()
          .min(1)
          .max(64 * 1024),
      })
      .strict(),
    output: out<null>(),
    mutating: false,
  }),
  'docker.shellResize': call({
    input: z.object({ id: z.string().uuid(), cols, rows }).strict(),
    output: out<null>(),
    mutating: false,
  }),
  'docker.shellClose': call({
    input: z.object({ id: z.string().uuid() }).strict(),
    output: out<ContainerShellSummary>(),
    mutating: true,
  }),
} as const;

export const dockerStreams = {
  /** A container's log: the last `tail` lines (or since `since`), then new ones while `follow`. */
  'docker.logs': stream({
    params: z
      .object({
        hostId,
        id: containerRef,
        follow: z.boolean().default(true),
        /** Unix seconds. */
        since: z.number().int().min(0).optional(),
        tail: z.number().int().min(0).max(1_000_000).optional(),
      })
      .strict(),
    event: out<DockerLogEvent>(),
  }),
  /** Live CPU, memory, network and block I/O of a host's running containers, every ~2 s. */
  'docker.stats': stream({ params: onHost, event: out<DockerStatsEvent>() }),
  'docker.shellOutput': stream({
    params: z.object({ id: z.string().uuid() }).strict(),
    event: out<TerminalEvent>(),
  }),
} as const;
