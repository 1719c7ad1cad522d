// Jobs and their logs in SQLite: one row per job, updated as it moves; log lines appended.
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { JobInfo, JobLogLine, JobState } from '../../../shared/api/domain';
import type { Db } from '../../db/database';
import { jobLogs, jobs } from '../../db/schema';

type Row = typeof jobs.$inferSelect;

const toInfo = (r: Row): JobInfo => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  target: r.target,
  hostIds: JSON.parse(r.hostIds) as number[],
  actor: r.actor,
  state: r.state,
  steps: JSON.parse(r.steps) as JobInfo['steps'],
  progress: r.progress,
  message: r.message,
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
  logBytes: r.logBytes,
  logTruncated: r.logTruncated,
});

export class JobStore {
  constructor(private readonly db: Db) {}

  insert(job: JobInfo, now: number): void {
    this.db
      .insert(jobs)
      .values({
        ...job,
        hostIds: JSON.stringify(job.hostIds),
        steps: JSON.stringify(job.steps),
        lastSeenAt: now,
      })
      .run();
  }

  /** Writes the job's current state (not its log). */
  save(job: JobInfo, now: number): void {
    this.db
      .update(jobs)
      .set({
        state: job.state,
        steps: JSON.stringify(job.steps),
        progress: job.progress,
        message: job.message,
        startedAt: job.startedAt,
        endedAt: job.endedAt,
        logBytes: job.logBytes,
        logTruncated: job.logTruncated,
        lastSeenAt: now,
      })
      .where(eq(jobs.id, job.id))
      .run();
  }

  get(id: string): JobInfo | null {
    const r = this.db.select().from(jobs).where(eq(jobs.id, id)).get();
    return r ? toInfo(r) : null;
  }

  /** Newest first. */
  list(limit: number, states?: JobState[]): JobInfo[] {
    return this.db
      .select()
      .from(jobs)
      .where(states?.length ? inArray(jobs.state, states) : undefined)
      .orderBy(desc(jobs.createdAt))
      .limit(limit)
      .all()
      .map(toInfo);
  }

  /** Jobs a previous run of the app left queued or running, with when it last saw them. */
  unfinished(): (JobInfo & { lastSeenAt: number })[] {
    return this.db
      .select()
      .from(jobs)
      .where(inArray(jobs.state, ['queued', 'running']))
      .all()
      .map((r) => ({ ...toInfo(r), lastSeenAt: r.lastSeenAt }));
  }

  /** Marks running jobs alive (one statement, every few seconds). */
  heartbeat(ids: string[], now: number): void {
    if (ids.length) this.db.update(jobs).set({ lastSeenAt: now }).where(inArray(jobs.id, ids)).run();
  }

  appendLog(jobId: string, line: JobLogLine): void {
    this.db
      .insert(jobLogs)
      .values({ jobId, ...line })
      .run();
  }

  log(jobId: string, afterSeq = -1, limit = 10_000): JobLogLine[] {
    return this.db
      .select({ seq: jobLogs.seq, ts: jobLogs.ts, stream: jobLogs.stream, text: jobLogs.text })
      .from(jobLogs)
      .where(and(eq(jobLogs.jobId, jobId), gt(jobLogs.seq, afterSeq)))
      .orderBy(jobLogs.seq)
      .limit(limit)
      .all();
  }

  lastSeq(jobId: string): number {
    const r = this.db
      .select({ seq: sql<number | null>`max(${jobLogs.seq})` })
      .from(jobLogs)
      .where(eq(jobLogs.jobId, jobId))
      .get();
    return r?.seq ?? -1;
  }
}
