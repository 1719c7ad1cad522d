// What the Experiments pages make of experiments: status words and colours, the names derived from
// an experiment's name, the create form's checks (the same rules as the API's contract, without
// zod in the renderer), filtering and sorting, and usage figures as short text.
import {
  ARCHIVE_STEPS,
  CREATE_STEPS,
  EXPERIMENT_NAME_MAX,
  EXPERIMENT_NAME_PATTERN,
  RESTORE_STEPS,
  ROLLBACK_STEPS,
  SECRET_NAME_PATTERN,
  STEP_TITLES,
  type Experiment,
  type ExperimentArchive,
  type ExperimentLimits,
  type ExperimentOperation,
  type ExperimentStatus,
  type ExperimentUsage,
} from '../../../shared/api/experiments-domain';
import { formatBytes, formatPercent } from './format';

export const STATUS_LABEL: Record<ExperimentStatus, string> = {
  creating: 'creating',
  ready: 'ready',
  failed: 'failed',
  'rolling-back': 'rolling back',
  'rolled-back': 'rolled back',
  archiving: 'archiving',
  archived: 'archived',
  restoring: 'restoring',
};

/** The pill class for a status: the job-state colours the rest of the app uses. */
export type StatusTone = 'succeeded' | 'failed' | 'running' | 'exp-dim';

export function statusTone(s: ExperimentStatus): StatusTone {
  switch (s) {
    case 'ready':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'creating':
    case 'rolling-back':
    case 'archiving':
    case 'restoring':
      return 'running';
    default:
      return 'exp-dim';
  }
}

/** A job for it is (or should be) under way: worth following live. */
export const isBusy = (s: ExperimentStatus): boolean => statusTone(s) === 'running';

/** Gone from its host (archived or rolled back): hidden unless asked for. */
export const isGone = (s: ExperimentStatus): boolean => s === 'archived' || s === 'rolled-back';

/** A step's title: "PostgreSQL role and database" for "database"; an unknown step as named. */
export function stepTitle(name: string): string {
  return STEP_TITLES[name] ?? name;
}

/** The steps a job of this kind goes through, in order. */
export function stepsOf(op: ExperimentOperation): readonly string[] {
  switch (op) {
    case 'create':
      return CREATE_STEPS;
    case 'restore':
      return RESTORE_STEPS;
    case 'archive':
      return ARCHIVE_STEPS;
    case 'rollback':
      return ROLLBACK_STEPS;
  }
}

export const OPERATION_LABEL: Record<ExperimentOperation, string> = {
  create: 'create',
  restore: 'restore',
  archive: 'archive',
  rollback: 'roll back',
};

/** "failed at PostgreSQL role and database", or just "failed". */
export function statusText(e: Pick<Experiment, 'status' | 'failedStep'>): string {
  if (e.status === 'failed' && e.failedStep) return `failed at ${stepTitle(e.failedStep)}`;
  return STATUS_LABEL[e.status];
}

/** Only a failed create or restore runs again from its failed step; any failed one can be rolled back. */
export const canResume = (e: Pick<Experiment, 'status' | 'operation'>): boolean =>
  e.status === 'failed' && (e.operation === 'create' || e.operation === 'restore');

export interface DerivedNames {
  linuxUser: string;
  database: string;
  dbRole: string;
}

/** The names on the host that follow from an experiment's name (as the service derives them). */
export function derivedNames(name: string): DerivedNames {
  const linuxUser = `exp-${name}`;
  return { linuxUser, database: `experiment_${name.replace(/-/g, '_')}`, dbRole: linuxUser };
}

/** What is wrong with a name, in the contract's words; null when the API will take it. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'is required';
  if (name.length > EXPERIMENT_NAME_MAX) return `at most ${EXPERIMENT_NAME_MAX} characters`;
  if (!EXPERIMENT_NAME_PATTERN.test(name))
    return 'must be lower-case letters, digits and "-", starting with a letter';
  if (name.endsWith('-') || name.includes('--')) return 'must not end with "-" or hold "--"';
  return null;
}

/** The contract's pip requirement check: "numpy", "torch==2.4.1", "uvicorn[standard]>=0.30". */
const PACKAGE_SPEC =
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\[[A-Za-z0-9,._-]{1,100}\])?((==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!_-]{1,50})?$/;
export const MAX_PACKAGES = 50;

/** The packages field (comma or space separated) as a list, and the first bad entry if any. */
export function parsePackages(text: string): { packages: string[]; problem: string | null } {
  const packages = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const bad = packages.find((p) => !PACKAGE_SPEC.test(p));
  if (bad) return { packages, problem: `"${bad}" must be a package name like "numpy" or "torch==2.4.1"` };
  if (packages.length > MAX_PACKAGES) return { packages, problem: `at most ${MAX_PACKAGES} packages` };
  return { packages, problem: null };
}

/** A limit field: empty is none (null); otherwise a whole number in [min, max]. */
export function parseLimit(text: string, min: number, max: number): number | null | Error {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isInteger(n)) return new Error('must be a whole number (or empty for none)');
  if (n < min || n > max) return new Error(`must be between ${min} and ${max} (or empty for none)`);
  return n;
}

export const MEMORY_MIB_RANGE = [64, 4_194_304] as const;
export const CPU_WEIGHT_RANGE = [1, 10_000] as const;

export function limitsText(l: ExperimentLimits): string {
  const parts: string[] = [];
  if (l.memoryMiB !== null) parts.push(`memory ≤ ${formatBytes(l.memoryMiB * 1024 * 1024, 0)}`);
  if (l.cpuWeight !== null) parts.push(`CPU weight ${l.cpuWeight}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** What is wrong with a secret's name; null when the API will take it. */
export function secretNameProblem(name: string): string | null {
  if (name === '') return 'is required';
  if (!SECRET_NAME_PATTERN.test(name))
    return 'must be an environment variable name like API_TOKEN (A–Z, 0–9, "_")';
  if (/^(PG[A-Z]*|DATABASE_URL|HOME|USER|PATH|SHELL|LOGNAME)$/.test(name)) return 'is set by Labdeck itself';
  return null;
}

export interface ExperimentFilter {
  hostId: number | null;
  text: string;
  showArchived: boolean;
}
export const EMPTY_EXPERIMENT_FILTER: ExperimentFilter = { hostId: null, text: '', showArchived: false };

export function filterExperiments(list: readonly Experiment[], f: ExperimentFilter): Experiment[] {
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return list.filter((e) => {
    if (f.hostId !== null && e.hostId !== f.hostId) return false;
    if (!f.showArchived && isGone(e.status)) return false;
    const hay = `${e.name} ${e.hostName} ${e.description} ${e.linuxUser} ${e.status}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

const ORDER: Record<ExperimentStatus, number> = {
  failed: 0,
  creating: 1,
  restoring: 1,
  'rolling-back': 1,
  archiving: 1,
  ready: 2,
  'rolled-back': 3,
  archived: 3,
};

/** Failed first (they need a decision), then work under way, then ready, then gone; by name within. */
export function sortExperiments(list: readonly Experiment[]): Experiment[] {
  return [...list].sort(
    (a, b) =>
      ORDER[a.status] - ORDER[b.status] ||
      a.name.localeCompare(b.name) ||
      a.hostName.localeCompare(b.hostName) ||
      a.id - b.id,
  );
}

/** postgresql://exp-x@localhost/experiment_x: the shape of its DATABASE_URL, without the password. */
export function databaseUrl(e: Pick<Experiment, 'dbRole' | 'database'>): string {
  return `postgresql://${e.dbRole}@localhost/${e.database}`;
}

/**
 * How to clone its repository from this computer: a URL remote as is; a path on the host over SSH
 * as the experiment's user (the short scp form on port 22).
 */
export function cloneCommand(
  e: Pick<Experiment, 'linuxUser' | 'repo' | 'name'>,
  host: { address: string; port: number } | undefined,
): string | null {
  if (!e.repo) return null;
  const remote = e.repo.remote;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[^/]+@[^:]+:/.test(remote)) return `git clone ${remote}`;
  if (!host) return null;
  const addr = host.address.includes(':') ? `[${host.address}]` : host.address;
  return host.port === 22
    ? `git clone ${e.linuxUser}@${addr}:${remote} ${e.name}`
    : `git clone ssh://${e.linuxUser}@${addr}:${host.port}${remote.startsWith('/') ? '' : '/'}${remote} ${e.name}`;
}

/** A usage row as short text: "—" for what is unknown (not read yet, or unreadable). */
export interface UsageCells {
  cpu: string;
  memory: string;
  gpuMemory: string;
  disk: string;
  database: string;
  lastLogin: string;
  /** Why some figures are missing, for a tooltip. */
  error: string | null;
}

export function usageCells(u: ExperimentUsage | undefined): UsageCells {
  if (!u)
    return { cpu: '—', memory: '—', gpuMemory: '—', disk: '—', database: '—', lastLogin: '—', error: null };
  return {
    cpu: formatPercent(u.cpuPercent),
    memory: formatBytes(u.memoryBytes),
    gpuMemory: u.gpuMemoryMiB === null ? '—' : formatBytes(u.gpuMemoryMiB * 1024 * 1024),
    disk: formatBytes(u.homeBytes),
    database: formatBytes(u.databaseBytes),
    lastLogin: u.lastLogin === null ? 'never' : u.lastLogin,
    error: u.error,
  };
}

export function usageById(list: readonly ExperimentUsage[] | undefined): Map<number, ExperimentUsage> {
  return new Map((list ?? []).map((u) => [u.experimentId, u]));
}

/** Archives newest first. */
export function sortArchives(list: readonly ExperimentArchive[]): ExperimentArchive[] {
  return [...list].sort((a, b) => b.manifest.createdAt - a.manifest.createdAt || a.id.localeCompare(b.id));
}

/** An experiment by this name is live on this host already (restore would need another name). */
export function nameTaken(list: readonly Experiment[], hostId: number, name: string): boolean {
  return list.some((e) => e.hostId === hostId && e.name === name && !isGone(e.status));
}
