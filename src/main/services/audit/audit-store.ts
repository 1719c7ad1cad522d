// The audit history: appended to only by the API dispatcher (each row carries its place in the hash
// chain: one INSERT, one commit; its full-text entry follows in a batch), read by the Activity page,
// verified on request.
// There is deliberately no update or delete path (and triggers in the schema refuse both).
import { and, count, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type {
  AuditCursor,
  AuditEvent,
  AuditFilterInput,
  AuditPage,
  AuditResult,
  AuditVerifyReport,
  ChainedAuditEvent,
} from '../../../shared/api/domain';
import type { Db } from '../../db/database';
import { auditEvents } from '../../db/schema';
import { chainHash, ftsQuery, GENESIS } from './audit-chain';

export interface NewAuditEvent {
  ts: number;
  actor: string;
  action: string;
  target: string;
  /** Already redacted JSON. */
  params: string;
  result: AuditResult;
  errorCode: string | null;
  durationMs: number;
  hostId?: number | null;
  jobId?: string | null;
  sessionId?: string | null;
  experimentId?: number | null;
}

/** A filter as the store takes it: what the API offers, and an id limit for jobs that read a snapshot. */
export interface AuditQuery extends AuditFilterInput {
  /** Only rows up to this id (an export leaves out what was written after it started). */
  maxId?: number;
}

export interface AuditFilter extends AuditQuery {
  before?: AuditCursor | undefined;
  limit: number;
}

const COLUMNS = {
  id: auditEvents.id,
  ts: auditEvents.ts,
  actor: auditEvents.actor,
  action: auditEvents.action,
  target: auditEvents.target,
  params: auditEvents.params,
  result: auditEvents.result,
  errorCode: auditEvents.errorCode,
  durationMs: auditEvents.durationMs,
  hostId: auditEvents.hostId,
  jobId: auditEvents.jobId,
  sessionId: auditEvents.sessionId,
  experimentId: auditEvents.experimentId,
};

const CHAINED = { ...COLUMNS, prevHash: auditEvents.prevHash, hash: auditEvents.hash };

/** SQLite's code when an explicit id is taken: another writer appended first. */
const TAKEN = 'SQLITE_CONSTRAINT_PRIMARYKEY';

/** What a count says at most: a question's count is "10,000+" beyond this. */
export const COUNT_CAP = 10_000;

export class AuditStore {
  // Prepared once: the dispatcher appends on every mutating call.
  private readonly insertEvent;
  private readonly insertFts;
  private readonly readHead;
  /** The chain's head as last written here: read from the file again when another writer moved it. */
  private head: { id: number; hash: string } | null = null;
  /** Search entries not yet written: they go in small batches, off the one writer's hot path. */
  private pendingFts: AuditEvent[] = [];
  private readonly ftsTimer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    const c = db.$client;
    // The id is given, not left to AUTOINCREMENT: the hash covers it, so it is known before the
    // insert, and the row and its chain entry are one statement (one commit, no transaction).
    this.insertEvent = c.prepare(
      `INSERT INTO audit_events (id, ts, actor, action, target, params, result, error_code, duration_ms,
                                 host_id, job_id, session_id, experiment_id, prev_hash, hash)
       VALUES (@id, @ts, @actor, @action, @target, @params, @result, @errorCode, @durationMs,
               @hostId, @jobId, @sessionId, @experimentId, @prevHash, @hash)`,
    );
    this.insertFts = c.prepare(
      'INSERT INTO audit_fts (rowid, action, actor, target, params, error_code) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // The chain's head: the newest row (ids never go back: AUTOINCREMENT's counter remembers rows
    // that went to an archive), its hash, or, when every row went to an archive, the anchor's.
    this.readHead = c.prepare(
      `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
                  COALESCE((SELECT MAX(id) FROM audit_events), 0)) AS id,
              COALESCE((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1),
                       (SELECT last_hash FROM audit_anchors ORDER BY last_event_id DESC LIMIT 1)) AS hash`,
    );
    this.backfill();
    this.ftsTimer = setInterval(() => this.flush(), 200);
    this.ftsTimer.unref();
  }

  /**
   * Appends one row with its chain entry, in one transaction (the chain is never behind). Its
   * search entry follows within 200 ms; a crash before that is repaired at the next start.
   */
  append(event: NewAuditEvent): number {
    const e = { hostId: null, jobId: null, sessionId: null, experimentId: null, ...event };
    for (let attempt = 0; ; attempt++) {
      const head = this.head ?? this.readChainHead();
      const row = { ...e, id: head.id + 1, prevHash: head.hash };
      const hash = chainHash(head.hash, row);
      try {
        this.insertEvent.run({ ...row, hash });
      } catch (err) {
        // Another writer (a second Labdeck on the same file) appended since: read the head again.
        if ((err as { code?: string }).code === TAKEN && attempt < 5) {
          this.head = null;
          continue;
        }
        throw err;
      }
      this.head = { id: row.id, hash };
      this.pendingFts.push(row);
      return row.id;
    }
  }

  private readChainHead(): { id: number; hash: string } {
    const h = this.readHead.get() as { id: number; hash: string | null };
    return { id: h.id, hash: h.hash ?? GENESIS };
  }

  /** Writes the search entries still pending (also before any search, so it sees every row). */
  flush(): void {
    if (!this.pendingFts.length || !this.db.$client.open) return;
    const batch = this.pendingFts;
    this.pendingFts = [];
    this.db.$client.transaction(() => {
      for (const e of batch)
        this.insertFts.run(e.id, e.action, e.actor, e.target, e.params, e.errorCode ?? '');
    })();
  }

  close(): void {
    clearInterval(this.ftsTimer);
    this.flush();
  }

  /**
   * At start: hashes for rows written before the chain existed (only when no row has one yet: a
   * row without a hash among chained ones did not come through here, and "Verify history" names
   * it), and search entries a crash lost.
   */
  private backfill(): void {
    const c = this.db.$client;
    const anyChained = c.prepare('SELECT 1 FROM audit_events WHERE hash IS NOT NULL LIMIT 1').get();
    if (!anyChained) {
      // An upgrade from before the chain: every row so far gets its place, oldest first.
      const unchained = this.db
        .select(COLUMNS)
        .from(auditEvents)
        .orderBy(auditEvents.id)
        .all() as AuditEvent[];
      const fill = c.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL');
      c.transaction(() => {
        let prev =
          (c
            .prepare('SELECT last_hash FROM audit_anchors ORDER BY last_event_id DESC LIMIT 1')
            .pluck()
            .get() as string | undefined) ?? GENESIS;
        for (const e of unchained) {
          const hash = chainHash(prev, e);
          fill.run(prev, hash, e.id);
          prev = hash;
        }
      })();
    }
    const indexed = (c.prepare('SELECT MAX(rowid) FROM audit_fts').pluck().get() as number | null) ?? 0;
    this.pendingFts = this.db
      .select(COLUMNS)
      .from(auditEvents)
      .where(sql`${auditEvents.id} > ${indexed}`)
      .orderBy(auditEvents.id)
      .all();
    this.flush();
  }

  private where(f: AuditQuery & { before?: AuditCursor | undefined }): SQL | undefined {
    const w: SQL[] = [];
    if (f.action) w.push(eq(auditEvents.action, f.action));
    if (f.area) w.push(eq(auditEvents.area, f.area));
    if (f.result) w.push(eq(auditEvents.result, f.result));
    if (f.actor) w.push(eq(auditEvents.actor, f.actor));
    if (f.hostId !== undefined) w.push(eq(auditEvents.hostId, f.hostId));
    if (f.jobId) w.push(eq(auditEvents.jobId, f.jobId));
    if (f.sessionId) w.push(eq(auditEvents.sessionId, f.sessionId));
    if (f.experimentId !== undefined) w.push(eq(auditEvents.experimentId, f.experimentId));
    if (f.runAs) w.push(eq(auditEvents.runAs, f.runAs));
    if (f.secrets) w.push(eq(auditEvents.hasSecret, 1));
    if (f.targetSuffix)
      w.push(sql`${auditEvents.target} LIKE ${`%${f.targetSuffix.replace(/[%_\\]/g, '\\$&')}`} ESCAPE '\\'`);
    const from = f.sinceMs !== undefined ? this.now() - f.sinceMs : f.from;
    if (from !== undefined) w.push(gte(auditEvents.ts, from));
    if (f.to !== undefined) w.push(lte(auditEvents.ts, f.to));
    if (f.maxId !== undefined) w.push(lte(auditEvents.id, f.maxId));
    const match = f.q ? ftsQuery(f.q) : null;
    if (match) {
      this.flush();
      w.push(sql`${auditEvents.id} IN (SELECT rowid FROM audit_fts WHERE audit_fts MATCH ${match})`);
    }
    if (f.before) {
      const { ts, id } = f.before;
      w.push(lte(auditEvents.ts, ts));
      w.push(or(lt(auditEvents.ts, ts), and(eq(auditEvents.ts, ts), lt(auditEvents.id, id)))!);
    }
    return w.length ? and(...w) : undefined;
  }

  list(filter: AuditFilter): AuditPage {
    const rows = this.db
      .select(COLUMNS)
      .from(auditEvents)
      .where(this.where(filter))
      // Time order (ties broken by id) is what people read, and the indexes deliver it directly.
      .orderBy(desc(auditEvents.ts), desc(auditEvents.id))
      .limit(filter.limit + 1)
      .all() as AuditEvent[];
    const more = rows.length > filter.limit;
    const page = more ? rows.slice(0, filter.limit) : rows;
    const last = page[page.length - 1];
    return { rows: page, next: more && last ? { ts: last.ts, id: last.id } : null };
  }

  /** How many rows match, counting at most COUNT_CAP + 1 (a question says "10,000+" beyond). */
  count(filter: AuditQuery, cap = COUNT_CAP): number {
    if (!Number.isFinite(cap)) {
      return this.db.select({ n: count() }).from(auditEvents).where(this.where(filter)).get()?.n ?? 0;
    }
    const some = this.db
      .select({ one: sql`1` })
      .from(auditEvents)
      .where(this.where(filter))
      .limit(cap + 1)
      .as('some');
    return this.db.select({ n: count() }).from(some).get()?.n ?? 0;
  }

  /** One row with its chain entry. */
  get(id: number): ChainedAuditEvent | null {
    const r = this.db
      .select(CHAINED)
      .from(auditEvents)
      .where(and(eq(auditEvents.id, id), sql`${auditEvents.hash} IS NOT NULL`))
      .get();
    return (r as ChainedAuditEvent | undefined) ?? null;
  }

  /** Rows matching `filter` in id order with their hashes, `batch` at a time (for exports). */
  *iterate(filter: AuditQuery, batch = 2000): Generator<ChainedAuditEvent[]> {
    let after = 0;
    for (;;) {
      const rows = this.db
        .select(CHAINED)
        .from(auditEvents)
        .where(
          and(this.where(filter), sql`${auditEvents.id} > ${after}`, sql`${auditEvents.hash} IS NOT NULL`),
        )
        .orderBy(auditEvents.id)
        .limit(batch)
        .all() as ChainedAuditEvent[];
      if (!rows.length) return;
      yield rows;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** The newest row's id (0 when there is none). */
  lastId(): number {
    return (this.db.$client.prepare('SELECT MAX(id) FROM audit_events').pluck().get() as number | null) ?? 0;
  }

  actions(): string[] {
    return this.db
      .selectDistinct({ action: auditEvents.action })
      .from(auditEvents)
      .orderBy(auditEvents.action)
      .all()
      .map((r) => r.action);
  }

  actors(): string[] {
    return this.db
      .selectDistinct({ actor: auditEvents.actor })
      .from(auditEvents)
      .orderBy(auditEvents.actor)
      .all()
      .map((r) => r.actor);
  }

  totalRows(): number {
    return this.db.select({ n: count() }).from(auditEvents).get()?.n ?? 0;
  }

  /**
   * Walks the whole chain in id order and names the first row that does not match: edited (its
   * content no longer gives its hash), deleted (a gap in the ids, and the next row's previous hash
   * is not the hash before it), slipped in (a row without a hash), or the newest rows deleted
   * (AUTOINCREMENT's counter is past the last row). Yields to the event loop between batches and
   * reports progress.
   */
  async verify(
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<AuditVerifyReport> {
    const c = this.db.$client;
    const total = this.totalRows();
    // Older rows may have moved to an archive: its last hash is where the remaining chain starts.
    const anchor = c
      .prepare(
        'SELECT last_event_id AS id, last_hash AS hash FROM audit_anchors ORDER BY last_event_id DESC LIMIT 1',
      )
      .get() as { id: number; hash: string } | undefined;
    let prev = anchor?.hash ?? GENESIS;
    let lastId = anchor?.id ?? 0;
    let done = 0;
    const bad = (id: number, problem: string): AuditVerifyReport => ({
      ok: false,
      rows: done,
      firstBadId: id,
      problem,
    });
    const page = c.prepare(
      `SELECT id, ts, actor, action, target, params, result, error_code AS errorCode,
              duration_ms AS durationMs, host_id AS hostId, job_id AS jobId, session_id AS sessionId,
              experiment_id AS experimentId, prev_hash AS prevHash, hash
       FROM audit_events WHERE id > ? ORDER BY id LIMIT 5000`,
    );
    for (;;) {
      if (signal?.aborted) throw new Error('Cancelled.');
      const batch = page.all(lastId) as (AuditEvent & { prevHash: string | null; hash: string | null })[];
      if (!batch.length) break;
      for (const r of batch) {
        if (r.hash === null || r.prevHash === null)
          return bad(r.id, `row #${r.id} was added outside Labdeck (it has no place in the chain)`);
        if (r.prevHash !== prev) {
          if (r.id > lastId + 1) {
            const gone = r.id - lastId - 1;
            return bad(
              lastId + 1,
              gone === 1 ? `row #${lastId + 1} was deleted` : `rows #${lastId + 1}–#${r.id - 1} were deleted`,
            );
          }
          return bad(r.id, `the row before #${r.id} is not the one it was chained to: the chain was edited`);
        }
        if (chainHash(prev, r) !== r.hash) return bad(r.id, `row #${r.id} was changed after it was written`);
        prev = r.hash;
        lastId = r.id;
        done++;
      }
      onProgress?.(done, total);
      await new Promise((r) => setImmediate(r));
    }
    const seq =
      (c.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'").pluck().get() as
        number | undefined) ?? 0;
    if (seq > lastId) {
      return bad(
        lastId + 1,
        seq === lastId + 1
          ? `row #${seq} (the newest) was deleted`
          : `rows #${lastId + 1}–#${seq} (the newest) were deleted`,
      );
    }
    return { ok: true, rows: done, firstBadId: null, problem: null };
  }
}
