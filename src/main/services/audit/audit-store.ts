// The audit history: appended to only by the API dispatcher (each row with its place in the hash
// chain and its full-text entry, in one transaction), read by the Activity page, verified on request.
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
import { auditChain, auditEvents } from '../../db/schema';
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
};

/** What a count says at most: a question's count is "10,000+" beyond this. */
export const COUNT_CAP = 10_000;

export class AuditStore {
  // Prepared once: the dispatcher appends on every mutating call.
  private readonly insertEvent;
  private readonly insertChain;
  private readonly insertFts;
  private readonly lastHash;
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
    this.insertEvent = c.prepare(
      `INSERT INTO audit_events (ts, actor, action, target, params, result, error_code, duration_ms, host_id, job_id, session_id)
       VALUES (@ts, @actor, @action, @target, @params, @result, @errorCode, @durationMs, @hostId, @jobId, @sessionId)`,
    );
    this.insertChain = c.prepare('INSERT INTO audit_chain (event_id, prev_hash, hash) VALUES (?, ?, ?)');
    this.insertFts = c.prepare(
      'INSERT INTO audit_fts (rowid, action, actor, target, params, error_code) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // The chain's head: its last row, or, when every row went to an archive, the archive's anchor.
    this.lastHash = c
      .prepare(
        `SELECT COALESCE((SELECT hash FROM audit_chain ORDER BY event_id DESC LIMIT 1),
                         (SELECT last_hash FROM audit_anchors ORDER BY last_event_id DESC LIMIT 1))`,
      )
      .pluck();
    this.backfill();
    this.ftsTimer = setInterval(() => this.flush(), 200);
    this.ftsTimer.unref();
  }

  /**
   * Appends one row with its chain entry, in one transaction (the chain is never behind). Its
   * search entry follows within 200 ms; a crash before that is repaired at the next start.
   */
  append(event: NewAuditEvent): number {
    const e = { hostId: null, jobId: null, sessionId: null, ...event };
    const id = this.db.$client.transaction(() => {
      const r = this.insertEvent.run(e);
      const rowId = Number(r.lastInsertRowid);
      // Ids come one after the other (AUTOINCREMENT): any other id means another writer appended.
      const prevHash =
        this.head && this.head.id === rowId - 1
          ? this.head.hash
          : ((this.lastHash.get() as string | null) ?? GENESIS);
      const hash = chainHash(prevHash, { ...e, id: rowId });
      this.insertChain.run(rowId, prevHash, hash);
      return { rowId, hash };
    })();
    this.head = { id: id.rowId, hash: id.hash };
    this.pendingFts.push({ ...e, id: id.rowId });
    return id.rowId;
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

  /** At start: chain entries for rows written before the chain existed, search entries a crash lost. */
  private backfill(): void {
    const c = this.db.$client;
    const unchained = this.db
      .select(COLUMNS)
      .from(auditEvents)
      .leftJoin(auditChain, eq(auditChain.eventId, auditEvents.id))
      .where(sql`${auditChain.eventId} IS NULL`)
      .orderBy(auditEvents.id)
      .all() as AuditEvent[];
    if (unchained.length) {
      c.transaction(() => {
        for (const e of unchained) {
          const prevHash = (this.lastHash.get() as string | null) ?? GENESIS;
          this.insertChain.run(e.id, prevHash, chainHash(prevHash, e));
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
      .select({ ...COLUMNS, prevHash: auditChain.prevHash, hash: auditChain.hash })
      .from(auditEvents)
      .innerJoin(auditChain, eq(auditChain.eventId, auditEvents.id))
      .where(eq(auditEvents.id, id))
      .get();
    return r ?? null;
  }

  /** Rows matching `filter` in id order with their hashes, `batch` at a time (for exports). */
  *iterate(filter: AuditQuery, batch = 2000): Generator<ChainedAuditEvent[]> {
    let after = 0;
    for (;;) {
      const rows = this.db
        .select({ ...COLUMNS, prevHash: auditChain.prevHash, hash: auditChain.hash })
        .from(auditEvents)
        .innerJoin(auditChain, eq(auditChain.eventId, auditEvents.id))
        .where(and(this.where(filter), sql`${auditEvents.id} > ${after}`))
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
    return this.db.select({ n: count() }).from(auditChain).get()?.n ?? 0;
  }

  /**
   * Walks the whole chain in order and names the first row that does not match: edited (its
   * content no longer gives its hash), deleted (a chain entry without its row), or removed with
   * its chain entry (the next entry's previous hash is not the hash before it). Yields to the
   * event loop between batches and reports progress.
   */
  async verify(
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<AuditVerifyReport> {
    const total = this.totalRows();
    // Older rows may have moved to an archive: its last hash is where the remaining chain starts.
    let prev =
      (this.db.$client
        .prepare('SELECT last_hash FROM audit_anchors ORDER BY last_event_id DESC LIMIT 1')
        .pluck()
        .get() as string | undefined) ?? GENESIS;
    let done = 0;
    let after = -1;
    const bad = (id: number, problem: string): AuditVerifyReport => ({
      ok: false,
      rows: done,
      firstBadId: id,
      problem,
    });
    for (;;) {
      if (signal?.aborted) throw new Error('Cancelled.');
      const batch = this.db.$client
        .prepare(
          `SELECT c.event_id AS chainId, c.prev_hash AS prevHash, c.hash AS hash, e.id AS id, e.ts AS ts,
                  e.actor AS actor, e.action AS action, e.target AS target, e.params AS params,
                  e.result AS result, e.error_code AS errorCode, e.duration_ms AS durationMs,
                  e.host_id AS hostId, e.job_id AS jobId, e.session_id AS sessionId
           FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
           WHERE c.event_id > ? ORDER BY c.event_id LIMIT 5000`,
        )
        .all(after) as (AuditEvent & { chainId: number; prevHash: string; hash: string })[];
      if (!batch.length) break;
      for (const r of batch) {
        if (r.prevHash !== prev) {
          return bad(
            r.chainId,
            `the row before #${r.chainId} is missing from the chain (removed with its chain entry), or the chain was edited`,
          );
        }
        if (r.id === null) return bad(r.chainId, `row #${r.chainId} was deleted`);
        if (chainHash(prev, r) !== r.hash)
          return bad(r.chainId, `row #${r.chainId} was changed after it was written`);
        prev = r.hash;
        done++;
      }
      after = batch[batch.length - 1]!.chainId;
      onProgress?.(done, total);
      await new Promise((r) => setImmediate(r));
    }
    // A row with no chain entry at all was slipped in past the one writer.
    const stray = this.db.$client
      .prepare(
        'SELECT e.id FROM audit_events e LEFT JOIN audit_chain c ON c.event_id = e.id WHERE c.event_id IS NULL LIMIT 1',
      )
      .pluck()
      .get() as number | undefined;
    if (stray !== undefined)
      return bad(stray, `row #${stray} was added outside Labdeck (it has no place in the chain)`);
    return { ok: true, rows: done, firstBadId: null, problem: null };
  }
}
