// Experiments in SQLite: one row each, with the names derived on the host, its status and the
// steps its last job finished. Secret values are not here (they are in the secret store).
import { and, desc, eq } from 'drizzle-orm';
import type {
  Experiment,
  ExperimentLimits,
  ExperimentOperation,
  ExperimentRepo,
  ExperimentStatus,
  ExperimentTemplate,
} from '../../../shared/api/experiments-domain';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../db/database';
import { experiments } from '../../db/schema';

type Row = typeof experiments.$inferSelect;

const list = (json: string): string[] => {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

const toExperiment = (r: Row): Experiment => ({
  id: r.id,
  name: r.name,
  hostId: r.hostId,
  hostName: r.hostName,
  description: r.description,
  template: r.template,
  packages: list(r.packages),
  limits: { memoryMiB: r.memoryMiB, cpuWeight: r.cpuWeight },
  linuxUser: r.linuxUser,
  database: r.database,
  dbRole: r.linuxUser,
  home: r.home,
  repo:
    r.repoKind && r.repoRemote && r.repoWorkTree
      ? { kind: r.repoKind, remote: r.repoRemote, workTree: r.repoWorkTree }
      : null,
  status: r.status as ExperimentStatus,
  message: r.message,
  operation: r.operation as ExperimentOperation,
  failedStep: r.failedStep,
  doneSteps: list(r.doneSteps),
  jobId: r.jobId,
  secretNames: list(r.secretNames),
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  updatedAt: r.updatedAt,
  archivedAt: r.archivedAt,
  archive: r.archive,
});

export interface NewExperiment {
  name: string;
  hostId: number;
  hostName: string;
  description: string;
  template: ExperimentTemplate;
  packages: string[];
  limits: ExperimentLimits;
  linuxUser: string;
  database: string;
  home: string;
  operation: ExperimentOperation;
  status: ExperimentStatus;
  secretNames?: string[];
  restoreFrom?: string | null;
  createdBy: string;
}

export interface ExperimentPatch {
  status?: ExperimentStatus;
  message?: string | null;
  operation?: ExperimentOperation;
  failedStep?: string | null;
  doneSteps?: string[];
  secretNames?: string[];
  jobId?: string | null;
  repo?: ExperimentRepo | null;
  archivedAt?: number | null;
  archive?: string | null;
  hostId?: number;
  hostName?: string;
  restoreFrom?: string | null;
}

/** Statuses of an experiment that no longer exists on its host. */
export const GONE: readonly ExperimentStatus[] = ['archived', 'rolled-back'];

export class ExperimentStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  insert(e: NewExperiment): Experiment {
    const at = this.now();
    const row = this.db
      .insert(experiments)
      .values({
        name: e.name,
        hostId: e.hostId,
        hostName: e.hostName,
        description: e.description,
        template: e.template,
        packages: JSON.stringify(e.packages),
        memoryMiB: e.limits.memoryMiB,
        cpuWeight: e.limits.cpuWeight,
        linuxUser: e.linuxUser,
        database: e.database,
        home: e.home,
        status: e.status,
        operation: e.operation,
        secretNames: JSON.stringify(e.secretNames ?? []),
        restoreFrom: e.restoreFrom ?? null,
        createdAt: at,
        createdBy: e.createdBy,
        updatedAt: at,
      })
      .returning()
      .get();
    return toExperiment(row);
  }

  get(id: number): Experiment {
    const row = this.db.select().from(experiments).where(eq(experiments.id, id)).get();
    if (!row)
      throw new ApiError(
        'NOT_FOUND',
        `There is no experiment #${id}. It may have been removed; reload the list.`,
      );
    return toExperiment(row);
  }

  restoreFrom(id: number): string | null {
    return (
      this.db.select({ r: experiments.restoreFrom }).from(experiments).where(eq(experiments.id, id)).get()
        ?.r ?? null
    );
  }

  list(hostId?: number): Experiment[] {
    const q = this.db.select().from(experiments);
    const rows = (hostId === undefined ? q : q.where(eq(experiments.hostId, hostId)))
      .orderBy(desc(experiments.createdAt), desc(experiments.id))
      .all();
    return rows.map(toExperiment);
  }

  /** A live (not archived, not rolled back) experiment of that name on that host. */
  live(hostId: number, name: string): Experiment | null {
    const rows = this.db
      .select()
      .from(experiments)
      .where(and(eq(experiments.hostId, hostId), eq(experiments.name, name)))
      .all()
      .map(toExperiment);
    return rows.find((e) => !GONE.includes(e.status)) ?? null;
  }

  update(id: number, p: ExperimentPatch): Experiment {
    const set: Partial<typeof experiments.$inferInsert> = { updatedAt: this.now() };
    if (p.status !== undefined) set.status = p.status;
    if (p.message !== undefined) set.message = p.message;
    if (p.operation !== undefined) set.operation = p.operation;
    if (p.failedStep !== undefined) set.failedStep = p.failedStep;
    if (p.doneSteps !== undefined) set.doneSteps = JSON.stringify(p.doneSteps);
    if (p.secretNames !== undefined) set.secretNames = JSON.stringify(p.secretNames);
    if (p.jobId !== undefined) set.jobId = p.jobId;
    if (p.repo !== undefined) {
      set.repoKind = p.repo?.kind ?? null;
      set.repoRemote = p.repo?.remote ?? null;
      set.repoWorkTree = p.repo?.workTree ?? null;
    }
    if (p.archivedAt !== undefined) set.archivedAt = p.archivedAt;
    if (p.archive !== undefined) set.archive = p.archive;
    if (p.hostId !== undefined) set.hostId = p.hostId;
    if (p.hostName !== undefined) set.hostName = p.hostName;
    if (p.restoreFrom !== undefined) set.restoreFrom = p.restoreFrom;
    this.db.update(experiments).set(set).where(eq(experiments.id, id)).run();
    return this.get(id);
  }

  /** Experiments whose job was running when Labdeck stopped. */
  busy(): Experiment[] {
    return this.list().filter((e) =>
      ['creating', 'restoring', 'archiving', 'rolling-back'].includes(e.status),
    );
  }
}
