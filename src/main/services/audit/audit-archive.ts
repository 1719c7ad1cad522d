// Retention: rows older than the person's limit move out of the live history into a compressed
// JSON Lines archive (with their hashes), never silently deleted. The archive's last hash anchors
// the chain of what stays, so "Verify history" still proves the rest; archives are listed and can
// be searched by opening them.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { desc } from 'drizzle-orm';
import type { AuditArchive, ChainedAuditEvent } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../db/database';
import { auditAnchors } from '../../db/schema';
import type { JobSpec } from '../jobs/job-runner';
import { plural } from './audit-jobs';
import type { AuditStore } from './audit-store';

/** The append-only triggers, as the migrations create them: dropped and made again around a move. */
const APPEND_ONLY = `
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;`;

export function listArchives(db: Db, dir: string): AuditArchive[] {
  return db
    .select()
    .from(auditAnchors)
    .orderBy(desc(auditAnchors.lastEventId))
    .all()
    .map((a) => {
      let bytes = 0;
      try {
        bytes = fs.statSync(path.join(dir, a.file)).size;
      } catch {
        /* moved away by the person: still listed, with size 0 */
      }
      return { ...a, bytes };
    });
}

/** The rows to move: the oldest ones, up to the first row at or after the cutoff (a prefix of the chain). */
function range(db: Db, cutoffTs: number): { first: number; last: number } | null {
  const c = db.$client;
  const first = c.prepare('SELECT MIN(id) FROM audit_events').pluck().get() as number | null;
  if (first === null) return null;
  const keep = c.prepare('SELECT MIN(id) FROM audit_events WHERE ts >= ?').pluck().get(cutoffTs) as
    number | null;
  const last =
    keep === null ? (c.prepare('SELECT MAX(id) FROM audit_events').pluck().get() as number) : keep - 1;
  return last >= first ? { first, last } : null;
}

export function archiveJob(
  db: Db,
  audit: AuditStore,
  dir: string,
  cutoffTs: number,
  now: () => number = Date.now,
): JobSpec {
  return {
    kind: 'audit-archive',
    title: `Archive history older than ${new Date(cutoffTs).toISOString().slice(0, 10)}`,
    target: 'audit history',
    hostIds: [],
    steps: ['Write the archive', 'Move the rows'],
    locks: ['audit:archive'],
    run: async (ctx) => {
      const r = range(db, cutoffTs);
      if (!r) {
        ctx.skip('Write the archive', 'nothing older than the limit');
        ctx.skip('Move the rows', 'nothing to move');
        return 'Nothing to archive.';
      }
      const file = `audit-${r.first}-${r.last}-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.jsonl.gz`;
      const full = path.join(dir, file);
      let last: ChainedAuditEvent | null = null;
      let firstRow: ChainedAuditEvent | null = null;
      let rows = 0;
      const total = r.last - r.first + 1;
      await ctx.step('Write the archive', async () => {
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        const lines = function* (): Generator<string> {
          for (const batch of audit.iterate({}, 5000)) {
            for (const row of batch) {
              if (row.id > r.last) return;
              firstRow ??= row;
              last = row;
              rows++;
              yield `${JSON.stringify(row)}\n`;
            }
            ctx.progress(rows / total);
            if (ctx.signal.aborted) throw new Error('Cancelled.');
          }
        };
        await pipeline(
          Readable.from(lines()),
          zlib.createGzip(),
          fs.createWriteStream(full, { mode: 0o600 }),
        );
        // On disk before anything is removed from the database.
        const fd = await fs.promises.open(full, 'r');
        await fd.sync();
        await fd.close();
      });
      if (!last || !firstRow) throw new Error('The rows to archive could not be read.');
      const lastRow: ChainedAuditEvent = last;
      const head: ChainedAuditEvent = firstRow;
      await ctx.step('Move the rows', () => {
        // Their search entries go with them: written first, so each can be taken out by its words.
        audit.flush();
        db.transaction(() => {
          db.$client
            .prepare(
              `INSERT INTO audit_fts (audit_fts, rowid, action, actor, target, params, error_code)
               SELECT 'delete', e.id, e.action, e.actor, e.target, e.params, COALESCE(e.error_code, '')
               FROM audit_events e WHERE e.id <= ? AND e.id IN (SELECT rowid FROM audit_fts)`,
            )
            .run(lastRow.id);
          db.insert(auditAnchors)
            .values({
              firstEventId: head.id,
              lastEventId: lastRow.id,
              lastHash: lastRow.hash,
              file,
              rows,
              oldestTs: head.ts,
              newestTs: lastRow.ts,
              createdAt: now(),
            })
            .run();
          // The one place rows leave the table, written here and nowhere else: the triggers are
          // dropped and made again inside this transaction.
          db.$client.exec('DROP TRIGGER audit_events_no_delete;');
          db.$client.prepare('DELETE FROM audit_events WHERE id <= ?').run(lastRow.id);
          db.$client.exec(APPEND_ONLY);
        });
        return Promise.resolve();
      });
      return `Moved ${plural(rows, 'row')} (#${head.id}–#${lastRow.id}) to ${full}.`;
    },
  };
}

/** Rows of an archive whose text contains every word (case-insensitive), newest last; at most `limit`. */
export async function searchArchive(
  dir: string,
  file: string,
  q: string,
  limit = 500,
): Promise<ChainedAuditEvent[]> {
  if (!/^audit-\d+-\d+-[\w-]+\.jsonl\.gz$/.test(file))
    throw new ApiError('VALIDATION', 'Not an archive name.', 'file');
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) throw new ApiError('NOT_FOUND', `The archive ${file} is not in ${dir} any more.`);
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const out: ChainedAuditEvent[] = [];
  const rl = readline.createInterface({
    input: fs.createReadStream(full).pipe(zlib.createGunzip()),
    crlfDelay: Infinity,
  });
  for await (const line of rl) {
    const lower = line.toLowerCase();
    if (words.every((w) => lower.includes(w))) {
      out.push(JSON.parse(line) as ChainedAuditEvent);
      if (out.length > limit) out.shift();
    }
  }
  return out;
}

const DAY = 24 * 60 * 60 * 1000;

/** Archives what the retention setting says is too old: soon after start, then once a day. */
export class RetentionScheduler {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly retentionDays: () => number,
    private readonly startArchive: (cutoffTs: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(firstAfterMs = 60_000): void {
    const tick = (): void => {
      const days = this.retentionDays();
      if (days > 0) this.startArchive(this.now() - days * DAY);
    };
    const first = setTimeout(tick, firstAfterMs);
    const daily = setInterval(tick, DAY);
    first.unref();
    daily.unref();
    this.timers = [first, daily];
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
