// The audit area: the history as the Activity page reads it (rows are written only by the
// dispatcher), saved questions, row details with the hash chain, and verify/export as jobs.
import path from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { AreaApi } from '../../lib/area';
import type { JobRunner } from '../jobs/job-runner';
import type { Db } from '../../db/database';
import { archiveJob, listArchives, searchArchive } from './audit-archive';
import { exportJob, verifyJob } from './audit-jobs';
import type { AuditStore } from './audit-store';
import type { AuditQuestions } from './questions';

type AuditCalls =
  | 'audit.list'
  | 'audit.actions'
  | 'audit.actors'
  | 'audit.get'
  | 'audit.questions'
  | 'audit.saveQuestion'
  | 'audit.removeQuestion'
  | 'audit.verify'
  | 'audit.export'
  | 'audit.archives'
  | 'audit.archiveNow'
  | 'audit.searchArchive';

export interface AuditAreaDeps {
  audit: AuditStore;
  questions: AuditQuestions;
  jobs: JobRunner;
  /** Where exports are written (browser mode serves them from there as downloads). */
  exportsDir: string;
  archiveDir: string;
  db: Db;
  retentionDays: () => number;
}

const DAY = 24 * 60 * 60 * 1000;

export function auditApi(d: AuditAreaDeps): AreaApi<AuditCalls> {
  const { audit, questions, jobs, exportsDir } = d;
  return {
    handlers: {
      'audit.list': (filter) => audit.list(filter),
      'audit.actions': () => audit.actions(),
      'audit.actors': () => audit.actors(),
      'audit.get': ({ id }) => {
        const row = audit.get(id);
        if (!row) throw new ApiError('NOT_FOUND', `There is no audit row #${id}.`);
        // The rest of its job or terminal session, oldest first.
        const same = row.jobId ? { jobId: row.jobId } : row.sessionId ? { sessionId: row.sessionId } : null;
        const related = same ? audit.list({ ...same, limit: 200 }).rows.reverse() : [];
        return { row, related };
      },
      'audit.questions': ({ hostId }) => questions.list(hostId),
      'audit.saveQuestion': ({ name, filter }) => questions.save(name, filter),
      'audit.removeQuestion': ({ key }, ctx) => {
        ctx.target = questions.remove(key);
        return { removed: true as const };
      },
      'audit.verify': (_i, ctx) => {
        const job = jobs.start(verifyJob(audit), ctx.actor);
        ctx.refs = { jobId: job.id };
        return job;
      },
      'audit.export': ({ filter, format }, ctx) => {
        const spec = exportJob(audit, exportsDir, filter, format);
        const job = jobs.start(spec, ctx.actor);
        ctx.refs = { jobId: job.id };
        ctx.auditDetails = { file: path.basename(spec.file) };
        return job;
      },
      'audit.archives': () => listArchives(d.db, d.archiveDir),
      'audit.archiveNow': (_i, ctx) => {
        const days = d.retentionDays();
        if (days <= 0) {
          throw new ApiError(
            'VALIDATION',
            'Keeping all history is set: choose how many days to keep in Settings first.',
          );
        }
        const job = jobs.start(archiveJob(d.db, audit, d.archiveDir, Date.now() - days * DAY), ctx.actor);
        ctx.refs = { jobId: job.id };
        return job;
      },
      'audit.searchArchive': ({ file, q }) => searchArchive(d.archiveDir, file, q),
    },
    streams: {},
  };
}
