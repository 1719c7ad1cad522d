// SQLite schema (drizzle). Migrations in /drizzle are generated from this file by drizzle-kit.
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ts: integer('ts').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    params: text('params').notNull(),
    result: text('result', { enum: ['ok', 'error'] }).notNull(),
    errorCode: text('error_code'),
    durationMs: integer('duration_ms').notNull(),
  },
  // Every filter combination the Activity page offers has an index ending in ts (and, implicitly,
  // the rowid), so "newest first, 100 at a time" is an index walk that stops after 100 rows.
  (t) => [
    index('audit_ts_idx').on(t.ts),
    index('audit_action_ts_idx').on(t.action, t.ts),
    index('audit_result_ts_idx').on(t.result, t.ts),
    index('audit_action_result_ts_idx').on(t.action, t.result, t.ts),
  ],
);

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  /** JSON-encoded value. */
  value: text('value').notNull(),
});
