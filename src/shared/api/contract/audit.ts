// The audit history: filters, full-text search, saved questions, details with the hash chain,
// verification of the chain and exports (both as jobs).
import { z } from 'zod';
import type {
  AuditArchive,
  AuditEvent,
  AuditPage,
  AuditQuestion,
  ChainedAuditEvent,
  JobInfo,
} from '../domain';
import { call, empty, label, out } from './define';

const actionName = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)*$/, 'must be an action name like "settings.update"')
  .max(64);

/** What the Activity page can filter on; every field optional, all combined. */
export const auditFilterSchema = z
  .object({
    action: actionName.optional(),
    area: z
      .string()
      .regex(/^[a-z][a-zA-Z0-9]*$/, 'must be an area like "hosts"')
      .max(32)
      .optional(),
    result: z.enum(['ok', 'error']).optional(),
    actor: z.string().min(1).max(128).optional(),
    hostId: z.number().int().positive().optional(),
    jobId: z.string().uuid().optional(),
    sessionId: z.string().uuid().optional(),
    experimentId: z.number().int().positive().optional(),
    targetSuffix: z.string().min(1).max(64).optional(),
    runAs: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a Linux user name')
      .optional(),
    secrets: z.boolean().optional(),
    q: z.string().trim().max(200).optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    sinceMs: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 24 * 3600 * 1000)
      .optional(),
  })
  .strict();

export const auditListInput = auditFilterSchema
  .extend({
    before: z
      .object({ ts: z.number().int().nonnegative(), id: z.number().int().positive() })
      .strict()
      .optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict()
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, {
    message: 'must not be after "to"',
    path: ['from'],
  });

export const auditCalls = {
  'audit.list': call({ input: auditListInput, output: out<AuditPage>(), mutating: false }),
  'audit.actions': call({ input: empty, output: out<string[]>(), mutating: false }),
  'audit.actors': call({ input: empty, output: out<string[]>(), mutating: false }),
  /** One row with its hashes, and the rows of the same job or terminal session. */
  'audit.get': call({
    input: z.object({ id: z.number().int().positive() }).strict(),
    output: out<{ row: ChainedAuditEvent; related: AuditEvent[] }>(),
    mutating: false,
  }),
  'audit.questions': call({
    input: z.object({ hostId: z.number().int().positive().optional() }).strict(),
    output: out<AuditQuestion[]>(),
    mutating: false,
  }),
  'audit.saveQuestion': call({
    input: z.object({ name: label, filter: auditFilterSchema }).strict(),
    output: out<AuditQuestion>(),
    mutating: true,
    target: (i) => i.name,
  }),
  'audit.removeQuestion': call({
    input: z
      .object({
        key: z
          .string()
          .regex(/^saved:\d+$/, 'must be a saved question')
          .max(32),
      })
      .strict(),
    output: out<{ removed: true }>(),
    mutating: true,
  }),
  /** Walks the hash chain (a job, with progress) and names the first row that does not match. */
  'audit.verify': call({
    input: empty,
    output: out<JobInfo>(),
    mutating: true,
    target: () => 'audit history',
  }),
  /** Archives made by the retention setting, newest first. */
  'audit.archives': call({ input: empty, output: out<AuditArchive[]>(), mutating: false }),
  /** Moves rows older than the retention setting to an archive now (a job). */
  'audit.archiveNow': call({
    input: empty,
    output: out<JobInfo>(),
    mutating: true,
    target: () => 'audit history',
  }),
  /** Rows of an archive containing every word. */
  'audit.searchArchive': call({
    input: z
      .object({
        file: z
          .string()
          .regex(/^audit-\d+-\d+-[\w-]+\.jsonl\.gz$/, 'must be an archive file name')
          .max(200),
        q: z.string().trim().max(200).default(''),
      })
      .strict(),
    output: out<ChainedAuditEvent[]>(),
    mutating: false,
  }),
  /** Writes the rows matching a filter, with their hashes, to a file (a job, with progress). */
  'audit.export': call({
    input: z.object({ filter: auditFilterSchema, format: z.enum(['csv', 'jsonl']) }).strict(),
    output: out<JobInfo>(),
    mutating: true,
    target: (i) => `audit history as ${i.format}`,
  }),
} as const;
