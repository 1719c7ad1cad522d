// Bootstrap runs, their hosts and tasks in SQLite. A host's new tasks and its events-file offset
// are written in one transaction, so a re-attach after a crash reads on from exactly there.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type {
  BootstrapHostRun,
  BootstrapHostState,
  BootstrapRunSummary,
  BootstrapTask,
} from '../../../shared/api/bootstrap-domain';
import type { Db } from '../../db/database';
import { bootstrapHosts, bootstrapPrefs, bootstrapRuns, bootstrapTasks } from '../../db/schema';
import type { HostInfo } from './events';

type RunRow = typeof bootstrapRuns.$inferSelect;
type HostRow = typeof bootstrapHosts.$inferSelect;

/** A run as stored: its summary without the hosts, which live in their own table. */
export type RunRecord = Omit<BootstrapRunSummary, 'hosts'>;

export interface HostRecord extends HostInfo {
  remoteDir: string | null;
  launcher: string | null;
  offset: number;
}

const toRun = (r: RunRow): RunRecord => ({
  ...r,
  roles: JSON.parse(r.roles) as string[],
  vars: JSON.parse(r.vars) as Record<string, unknown>,
});

const toHost = (r: HostRow): HostRecord => ({
  hostId: r.hostId,
  hostName: r.hostName,
  state: r.state as BootstrapHostState,
  message: r.message,
  counts: { ok: r.ok, changed: r.changed, failed: r.failed, skipped: r.skipped, unreachable: r.unreachable },
  currentTask: r.currentTask,
  exitCode: r.exitCode,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
  expectedTasks: r.expectedTasks,
  remoteDir: r.remoteDir,
  launcher: r.launcher,
  offset: r.offset,
});

export class BootstrapStore {
  constructor(private readonly db: Db) {}

  insertRun(
    run: RunRecord,
    hosts: { hostId: number; hostName: string; expectedTasks: number | null }[],
  ): void {
    this.db.transaction((tx) => {
      tx.insert(bootstrapRuns)
        .values({ ...run, roles: JSON.stringify(run.roles), vars: JSON.stringify(run.vars) })
        .run();
      for (const h of hosts) {
        tx.insert(bootstrapHosts)
          .values({
            runId: run.id,
            hostId: h.hostId,
            hostName: h.hostName,
            state: 'queued',
            expectedTasks: h.expectedTasks,
          })
          .run();
      }
    });
  }

  setRun(id: string, f: Partial<Pick<RunRecord, 'state' | 'endedAt' | 'approvedAs'>>): void {
    this.db.update(bootstrapRuns).set(f).where(eq(bootstrapRuns.id, id)).run();
  }

  run(id: string): RunRecord | null {
    const r = this.db.select().from(bootstrapRuns).where(eq(bootstrapRuns.id, id)).get();
    return r ? toRun(r) : null;
  }

  runByJob(jobId: string): RunRecord | null {
    const r = this.db.select().from(bootstrapRuns).where(eq(bootstrapRuns.jobId, jobId)).get();
    return r ? toRun(r) : null;
  }

  runs(limit: number, hostId?: number): RunRecord[] {
    if (hostId === undefined) {
      return this.db
        .select()
        .from(bootstrapRuns)
        .orderBy(desc(bootstrapRuns.createdAt))
        .limit(limit)
        .all()
        .map(toRun);
    }
    const ids = this.db
      .select({ runId: bootstrapHosts.runId })
      .from(bootstrapHosts)
      .where(eq(bootstrapHosts.hostId, hostId))
      .all()
      .map((r) => r.runId);
    if (!ids.length) return [];
    return this.db
      .select()
      .from(bootstrapRuns)
      .where(inArray(bootstrapRuns.id, ids))
      .orderBy(desc(bootstrapRuns.createdAt))
      .limit(limit)
      .all()
      .map(toRun);
  }

  hosts(runId: string): HostRecord[] {
    return this.db.select().from(bootstrapHosts).where(eq(bootstrapHosts.runId, runId)).all().map(toHost);
  }

  hostsOf(runIds: string[]): Map<string, HostRecord[]> {
    const out = new Map<string, HostRecord[]>();
    if (!runIds.length) return out;
    for (const r of this.db
      .select()
      .from(bootstrapHosts)
      .where(inArray(bootstrapHosts.runId, runIds))
      .all()) {
      const list = out.get(r.runId) ?? [];
      list.push(toHost(r));
      out.set(r.runId, list);
    }
    return out;
  }

  saveHost(runId: string, h: HostInfo, extra: { remoteDir?: string; launcher?: string } = {}): void {
    this.db
      .update(bootstrapHosts)
      .set({
        state: h.state,
        message: h.message,
        ...h.counts,
        currentTask: h.currentTask,
        exitCode: h.exitCode,
        startedAt: h.startedAt,
        endedAt: h.endedAt,
        ...extra,
      })
      .where(and(eq(bootstrapHosts.runId, runId), eq(bootstrapHosts.hostId, h.hostId)))
      .run();
  }

  /** New and changed tasks, the host's state and the offset read up to, in one transaction. */
  saveProgress(runId: string, h: HostInfo, tasks: BootstrapTask[], offset: number): void {
    this.db.transaction((tx) => {
      for (const t of tasks) {
        const row = {
          runId,
          hostId: h.hostId,
          seq: t.seq,
          taskId: t.taskId,
          name: t.name,
          role: t.role,
          action: t.action,
          handler: t.handler,
          status: t.status,
          startedAt: t.startedAt,
          durationMs: t.durationMs,
          msg: t.msg,
          detail: t.detail ? JSON.stringify(t.detail) : null,
        };
        tx.insert(bootstrapTasks)
          .values(row)
          .onConflictDoUpdate({
            target: [bootstrapTasks.runId, bootstrapTasks.hostId, bootstrapTasks.seq],
            set: { status: row.status, durationMs: row.durationMs, msg: row.msg, detail: row.detail },
          })
          .run();
      }
      tx.update(bootstrapHosts)
        .set({ offset, state: h.state, message: h.message, ...h.counts, currentTask: h.currentTask })
        .where(and(eq(bootstrapHosts.runId, runId), eq(bootstrapHosts.hostId, h.hostId)))
        .run();
    });
  }

  setLog(runId: string, hostId: number, log: string, truncated: boolean): void {
    this.db
      .update(bootstrapHosts)
      .set({ log, logTruncated: truncated })
      .where(and(eq(bootstrapHosts.runId, runId), eq(bootstrapHosts.hostId, hostId)))
      .run();
  }

  log(runId: string, hostId: number): { text: string; truncated: boolean } | null {
    const r = this.db
      .select({ log: bootstrapHosts.log, truncated: bootstrapHosts.logTruncated })
      .from(bootstrapHosts)
      .where(and(eq(bootstrapHosts.runId, runId), eq(bootstrapHosts.hostId, hostId)))
      .get();
    return r ? { text: r.log ?? '', truncated: r.truncated } : null;
  }

  tasks(runId: string, hostId: number): BootstrapTask[] {
    return this.db
      .select()
      .from(bootstrapTasks)
      .where(and(eq(bootstrapTasks.runId, runId), eq(bootstrapTasks.hostId, hostId)))
      .orderBy(bootstrapTasks.seq)
      .all()
      .map((t) => ({
        seq: t.seq,
        taskId: t.taskId,
        name: t.name,
        role: t.role,
        action: t.action,
        handler: t.handler,
        status: t.status as BootstrapTask['status'],
        startedAt: t.startedAt,
        durationMs: t.durationMs,
        msg: t.msg,
        detail: t.detail ? (JSON.parse(t.detail) as BootstrapTask['detail']) : null,
      }));
  }

  running(): RunRecord[] {
    return this.db.select().from(bootstrapRuns).where(eq(bootstrapRuns.state, 'running')).all().map(toRun);
  }

  skipPreview(hostId: number): boolean {
    return (
      this.db.select().from(bootstrapPrefs).where(eq(bootstrapPrefs.hostId, hostId)).get()?.skipPreview ??
      false
    );
  }

  setSkipPreview(hostId: number, skip: boolean): void {
    this.db
      .insert(bootstrapPrefs)
      .values({ hostId, skipPreview: skip })
      .onConflictDoUpdate({ target: bootstrapPrefs.hostId, set: { skipPreview: skip } })
      .run();
  }

  summary(run: RunRecord, hosts: HostRecord[]): BootstrapRunSummary {
    return {
      ...run,
      hosts: hosts.map((h) => ({ hostId: h.hostId, hostName: h.hostName, state: h.state, counts: h.counts })),
    };
  }

  hostRun(h: HostRecord, tasks: BootstrapTask[]): BootstrapHostRun {
    const { remoteDir: _d, launcher: _l, offset: _o, ...info } = h;
    return { ...info, tasks };
  }
}
