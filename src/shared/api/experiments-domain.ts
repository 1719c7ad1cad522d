// Experiments: each is a dedicated Linux user on a bootstrapped host, with its own PostgreSQL role
// and database, a Git repository, a shell environment, secrets and optional limits.

/** Lower-case letters, digits and "-", starting with a letter; at most 28 so "exp-<name>" fits Linux's 32. */
export const EXPERIMENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,27}$/;
export const EXPERIMENT_NAME_MAX = 28;
/** Secret names become environment variables: upper-case letters, digits and "_". */
export const SECRET_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,63}$/;

export const EXPERIMENT_TEMPLATES = ['base', 'python'] as const;
export type ExperimentTemplate = (typeof EXPERIMENT_TEMPLATES)[number];

/** The steps of creating one, in order; each is idempotent, so Resume runs from the failed one. */
export const CREATE_STEPS = ['user', 'database', 'repo', 'environment', 'limits'] as const;
export type CreateStep = (typeof CREATE_STEPS)[number];
export const CREATE_STEP_TITLES: Record<CreateStep, string> = {
  user: 'Linux user and home',
  database: 'PostgreSQL role and database',
  repo: 'Git repository',
  environment: 'Environment and secrets',
  limits: 'Limits (systemd slice)',
};

/** A restore's steps: the archive is uploaded, then the create steps with the data put back. */
export const RESTORE_STEPS = [
  'upload',
  'user',
  'database',
  'data',
  'repo',
  'environment',
  'limits',
  'cleanup',
] as const;
export const ARCHIVE_STEPS = ['dump', 'download', 'verify', 'remove'] as const;
export const ROLLBACK_STEPS = ['remove'] as const;
export const STEP_TITLES: Record<string, string> = {
  ...CREATE_STEP_TITLES,
  upload: 'Upload the archive',
  data: 'Put the data back (pg_restore, repository, home)',
  cleanup: 'Remove the uploaded archive',
  dump: 'Push the code, dump the database',
  download: 'Download into the archive folder',
  verify: 'Check SHA-256 and write the manifest',
  remove: 'Remove user, home, role and database',
};
export type ExperimentOperation = 'create' | 'restore' | 'archive' | 'rollback';

export const EXPERIMENT_STATUSES = [
  'creating',
  'ready',
  'failed',
  'rolling-back',
  'rolled-back',
  'archiving',
  'archived',
  'restoring',
] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export interface ExperimentLimits {
  /** MemoryMax of the user's slice, MiB; null: none. */
  memoryMiB: number | null;
  /** CPUWeight of the user's slice (1–10000, 100 = a normal share); null: none. */
  cpuWeight: number | null;
}

/** Names on the host, all derived from the experiment's name. */
export interface ExperimentNames {
  linuxUser: string;
  database: string;
  /** The PostgreSQL role: the Linux user's name, so peer login works too. */
  dbRole: string;
  home: string;
}

export interface ExperimentRepo {
  kind: 'bare' | 'gitea';
  /** Where the clone in the home pushes to. */
  remote: string;
  /** The clone in the experiment's home. */
  workTree: string;
}

export interface Experiment extends ExperimentNames {
  id: number;
  name: string;
  hostId: number;
  hostName: string;
  description: string;
  template: ExperimentTemplate;
  packages: string[];
  limits: ExperimentLimits;
  repo: ExperimentRepo | null;
  status: ExperimentStatus;
  /** What failed, or how it ended. */
  message: string | null;
  /** What its last job did. */
  operation: ExperimentOperation;
  /** The step the last job stopped at when it failed; Resume starts there (create, restore). */
  failedStep: string | null;
  /** Steps of the last create or restore that are done. */
  doneSteps: string[];
  /** The job now running for it, or the last one. */
  jobId: string | null;
  /** Names only; the values never leave the main process except to the host's 0600 file. */
  secretNames: string[];
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  archivedAt: number | null;
  /** The local archive folder it was archived into. */
  archive: string | null;
}

/** What it uses now, read on the host. */
export interface ExperimentUsage {
  experimentId: number;
  at: number;
  /** Last login as the user (lastlog), or null when never. */
  lastLogin: string | null;
  homeBytes: number | null;
  databaseBytes: number | null;
  processes: number;
  cpuPercent: number;
  memoryBytes: number;
  /** GPU memory of its processes (from the metrics area), MiB; null: no GPU figures. */
  gpuMemoryMiB: number | null;
  /** Why something could not be read. */
  error: string | null;
}

export interface ArchiveFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** manifest.json in an archive folder. */
export interface ArchiveManifest {
  format: 1;
  experiment: {
    name: string;
    description: string;
    template: ExperimentTemplate;
    packages: string[];
    limits: ExperimentLimits;
    secretNames: string[];
  };
  host: string;
  createdAt: number;
  createdBy: string;
  files: ArchiveFile[];
  /** Versions of the tools that wrote the files (pg_dump, git, tar). */
  versions: Record<string, string>;
}

export interface ExperimentArchive {
  /** The folder's name inside the archive directory (what restore takes). */
  id: string;
  path: string;
  manifest: ArchiveManifest;
  totalBytes: number;
}

export interface ExperimentJobStarted {
  experiment: Experiment;
  jobId: string;
}

/** A host's Gitea, where its experiments' repositories go (none: a bare repository on the host). */
export interface GiteaHostConfig {
  hostId: number;
  configured: boolean;
  /** Gitea's URL as the host sees it (e.g. http://127.0.0.1:3000); reached over the host's SSH connection. */
  url: string | null;
  /** The user or organisation that owns experiment repositories; null: the token's own user. */
  owner: string | null;
  /** Read from Gitea when asked: its version and the token's user, or why it could not be reached. */
  version: string | null;
  user: string | null;
  error: string | null;
}
