import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../../../tests/support/temp-db';
import type { OpenedDatabase } from '../../db/database';
import { AuditStore, type NewAuditEvent } from './audit-store';

const dbs: OpenedDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

function store(): AuditStore {
  const d = tempDb();
  dbs.push(d);
  const s = new AuditStore(d.db);
  const base: Omit<NewAuditEvent, 'ts' | 'action' | 'result'> = {
    actor: 'a',
    target: 't',
    params: '{}',
    errorCode: null,
    durationMs: 1,
  };
  for (let i = 1; i <= 30; i++) {
    s.append({
      ...base,
      ts: i * 1000,
      action: i % 3 === 0 ? 'hosts.add' : 'settings.update',
      result: i % 5 === 0 ? 'error' : 'ok',
      errorCode: i % 5 === 0 ? 'VALIDATION' : null,
    });
  }
  return s;
}

describe('AuditStore', () => {
  it('lists newest first and pages with a cursor without gaps or repeats', () => {
    const s = store();
    const seen: number[] = [];
    let before: { ts: number; id: number } | undefined;
    for (;;) {
      const page = s.list({ limit: 7, before });
      seen.push(...page.rows.map((r) => r.ts));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => (30 - i) * 1000));
  });

  it('orders by time even when ids disagree (clock moved back), and pages through equal times', () => {
    const d = tempDb();
    dbs.push(d);
    const s = new AuditStore(d.db);
    const ev = {
      actor: 'a',
      action: 'x.y',
      target: 't',
      params: '{}',
      result: 'ok' as const,
      errorCode: null,
      durationMs: 1,
    };
    for (const ts of [5000, 5000, 5000, 1000, 5000, 3000]) s.append({ ...ev, ts });
    const ids: number[] = [];
    let before: { ts: number; id: number } | undefined;
    for (;;) {
      const page = s.list({ limit: 2, before });
      ids.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      before = page.next;
    }
    expect(ids).toEqual([5, 3, 2, 1, 6, 4]);
  });

  it('filters by action, result and time range together', () => {
    const s = store();
    const page = s.list({ action: 'hosts.add', result: 'error', from: 10_000, to: 30_000, limit: 100 });
    expect(page.rows.map((r) => r.ts)).toEqual([30_000, 15_000]);
    expect(s.list({ from: 29_000, limit: 100 }).rows).toHaveLength(2);
    expect(s.list({ to: 2_000, limit: 100 }).rows).toHaveLength(2);
  });

  it('lists the distinct actions', () => {
    expect(store().actions()).toEqual(['hosts.add', 'settings.update']);
  });
});
