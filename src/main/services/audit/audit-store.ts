// The audit history: appended to only by the API dispatcher, read by the Activity page.
// There is deliberately no update or delete path (and triggers in the schema refuse both).
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { AuditEvent, AuditPage, AuditResult } from '../../../shared/api/domain';
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
  beforeId?: number | undefined;
  limit: number;
}

export class AuditStore {
  constructor(private readonly db: Db) {}

  append(event: NewAuditEvent): number {
    const row = this.db.insert(auditEvents).values(event).returning({ id: auditEvents.id }).get();
    return row.id;
  }

  list(filter: AuditFilter): AuditPage {
    const where: SQL[] = [];
    if (filter.action) where.push(eq(auditEvents.action, filter.action));
    if (filter.result) where.push(eq(auditEvents.result, filter.result));
    if (filter.from !== undefined) where.push(gte(auditEvents.ts, filter.from));
    if (filter.to !== undefined) where.push(lte(auditEvents.ts, filter.to));
    if (filter.beforeId !== undefined) where.push(lt(auditEvents.id, filter.beforeId));
    const rows = this.db
      .select()
      .from(auditEvents)
      .where(where.length ? and(...where) : undefined)
      // ids grow with time, so id order is newest-first and gives a stable cursor.
      .orderBy(desc(auditEvents.id))
      .limit(filter.limit + 1)
      .all() as AuditEvent[];
    const more = rows.length > filter.limit;
    const page = more ? rows.slice(0, filter.limit) : rows;
    return { rows: page, nextBeforeId: more ? (page[page.length - 1]?.id ?? null) : null };
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
