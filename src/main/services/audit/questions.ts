// The questions people ask the history, one click each: a few built in, the rest saved by the
// person (the filter they had on screen, under a name). Each comes with how many rows answer it.
import { eq } from 'drizzle-orm';
import type { AuditFilterInput, AuditQuestion } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../db/database';
import { auditQuestions } from '../../db/schema';
import type { AuditStore } from './audit-store';

const DAY = 24 * 60 * 60 * 1000;

/** Built-in questions; those naming `hostId` are asked from a host's page. */
export const BUILTIN: { key: string; name: string; filter: AuditFilterInput; perHost?: boolean }[] = [
  { key: 'failures-7d', name: 'Failures in the last 7 days', filter: { result: 'error', sinceMs: 7 * DAY } },
  { key: 'host-changes', name: 'Changes to this host', filter: {}, perHost: true },
  { key: 'root-shells', name: 'Root shells', filter: { runAs: 'root' } },
  { key: 'jobs', name: 'Jobs and their outcomes', filter: { area: 'jobs' } },
  { key: 'secrets', name: 'Secrets touched', filter: { secrets: true } },
  { key: 'connections-lost', name: 'Connections lost', filter: { action: 'hosts.connectionLost' } },
];

export class AuditQuestions {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditStore,
    private readonly now: () => number = Date.now,
  ) {}

  list(hostId?: number): AuditQuestion[] {
    const builtin = BUILTIN.filter((b) => !b.perHost || hostId !== undefined).map((b) => {
      const filter = b.perHost ? { ...b.filter, hostId } : b.filter;
      return {
        key: `builtin:${b.key}`,
        name: b.name,
        builtin: true,
        filter,
        count: this.audit.count(filter),
      };
    });
    const saved = this.db
      .select()
      .from(auditQuestions)
      .orderBy(auditQuestions.name)
      .all()
      .map((r) => {
        const filter = JSON.parse(r.filter) as AuditFilterInput;
        return {
          key: `saved:${r.id}`,
          name: r.name,
          builtin: false,
          filter,
          count: this.audit.count(filter),
        };
      });
    return [...builtin, ...saved];
  }

  save(name: string, filter: AuditFilterInput): AuditQuestion {
    if (BUILTIN.some((b) => b.name.toLowerCase() === name.toLowerCase())) {
      throw new ApiError('CONFLICT', `"${name}" is a built-in question: choose another name.`, 'name');
    }
    const existing = this.db.select().from(auditQuestions).where(eq(auditQuestions.name, name)).get();
    if (existing) {
      this.db
        .update(auditQuestions)
        .set({ filter: JSON.stringify(filter) })
        .where(eq(auditQuestions.id, existing.id))
        .run();
    } else {
      this.db
        .insert(auditQuestions)
        .values({ name, filter: JSON.stringify(filter), createdAt: this.now() })
        .run();
    }
    return this.list().find((q) => q.name === name)!;
  }

  remove(key: string): string {
    const id = Number(/^saved:(\d+)$/.exec(key)?.[1]);
    if (!id) throw new ApiError('VALIDATION', 'Only a saved question can be removed.', 'key');
    const row = this.db.select().from(auditQuestions).where(eq(auditQuestions.id, id)).get();
    if (!row) throw new ApiError('NOT_FOUND', 'There is no such saved question.');
    this.db.delete(auditQuestions).where(eq(auditQuestions.id, id)).run();
    return row.name;
  }
}
