// Bootstrap's domain types: the bundled roles (ansible/catalog.json), runs with their hosts and
// tasks as the callback plugin on each host reported them.

export interface BootstrapRoleVar {
  name: string;
  default: unknown;
  type: 'string' | 'bool' | 'list' | 'int';
  doc: string;
  secret?: boolean;
}

export interface BootstrapRole {
  name: string;
  title: string;
  description: string;
  /** Preselected in the dialog. */
  default: boolean;
  vars: BootstrapRoleVar[];
}

/** What the Bootstrap dialog offers: the roles, and variables every role may use. */
export interface BootstrapCatalog {
  roles: BootstrapRole[];
  vars: BootstrapRoleVar[];
}

/** A preview (Ansible's check mode with diffs) changes nothing; an apply does the work. */
export type BootstrapMode = 'check' | 'apply';

export type BootstrapRunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export type BootstrapHostState =
  | 'queued'
  | 'uploading'
  | 'starting'
  | 'installing'
  | 'running'
  /** The link to the host dropped: the run goes on there; Labdeck is reconnecting. */
  | 'reconnecting'
  | 'succeeded'
  | 'failed'
  | 'unreachable'
  | 'cancelled'
  | 'interrupted';

export type TaskStatus = 'running' | 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface BootstrapCounts {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
}

export interface BootstrapTask {
  /** Order on its host (0, 1, …). */
  seq: number;
  /** Ansible's task uuid. */
  taskId: string;
  name: string;
  role: string | null;
  action: string | null;
  handler: boolean;
  status: TaskStatus;
  startedAt: number;
  durationMs: number | null;
  /** The module's message (a failed task's reason). */
  msg: string | null;
  /** Diffs, stdout/stderr, loop items: for the expandable details. */
  detail: {
    diff?: string;
    stdout?: string;
    stderr?: string;
    items?: { item: string; status: TaskStatus; msg?: string }[];
    exception?: string;
  } | null;
}

export interface BootstrapHostRun {
  hostId: number;
  hostName: string;
  state: BootstrapHostState;
  /** What the host is doing or why it ended ("Installing Ansible…", a failure's reason). */
  message: string | null;
  counts: BootstrapCounts;
  /** The task running now, or the last one that ran. */
  currentTask: string | null;
  exitCode: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Tasks the roles are expected to run (for the progress bar); null when not known. */
  expectedTasks: number | null;
  tasks: BootstrapTask[];
}

export interface BootstrapRunSummary {
  id: string;
  jobId: string;
  mode: BootstrapMode;
  roles: string[];
  /** The variables given, secrets shown as "[secret]". */
  vars: Record<string, unknown>;
  state: BootstrapRunState;
  actor: string;
  createdAt: number;
  endedAt: number | null;
  /** The preview this apply was approved from. */
  previewOf: string | null;
  /** An apply approved from this preview. */
  approvedAs: string | null;
  hosts: { hostId: number; hostName: string; state: BootstrapHostState; counts: BootstrapCounts }[];
}

export interface BootstrapRun extends BootstrapRunSummary {
  hostRuns: BootstrapHostRun[];
}

/** Streamed while a run is followed: a host's state, or one task started or finished. */
export type BootstrapEvent =
  | { t: 'host'; runId: string; host: Omit<BootstrapHostRun, 'tasks'> }
  | { t: 'task'; runId: string; hostId: number; task: BootstrapTask }
  | { t: 'run'; runId: string; state: BootstrapRunState; endedAt: number | null }
  /** Events were dropped while the viewer was behind: read the run again. */
  | { t: 'resync'; runId: string };

/** What the host page shows: the last successful apply. */
export interface BootstrapHostSummary {
  hostId: number;
  lastApply: { runId: string; roles: string[]; endedAt: number; changed: number } | null;
  running: { runId: string; mode: BootstrapMode } | null;
  skipPreview: boolean;
}

/** Two runs side by side: tasks whose outcome differs, per host they share. */
export interface BootstrapComparison {
  a: string;
  b: string;
  rows: {
    hostId: number;
    hostName: string;
    task: string;
    role: string | null;
    a: TaskStatus | null;
    b: TaskStatus | null;
  }[];
}
