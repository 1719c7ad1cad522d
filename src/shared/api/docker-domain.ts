// What the Docker area shows about a host's engine: containers, images, volumes, networks, live
// stats, log lines and prune previews. Plain data shared by main and the renderer.

/** How Labdeck reaches the engine: a streamlocal channel to its socket, or `docker system dial-stdio`. */
export type DockerVia = 'socket' | 'dial-stdio';

export interface DockerStatus {
  hostId: number;
  hostName: string;
  via: DockerVia;
  /** The socket path on the host (for `socket`), or the DOCKER_HOST the CLI dials. */
  endpoint: string;
  version: string;
  apiVersion: string;
  os: string;
  kernel: string;
  storageDriver: string;
  cpus: number;
  memTotalBytes: number;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  /** A GPU runtime is configured (nvidia), so device requests can be served. */
  gpuRuntime: boolean;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | null;

export interface PortBinding {
  privatePort: number;
  publicPort: number | null;
  ip: string | null;
  type: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string;
  state: ContainerState;
  /** Docker's own words, e.g. "Up 3 hours (healthy)", "Exited (0) 2 minutes ago". */
  status: string;
  health: ContainerHealth;
  ports: PortBinding[];
  createdAt: number;
  /** When it last started (ms), for uptime; null if never or unknown. */
  startedAt: number | null;
  /** Compose project and service (labels com.docker.compose.*), null outside Compose. */
  project: string | null;
  service: string | null;
  /** GPU device requests (e.g. `--gpus all`): how many, -1 for all; 0 when none. */
  gpus: number;
  /** Named volumes and bind mounts, as "source → destination". */
  mounts: { type: string; name: string | null; source: string; destination: string }[];
  labels: Record<string, string>;
}

export interface ContainerStatsSample {
  id: string;
  /** Percent of one CPU (200 = two CPUs busy); null until two samples exist. */
  cpuPct: number | null;
  memBytes: number;
  memLimitBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

export type DockerStatsEvent =
  { t: 'stats'; at: number; items: ContainerStatsSample[] } | { t: 'error'; message: string };

export interface DockerFleetHost {
  hostId: number;
  hostName: string;
  ok: boolean;
  errorCode: string | null;
  error: string | null;
  containers: ContainerSummary[];
}

export interface ImageSummary {
  id: string;
  tags: string[];
  digests: string[];
  sizeBytes: number;
  /** Bytes shared with other images (-1 when the engine did not compute it). */
  sharedBytes: number;
  createdAt: number;
  /** Containers (any state) using it, by name. */
  usedBy: string[];
  dangling: boolean;
}

export interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  createdAt: number | null;
  /** -1 when unknown. */
  sizeBytes: number;
  usedBy: string[];
  anonymous: boolean;
  labels: Record<string, string>;
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  subnet: string | null;
  internal: boolean;
  /** bridge, host, none: Docker's own, never pruned. */
  builtin: boolean;
  containers: string[];
}

export interface InspectResult {
  /** Readable facts: [label, value]. */
  summary: [string, string][];
  /** The engine's own JSON, pretty-printed. */
  raw: string;
  tty: boolean;
}

export interface PruneSelection {
  containers: boolean;
  /** 'dangling': untagged images only; 'unused': every image no container uses. */
  images: 'none' | 'dangling' | 'unused';
  volumes: boolean;
  networks: boolean;
}

export interface PruneItem {
  kind: 'container' | 'image' | 'volume' | 'network';
  id: string;
  name: string;
  /** Space this frees, as far as the engine can tell (-1 unknown). */
  bytes: number;
}

export interface PrunePreview {
  hostId: number;
  selection: PruneSelection;
  items: PruneItem[];
  totalBytes: number;
  /** What the engine version means for the selection (e.g. named volumes are kept). */
  notes: string[];
}

export type DockerLogEvent =
  | {
      t: 'lines';
      /** stdout or stderr (a container with a tty has only stdout). */
      s: 'out' | 'err';
      /** [timestamp as Docker sent it (RFC 3339, ns), text] */
      lines: [string, string][];
    }
  | { t: 'end'; reason: string | null };

export interface ContainerShellInfo {
  id: string;
  hostId: number;
  hostName: string;
  containerId: string;
  containerName: string;
  startedAt: number;
}

export interface ContainerShellSummary {
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
}
