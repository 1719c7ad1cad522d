// Jobs: long operations with steps, a live log, progress, cancel and an honest final state; and
// the first of them, a command run on one or more hosts.
import { z } from 'zod';
import type { JobInfo, JobLogEvent } from '../domain';
import { call, empty, out, stream } from './define';
import { hostId } from './hosts';

const jobId = z.object({ id: z.string().uuid() }).strict();

export const jobsCalls = {
  'jobs.list': call({
    input: z.object({ limit: z.number().int().min(1).max(500).default(100) }).strict(),
    output: out<JobInfo[]>(),
    mutating: false,
  }),
  'jobs.get': call({ input: jobId, output: out<JobInfo>(), mutating: false }),
  'jobs.cancel': call({ input: jobId, output: out<JobInfo>(), mutating: true }),
  /** Runs a shell command on each host (as its login user), output to the job's log. */
  'jobs.runCommand': call({
    input: z
      .object({
        hostIds: z.array(hostId).min(1, 'pick at least one host').max(50),
        command: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(4096)
          .refine((c) => !c.includes('\u0000'), 'must not contain a NUL byte'),
      })
      .strict(),
    output: out<JobInfo>(),
    mutating: true,
  }),
} as const;

export const jobsStreams = {
  /** Every job change (recent jobs first, then each change); while behind, each job's latest. */
  'jobs.changes': stream({ params: empty, event: out<JobInfo>() }),
  /** One job's log: what is stored, then each new line, and the job's own changes. */
  'jobs.log': stream({ params: jobId, event: out<JobLogEvent>() }),
} as const;
