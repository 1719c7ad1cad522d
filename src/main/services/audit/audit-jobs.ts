// Long audit operations as jobs: verifying the hash chain (progress over every row) and exporting
// rows with their hashes to CSV or JSON Lines, written as a stream to a file in the data folder.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditFilterInput, ChainedAuditEvent } from '../../../shared/api/domain';
import type { JobSpec } from '../jobs/job-runner';
import type { AuditStore } from './audit-store';

export function verifyJob(audit: AuditStore): JobSpec {
  return {
    kind: 'audit-verify',
    title: 'Verify the history',
    target: 'audit history',
    hostIds: [],
    steps: ['Walk the hash chain'],
    locks: ['audit:verify'],
    run: async (ctx) => {
      const report = await ctx.step('Walk the hash chain', () =>
        audit.verify((done, total) => ctx.progress(total ? done / total : 1), ctx.signal),
      );
      if (!report.ok) {
        ctx.detail('Walk the hash chain', report.problem ?? 'mismatch');
        throw new Error(
          `The history does not match its hash chain at row #${report.firstBadId}: ${report.problem}. It was changed outside Labdeck; rows before it (${report.rows}) are intact.`,
        );
      }
      return report.rows === 1
        ? 'The 1 row matches its hash.'
        : `All ${plural(report.rows, 'row')} match their hashes.`;
    },
  };
}

/** "1 row", "2 rows", "1,000 rows". */
export const plural = (n: number, word: string): string =>
  `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

export const EXPORT_COLUMNS: (keyof ChainedAuditEvent)[] = [
  'id',
  'ts',
  'actor',
  'action',
  'target',
  'params',
  'result',
  'errorCode',
  'durationMs',
  'hostId',
  'jobId',
  'sessionId',
  'experimentId',
  'prevHash',
  'hash',
];

/** One CSV field: quoted when needed, and a leading = + - @ defused so a spreadsheet shows text. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function exportJob(
  audit: AuditStore,
  dir: string,
  filter: AuditFilterInput,
  format: 'csv' | 'jsonl',
  now: () => number = Date.now,
): JobSpec & { file: string } {
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  // What exists when the export is asked for; not the row that records the export itself.
  const maxId = audit.lastId();
  const file = path.join(dir, `labdeck-audit-${stamp}.${format}`);
  return {
    file,
    kind: 'audit-export',
    title: `Export the history as ${format === 'csv' ? 'CSV' : 'JSON Lines'}`,
    target: 'audit history',
    hostIds: [],
    steps: ['Write the file'],
    run: async (ctx) => {
      // A fixed snapshot, so rows written during the export neither join it nor make it run for ever.
      const upTo = { ...filter, maxId };
      const total = audit.count(upTo, Infinity);
      let rows = 0;
      await ctx.step('Write the file', async () => {
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        const out = fs.createWriteStream(file, { mode: 0o600 });
        const write = (text: string): Promise<void> =>
          out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', () => r()));
        try {
          if (format === 'csv') await write(`${EXPORT_COLUMNS.join(',')}\n`);
          for (const batch of audit.iterate(upTo)) {
            if (ctx.signal.aborted) throw new Error('Cancelled.');
            const text =
              format === 'csv'
                ? batch.map((r) => EXPORT_COLUMNS.map((c) => csvField(r[c])).join(',')).join('\n') + '\n'
                : batch.map((r) => JSON.stringify(r)).join('\n') + '\n';
            await write(text);
            rows += batch.length;
            ctx.progress(total ? rows / total : 1);
          }
        } finally {
          await new Promise<void>((r) => out.end(() => r()));
        }
        if (ctx.signal.aborted) await fs.promises.rm(file, { force: true });
        ctx.detail('Write the file', `${plural(rows, 'row')}, ${path.basename(file)}`);
      });
      return `Wrote ${plural(rows, 'row')} to ${file}`;
    },
  };
}
