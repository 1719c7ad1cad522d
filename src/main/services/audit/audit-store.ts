// The audit history: appended to only by the API dispatcher, read by the Activity page.
// There is deliberately no update or delete path (and triggers in the schema refuse both).
import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { AuditCursor, AuditEvent, AuditPage, AuditResult } from '../../../shared/api/domain';
import type { Db } from '../../db/database';
import { auditEvents } from '../../db/schema';

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
}

export interface AuditFilter {
  action?: string | undefined;
  result?: AuditResult | undefined;
  from?: number | undefined;
  to?: number | undefined;
  before?: AuditCursor | undefined;
  limit: number;
}

export class AuditStore {
  // Prepared once: the dispatcher appends on every mutating call.
  private readonly insert;

  constructor(private readonly db: Db) {
    this.insert = db
      .insert(auditEvents)
      .values({
        ts: sql.placeholder('ts'),
        actor: sql.placeholder('actor'),
        action: sql.placeholder('action'),
        target: sql.placeholder('target'),
        params: sql.placeholder('params'),
        result: sql.placeholder('result'),
        errorCode: sql.placeholder('errorCode'),
        durationMs: sql.placeholder('durationMs'),
      })
      .returning({ id: auditEvents.id })
      .prepare();
  }

  append(event: NewAuditEvent): number {
    const row = this.insert.get({ ...event });
    if (!row) throw new Error('audit insert returned no row');
    return row.id;
  }

  list(filter: AuditFilter): AuditPage {
    const where: SQL[] = [];
    if (filter.action) where.push(eq(auditEvents.action, filter.action));
    if (filter.result) where.push(eq(auditEvents.result, filter.result));
    if (filter.from !== undefined) where.push(gte(auditEvents.ts, filter.from));
    if (filter.to !== undefined) where.push(lte(auditEvents.ts, filter.to));
    if (filter.before) {
      const { ts, id } = filter.before;
      where.push(lte(auditEvents.ts, ts));
      where.push(or(lt(auditEvents.ts, ts), and(eq(auditEvents.ts, ts), lt(auditEvents.id, id)))!);
    }
    const rows = this.db
      .select()
      .from(auditEvents)
      .where(where.length ? and(...where) : undefined)
      // Time order (ties broken by id) is what people read, and the indexes deliver it directly.
      .orderBy(desc(auditEvents.ts), desc(auditEvents.id))
      .limit(filter.limit + 1)
      .all() as AuditEvent[];
    const more = rows.length > filter.limit;
    const page = more ? rows.slice(0, filter.limit) : rows;
    const last = page[page.length - 1];
    return { rows: page, next: more && last ? { ts: last.ts, id: last.id } : null };
  }

  actions(): string[] {
    return this.db
      .selectDistinct({ action: auditEvents.action })
      .from(auditEvents)
      .orderBy(auditEvents.action)
      .all()
      .map((r) => r.action);
  }
}
