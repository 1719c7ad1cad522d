// The audit history's search, questions, hash chain and exports on real SQLite files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../../shared/api/domain';
import { MIGRATIONS, tempDb, tempDir } from '../../../../tests/support/temp-db';
import { openDatabase } from '../../db/database';
import type { OpenedDatabase } from '../../db/database';
import { chainHash, GENESIS } from './audit-chain';
import { csvField, exportJob, EXPORT_COLUMNS } from './audit-jobs';
import { AuditStore, type NewAuditEvent } from './audit-store';
import { archiveJob, listArchives, searchArchive } from './audit-archive';
import { AuditQuestions } from './questions';
import type { JobContext } from '../jobs/job-runner';

const dbs: OpenedDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

function seeded(): { d: OpenedDatabase & { dir: string }; s: AuditStore } {
  const d = tempDb();
  dbs.push(d);
  const s = new AuditStore(d.db, () => NOW);
  const row = (e: Partial<NewAuditEvent>): NewAuditEvent => ({
    ts: NOW - DAY,
    actor: 'alice@desktop',
    action: 'settings.update',
    target: 'settings',
    params: '{}',
    result: 'ok',
    errorCode: null,
    durationMs: 1,
    ...e,
  });
  s.append(
    row({
      ts: NOW - 30 * DAY,
      action: 'hosts.connect',
      target: 'gpu1',
      result: 'error',
      errorCode: 'AUTH_FAILED',
      hostId: 1,
    }),
  );
  s.append(
    row({
      ts: NOW - 2 * DAY,
      action: 'hosts.connect',
      target: 'gpu1',
      result: 'error',
      errorCode: 'TIMEOUT',
      hostId: 1,
    }),
  );
  s.append(
    row({
      ts: NOW - 2 * DAY,
      action: 'hosts.add',
      target: 'ct-7',
      params: '{"name":"ct-7","secret":"[redacted]"}',
      hostId: 2,
    }),
  );
  s.append(
    row({
      action: 'terminals.open',
      target: 'gpu1 as root',
      hostId: 1,
      sessionId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    }),
  );
  s.append(
    row({
      action: 'terminals.close',
      target: 'gpu1 as root',
      hostId: 1,
      sessionId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    }),
  );
  s.append(row({ action: 'terminals.open', target: 'gpu1 as bob', hostId: 1 }));
  s.append(
    row({
      action: 'jobs.runCommand',
      target: 'gpu1',
      jobId: '2b4e28ba-2fa1-11d2-883f-0016d3cca427',
      actor: 'bob@browser(127.0.0.1)',
    }),
  );
  s.append(
    row({
      action: 'jobs.failed',
      target: 'Run: make on gpu1',
      result: 'error',
      errorCode: 'FAILED',
      jobId: '2b4e28ba-2fa1-11d2-883f-0016d3cca427',
      actor: 'labdeck (automatic)',
    }),
  );
  return { d, s };
}

const ids = (rows: { id: number }[]): number[] => rows.map((r) => r.id).sort((a, b) => a - b);

describe('audit filters, search and questions', () => {
  it('each built-in question returns exactly its rows, with counts', () => {
    const { d, s } = seeded();
    const q = new AuditQuestions(d.db, s, () => NOW);
    const byName = Object.fromEntries(q.list(1).map((x) => [x.name, x]));
    const rowsOf = (name: string): number[] => ids(s.list({ ...byName[name]!.filter, limit: 100 }).rows);
    expect(rowsOf('Failures in the last 7 days')).toEqual([2, 8]); // the 30-day-old failure is out
    expect(rowsOf('Changes to this host')).toEqual([1, 2, 4, 5, 6]);
    expect(rowsOf('Root shells')).toEqual([4]);
    expect(rowsOf('Jobs and their outcomes')).toEqual([7, 8]);
    expect(rowsOf('Secrets touched')).toEqual([3]);
    expect(byName['Failures in the last 7 days']!.count).toBe(2);
    expect(byName['Root shells']!.count).toBe(1);
    // Without a host, the per-host question is not offered.
    expect(q.list().some((x) => x.name === 'Changes to this host')).toBe(false);
  });

  it('finds rows by full-text words (prefixes, any field) and combines with filters; hostile text is just text', () => {
    const { s } = seeded();
    expect(ids(s.list({ q: 'ct-7', limit: 50 }).rows)).toEqual([3]);
    expect(ids(s.list({ q: '7', limit: 50 }).rows)).toContain(3); // a part of a dashed name
    expect(ids(s.list({ q: 'browser', limit: 50 }).rows)).toEqual([7]);
    expect(ids(s.list({ q: 'gpu1 root', limit: 50 }).rows)).toEqual([4, 5]);
    expect(ids(s.list({ q: 'TIMEO', limit: 50 }).rows)).toEqual([2]);
    expect(ids(s.list({ q: 'gpu1', result: 'error', limit: 50 }).rows)).toEqual([1, 2, 8]);
    expect(ids(s.list({ actor: 'bob@browser(127.0.0.1)', limit: 50 }).rows)).toEqual([7]);
    expect(ids(s.list({ area: 'terminals', limit: 50 }).rows)).toEqual([4, 5, 6]);
    expect(ids(s.list({ sessionId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', limit: 50 }).rows)).toEqual([
      4, 5,
    ]);
    for (const hostile of ['"', 'a OR b', 'NEAR(', '*', '^x', "'; DROP TABLE audit_events; --", '(((']) {
      expect(() => s.list({ q: hostile, limit: 5 })).not.toThrow();
    }
  });

  it('search entries a crash lost (written in batches) are rebuilt at the next start', () => {
    const d = tempDb();
    dbs.push(d);
    const first = new AuditStore(d.db, () => NOW);
    // Written, but its search entry still pending when the process dies (no flush, no close).
    first.append({
      ts: NOW,
      actor: 'a',
      action: 'hosts.add',
      target: 'late-box',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(d.sqlite.prepare('SELECT COUNT(*) FROM audit_fts').pluck().get()).toBe(0);
    const next = new AuditStore(d.db, () => NOW);
    expect(next.list({ q: 'late-box', limit: 5 }).rows.map((r) => r.target)).toEqual(['late-box']);
    first.close();
    next.close();
  });

  it('counts stop at 10,001 (a question says 10,000+), exports count everything', () => {
    const d = tempDb();
    dbs.push(d);
    const s = new AuditStore(d.db, () => NOW);
    d.sqlite.transaction(() => {
      for (let i = 0; i < 10_050; i++) {
        s.append({
          ts: NOW - i,
          actor: 'a',
          action: 'settings.update',
          target: 's',
          params: '{}',
          result: 'ok',
          errorCode: null,
          durationMs: 1,
        });
      }
    })();
    expect(s.count({})).toBe(10_001);
    expect(s.count({}, Infinity)).toBe(10_050);
    s.close();
  });

  it('saved questions keep a filter under a name; built-in names are taken', () => {
    const { d, s } = seeded();
    const q = new AuditQuestions(d.db, s, () => NOW);
    const saved = q.save('gpu1 failures', { q: 'gpu1', result: 'error' });
    expect(saved).toMatchObject({ builtin: false, count: 3 });
    expect(() => q.save('Root shells', {})).toThrow(/built-in/);
    expect(q.remove(saved.key)).toBe('gpu1 failures');
    expect(q.list().some((x) => x.name === 'gpu1 failures')).toBe(false);
  });
});

describe('hash chain', () => {
  it('chains every row to the one before; an untouched history verifies', async () => {
    const { s } = seeded();
    const first = s.get(1)!;
    expect(first.prevHash).toBe(GENESIS);
    expect(first.hash).toBe(chainHash(GENESIS, first));
    expect(s.get(2)!.prevHash).toBe(first.hash);
    const progress: number[] = [];
    expect(await s.verify((done) => progress.push(done))).toEqual({
      ok: true,
      rows: 8,
      firstBadId: null,
      problem: null,
    });
    expect(progress.at(-1)).toBe(8);
  });

  it('keeps one chain when two writers share the file (the cached head is re-read when it moved)', async () => {
    const d = tempDb();
    dbs.push(d);
    const a = new AuditStore(d.db, () => NOW);
    const b = new AuditStore(d.db, () => NOW);
    const row = {
      ts: NOW,
      actor: 'a',
      action: 'settings.update',
      target: 's',
      params: '{}',
      result: 'ok' as const,
      errorCode: null,
      durationMs: 1,
    };
    for (let i = 0; i < 10; i++) (i % 3 ? a : b).append(row);
    expect(await a.verify()).toMatchObject({ ok: true, rows: 10 });
    a.close();
    b.close();
  });

  it('names exactly the row edited outside the app with the sqlite3 CLI (triggers dropped)', async () => {
    const { d, s } = seeded();
    // Another process, as someone covering their tracks would do it.
    execFileSync('sqlite3', [
      d.file,
      "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET target = 'innocent' WHERE id = 5;",
    ]);
    expect(await s.verify()).toMatchObject({
      ok: false,
      firstBadId: 5,
      rows: 4,
      problem: 'row #5 was changed after it was written',
    });
  });

  it('names a deleted row, a deleted run of rows, and the newest row deleted', async () => {
    // A fresh history with its delete guard dropped and the rows `where` picks deleted, verified.
    const verifyAfterDeleting = (where: string): ReturnType<AuditStore['verify']> => {
      const { d, s } = seeded();
      d.sqlite.exec('DROP TRIGGER audit_events_no_delete');
      d.sqlite.prepare(`DELETE FROM audit_events WHERE ${where}`).run();
      return s.verify();
    };
    expect(await verifyAfterDeleting('id = 3')).toMatchObject({
      ok: false,
      firstBadId: 3,
      rows: 2,
      problem: 'row #3 was deleted',
    });
    expect(await verifyAfterDeleting('id IN (5, 6)')).toMatchObject({
      ok: false,
      firstBadId: 5,
      problem: 'rows #5–#6 were deleted',
    });
    expect(await verifyAfterDeleting('id = 8')).toMatchObject({
      ok: false,
      firstBadId: 8,
      rows: 7,
      problem: 'row #8 (the newest) was deleted',
    });
  });

  it('names a row slipped in past the writer, and one whose link was rewritten', async () => {
    const a = seeded();
    a.d.sqlite
      .prepare(
        "INSERT INTO audit_events (ts, actor, action, target, params, result, duration_ms) VALUES (?, 'x', 'hosts.add', 'h', '{}', 'ok', 1)",
      )
      .run(NOW);
    expect(await a.s.verify()).toMatchObject({
      ok: false,
      firstBadId: 9,
      problem: 'row #9 was added outside Labdeck (it has no place in the chain)',
    });
    // Not chained at the next start either: only a history with no hash at all is filled in.
    const again = new AuditStore(a.d.db, () => NOW);
    expect(await again.verify()).toMatchObject({ ok: false, firstBadId: 9 });
    again.close();
    const b = seeded();
    b.d.sqlite.exec('DROP TRIGGER audit_events_no_update');
    b.d.sqlite.prepare('UPDATE audit_events SET prev_hash = ? WHERE id = 4').run('f'.repeat(64));
    const r = await b.s.verify();
    expect(r).toMatchObject({ ok: false, firstBadId: 4 });
    expect(r.problem).toMatch(/the row before #4 is not the one it was chained to/);
  });

  it('refuses an update of a written row, but lets a row from before the chain get its hash once', () => {
    const { d } = seeded();
    expect(() => d.sqlite.prepare("UPDATE audit_events SET target = 'x' WHERE id = 2").run()).toThrow(
      /append-only/,
    );
    expect(() => d.sqlite.prepare("UPDATE audit_events SET hash = 'x' WHERE id = 2").run()).toThrow(
      /append-only/,
    );
    expect(() => d.sqlite.prepare('DELETE FROM audit_events WHERE id = 2').run()).toThrow(/append-only/);
  });

  it('an upgrade moves the chain from its old table into the rows, and it still verifies', async () => {
    // The migrations as they were before 0010: the chain in its own table, written as the old writer did.
    const dir = tempDir();
    const old = path.join(dir, 'migrations');
    fs.cpSync(MIGRATIONS, old, { recursive: true });
    const journalFile = path.join(old, 'meta/_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0010');
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    const file = path.join(dir, 'labdeck.db');
    const before = openDatabase(file, old);
    const ins = before.sqlite.prepare(
      "INSERT INTO audit_events (ts, actor, action, target, params, result, duration_ms, host_id) VALUES (?, 'old', 'hosts.add', ?, '{}', 'ok', 1, 3)",
    );
    const chain = before.sqlite.prepare(
      'INSERT INTO audit_chain (event_id, prev_hash, hash) VALUES (?, ?, ?)',
    );
    let prev = GENESIS;
    for (let i = 0; i < 4; i++) {
      const id = Number(ins.run(NOW + i, `h${i}`).lastInsertRowid);
      const e = {
        id,
        ts: NOW + i,
        actor: 'old',
        action: 'hosts.add',
        target: `h${i}`,
        params: '{}',
        result: 'ok' as const,
        errorCode: null,
        durationMs: 1,
        hostId: 3,
        jobId: null,
        sessionId: null,
        experimentId: null,
      };
      const hash = chainHash(prev, e);
      chain.run(id, prev, hash);
      prev = hash;
    }
    before.close();
    const after = openDatabase(file, MIGRATIONS);
    dbs.push(after);
    expect(
      after.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'audit_chain'").get(),
    ).toBeUndefined();
    const s2 = new AuditStore(after.db, () => NOW);
    expect(s2.get(4)!.hash).toBe(prev);
    s2.append({
      ts: NOW,
      actor: 'a',
      action: 'settings.update',
      target: 's',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(s2.get(5)!.prevHash).toBe(prev);
    expect(await s2.verify()).toMatchObject({ ok: true, rows: 5 });
    expect(() => after.sqlite.prepare("UPDATE audit_events SET target = 'x' WHERE id = 1").run()).toThrow(
      /append-only/,
    );
    s2.close();
  });

  it('rows written before the chain existed get theirs at start, in order', async () => {
    const d = tempDb();
    dbs.push(d);
    const ins = d.sqlite.prepare(
      "INSERT INTO audit_events (ts, actor, action, target, params, result, duration_ms) VALUES (?, 'old', 'hosts.add', ?, '{}', 'ok', 1)",
    );
    for (let i = 0; i < 5; i++) ins.run(NOW + i, `h${i}`);
    const s2 = new AuditStore(d.db, () => NOW);
    expect(s2.get(1)!.prevHash).toBe(GENESIS);
    expect(s2.get(2)!.prevHash).toBe(s2.get(1)!.hash);
    s2.append({
      ts: NOW,
      actor: 'a',
      action: 'settings.update',
      target: 's',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(await s2.verify()).toMatchObject({ ok: true, rows: 6 });
    s2.close();
  });
});

describe('export', () => {
  const ctx = (): JobContext & { progressSeen: number[] } => {
    const progressSeen: number[] = [];
    return {
      signal: new AbortController().signal,
      step: (_n, fn) => fn(),
      skip: () => undefined,
      log: () => undefined,
      progress: (f) => progressSeen.push(f),
      detail: () => undefined,
      progressSeen,
    };
  };

  it('round-trips 100,000 rows to CSV and JSON Lines: counts and hashes match, and the chain checks out', async () => {
    const d = tempDb();
    dbs.push(d);
    const s = new AuditStore(d.db, () => NOW);
    d.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        s.append({
          ts: NOW - 100_000 + i,
          actor: i % 7 ? 'alice@desktop' : '=cmd|" /C calc"!A0',
          action: 'settings.update',
          target: `line, "quoted"\nnext ${i}`,
          params: '{"a":1}',
          result: i % 10 ? 'ok' : 'error',
          errorCode: i % 10 ? null : 'TIMEOUT',
          durationMs: i % 50,
        });
      }
    });
    const dir = path.join(d.dir, 'exports');
    for (const format of ['jsonl', 'csv'] as const) {
      const job = exportJob(s, dir, {}, format, () => NOW);
      const c = ctx();
      const t0 = performance.now();
      await job.run(c);
      console.log(`[export] 100,000 rows as ${format} in ${Math.round(performance.now() - t0)} ms`);
      expect(c.progressSeen.at(-1)).toBe(1);
      const text = fs.readFileSync(job.file, 'utf8');
      if (format === 'jsonl') {
        const rows = text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as ChainedAuditEvent);
        expect(rows).toHaveLength(100_000);
        // The documented check of an exported copy: recompute each hash from the previous one.
        let prev = GENESIS;
        for (const r of rows) {
          expect(r.prevHash).toBe(prev);
          prev = createHash('sha256')
            .update(
              `${prev}\n${JSON.stringify([r.id, r.ts, r.actor, r.action, r.target, r.params, r.result, r.errorCode, r.durationMs, r.hostId, r.jobId, r.sessionId])}`,
            )
            .digest('hex');
          if (prev !== r.hash) throw new Error(`hash of row ${r.id} does not match`);
        }
      } else {
        expect(text.split('\n')[0]).toBe(EXPORT_COLUMNS.join(','));
        // Quoted newlines: count records by their id column instead of lines.
        expect((text.match(/\n\d+,\d{13},/g) ?? []).length).toBe(100_000);
        expect(text).toContain(`"line, ""quoted""\nnext 99999"`);
        expect(text).not.toMatch(/\n\d+,\d+,=cmd/); // no formula a spreadsheet would run
        expect(text).toContain("'=cmd");
        expect(text.trim().split('\n').at(-1)!.endsWith(s.get(100_000)!.hash)).toBe(true);
      }
    }
  }, 120_000);

  it('leaves out rows written after it was asked for (its own audit row among them)', async () => {
    const { d, s } = seeded();
    const job = exportJob(s, path.join(d.dir, 'exports'), {}, 'jsonl', () => NOW);
    // The dispatcher records the export call after its handler made the job.
    s.append({
      ts: NOW,
      actor: 'me',
      action: 'audit.export',
      target: 'audit history as jsonl',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(await job.run(ctx())).toMatch(/^Wrote 8 rows to /);
    expect(fs.readFileSync(job.file, 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('csvField quotes and defuses', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
  });
});

describe('retention', () => {
  const run = (spec: ReturnType<typeof archiveJob>): Promise<string | void> =>
    spec.run({
      signal: new AbortController().signal,
      step: (_n, fn) => fn(),
      skip: () => undefined,
      log: () => undefined,
      progress: () => undefined,
      detail: () => undefined,
    });

  it('moves rows older than the limit to a compressed archive; the rest still verifies and keeps chaining', async () => {
    const { d, s } = seeded();
    const dir = path.join(d.dir, 'archive');
    const msg = await run(archiveJob(d.db, s, dir, NOW - 10 * DAY, () => NOW));
    expect(msg).toMatch(/Moved 1 row \(#1–#1\)/);
    expect(
      s
        .list({ limit: 50 })
        .rows.map((r) => r.id)
        .sort((a, b) => a - b),
    ).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const [archive] = listArchives(d.db, dir);
    expect(archive).toMatchObject({ firstEventId: 1, lastEventId: 1, rows: 1 });
    expect(archive!.bytes).toBeGreaterThan(0);
    expect(await searchArchive(dir, archive!.file, 'gpu1 auth_failed')).toHaveLength(1);
    expect(await searchArchive(dir, archive!.file, 'nothing-like-this')).toHaveLength(0);
    // Its search entry left with it; the others' stay.
    const indexed = (): number[] =>
      d.sqlite.prepare('SELECT rowid FROM audit_fts ORDER BY rowid').pluck().all() as number[];
    expect(indexed()).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(
      d.sqlite.prepare(`SELECT rowid FROM audit_fts WHERE audit_fts MATCH '"gpu1"*'`).pluck().all(),
    ).toEqual(
      s
        .list({ q: 'gpu1', limit: 50 })
        .rows.map((r) => r.id)
        .sort((a, b) => a - b),
    );
    expect(await s.verify()).toMatchObject({ ok: true, rows: 7 });
    s.append({
      ts: NOW,
      actor: 'a',
      action: 'settings.update',
      target: 'settings',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(await s.verify()).toMatchObject({ ok: true, rows: 8 });
    // The append-only rule is back in force after the move.
    expect(() => d.sqlite.prepare('DELETE FROM audit_events WHERE id = 2').run()).toThrow(/append-only/);
  });

  it('archiving everything leaves an anchor the next row chains from', async () => {
    const { d, s } = seeded();
    const dir = path.join(d.dir, 'archive');
    await run(archiveJob(d.db, s, dir, NOW + 1, () => NOW));
    expect(s.list({ limit: 50 }).rows).toEqual([]);
    s.append({
      ts: NOW,
      actor: 'a',
      action: 'settings.update',
      target: 'settings',
      params: '{}',
      result: 'ok',
      errorCode: null,
      durationMs: 1,
    });
    expect(await s.verify()).toMatchObject({ ok: true, rows: 1 });
    expect(await run(archiveJob(d.db, s, dir, NOW - 100 * DAY, () => NOW))).toBe('Nothing to archive.');
  });
});
