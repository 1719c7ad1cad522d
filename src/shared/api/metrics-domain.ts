// What the metrics area says about a host: one live sample (rates already computed) and history
// points ready for a chart.

export interface CpuFigures {
  /** Busy share of all cores, 0–100, and its parts. */
  total: number;
  user: number;
  system: number;
  iowait: number;
  steal: number;
}

export interface MemoryFigures {
  totalBytes: number;
  usedBytes: number;
  /** Page cache and reclaimable slab. */
  cacheBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

export interface MountUsage {
  mount: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface InterfaceRate {
  iface: string;
  rxBps: number;
  txBps: number;
}

export interface GpuFigures {
  index: number;
  uuid: string;
  name: string;
  /** Percent; null where the card says [N/A] or [Not Supported]. */
  utilPercent: number | null;
  memUtilPercent: number | null;
  memTotalMiB: number | null;
  memUsedMiB: number | null;
  tempC: number | null;
  powerW: number | null;
  powerLimitW: number | null;
  fanPercent: number | null;
  smClockMHz: number | null;
  pstate: string | null;
}

export interface GpuProcess {
  pid: number;
  name: string;
  usedMiB: number | null;
  gpuUuid: string;
  /** The Linux user running it (from /proc/<pid>/status), null when unknown. */
  user: string | null;
}

/** One Linux user's share of a host ("who is using it"). */
export interface UserUsage {
  user: string;
  uid: number;
  /** Share of the whole host's CPU (all cores, like `cpu.total`), 0–100; null until two readings. */
  cpuPercent: number | null;
  /** Resident memory of its processes (/proc), or its user slice's memory.current (cgroup). */
  memoryBytes: number;
  /** Its processes, where known. */
  processes: number | null;
}

export interface HostMetricsSample {
  hostId: number;
  ts: number;
  uptimeSec: number | null;
  /** Null on the first sample (rates need two). */
  cpu: CpuFigures | null;
  /** Busy percent per core. */
  cores: number[];
  load: [number, number, number] | null;
  memory: MemoryFigures | null;
  /** Disk space as last measured (every 10th sample). */
  mounts: MountUsage[];
  diskReadBps: number | null;
  diskWriteBps: number | null;
  /** Per interface (loopback left out), and their sum. */
  interfaces: InterfaceRate[];
  netRxBps: number | null;
  netTxBps: number | null;
  processes: number | null;
  gpus: GpuFigures[];
  /** As last asked (every 5th sample). */
  gpuProcesses: GpuProcess[];
  /** nvidia-smi's complaint (e.g. a driver/library mismatch), else null. */
  gpuError: string | null;
  /** Per Linux user, as last measured: every sample from cgroup v2 user slices, else every 5th from /proc. */
  users: UserUsage[];
  /** Where `users` came from: systemd's user slices (login sessions only) or a scan of /proc. */
  usersFrom: 'cgroup' | 'proc' | null;
}

/** The series a host keeps history for; GPU ones per card (`gpu0.util`). */
export type MetricName =
  | 'cpu'
  | 'load1'
  | 'mem.used'
  | 'mem.percent'
  | 'disk.read'
  | 'disk.write'
  | 'net.rx'
  | 'net.tx'
  | `gpu${number}.util`
  | `gpu${number}.mem`
  | `gpu${number}.temp`
  | `gpu${number}.power`;

/** Chart-ready history: parallel arrays, timestamps in seconds (as uPlot wants). */
export interface MetricHistory {
  metric: string;
  /** Seconds per point: 1, 60 or 900. */
  resolution: number;
  ts: number[];
  min: number[];
  avg: number[];
  max: number[];
}

/** A threshold crossed on a host (disk, memory, GPU memory, offline), until it clears. */
export interface MetricAlert {
  /** `disk:/data`, `memory`, `gpu0.mem`, `offline`. */
  key: string;
  /** "disk /data 93% full". */
  message: string;
  since: number;
}

/** A host's active alerts, for the badges (sidebar, host header): sent when they change. */
export interface HostAlerts {
  hostId: number;
  alerts: MetricAlert[];
}

/** One host on the fleet overview: its latest sample, or when it was last seen, and its alerts. */
export interface FleetEntry {
  hostId: number;
  online: boolean;
  /** When the last sample came (ms), null if never since Labdeck started. */
  lastSeen: number | null;
  latest: HostMetricsSample | null;
  alerts: MetricAlert[];
}
