import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, tempDb, tempDir } from '../../../tests/support/temp-db';
import { DatabaseOpenError, openDatabase, type OpenedDatabase } from './database';

const opened: OpenedDatabase[] = [];
afterEach(() => opened.splice(0).forEach((d) => d.close()));

describe('openDatabase', () => {
  it('applies the committed migrations to a new file, in WAL mode', () => {
    const d = tempDb();
    opened.push(d);
    const tables = d.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','trigger') ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'audit_events',
        'settings',
        'audit_events_no_update',
        'audit_events_no_delete',
      ]),
    );
    expect(d.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    const applied = d.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    expect(applied.n).toBe(journal.entries.length);
  });

  it('reopens an existing file without re-applying migrations or losing rows', () => {
    const d = tempDb();
    d.sqlite.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"light\"')").run();
    d.close();
    const again = openDatabase(d.file, MIGRATIONS);
    opened.push(again);
    expect(again.sqlite.prepare('SELECT value FROM settings').get()).toEqual({ value: '"light"' });
  });

  it('refuses to update or delete audit rows', () => {
    const d = tempDb();
    opened.push(d);
    d.sqlite
      .prepare(
        "INSERT INTO audit_events (ts, actor, action, target, params, result, duration_ms) VALUES (1, 'a', 'x.y', 't', '{}', 'ok', 1)",
      )
      .run();
    expect(() => d.sqlite.prepare("UPDATE audit_events SET result = 'error'").run()).toThrow(/append-only/);
    expect(() => d.sqlite.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
  });

  it('names the file and leaves it untouched when it is not a database', () => {
    const file = path.join(tempDir(), 'labdeck.db');
    const junk = Buffer.from('this is not a sqlite database, but somebody cares about it\n'.repeat(100));
    fs.writeFileSync(file, junk);
    let error: unknown;
    try {
      openDatabase(file, MIGRATIONS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/Move the file aside/);
    expect(fs.readFileSync(file).equals(junk)).toBe(true);
  });

  it('names the file when a migration fails, and does not reset the data', () => {
    const dir = tempDir();
    const file = path.join(dir, 'labdeck.db');
    const first = openDatabase(file, MIGRATIONS);
    first.sqlite.prepare("INSERT INTO settings (key, value) VALUES ('k', '1')").run();
    first.close();
    // A broken migration folder stands in for a failed upgrade.
    const broken = path.join(dir, 'migrations');
    fs.cpSync(MIGRATIONS, broken, { recursive: true });
    const journalFile = path.join(broken, 'meta/_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
      entries: { idx: number; when: number; tag: string; breakpoints: boolean; version: string }[];
    };
    const last = journal.entries[journal.entries.length - 1]!;
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_broken' });
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    fs.writeFileSync(path.join(broken, '9999_broken.sql'), 'ALTER TABLE no_such_table ADD COLUMN x integer;');
    expect(() => openDatabase(file, broken)).toThrow(new RegExp(`Cannot migrate .*${file}`));
    const after = openDatabase(file, MIGRATIONS);
    opened.push(after);
    expect(after.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get('k')).toEqual({ value: '1' });
  });
});
