// The jobs area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { jobsCalls, jobsStreams } from './jobs';

export const JOBS_CALLS = [
  'jobs.list',
  'jobs.get',
  'jobs.cancel',
  'jobs.runCommand',
] as const satisfies readonly (keyof typeof jobsCalls)[];

export const JOBS_STREAMS = [
  'jobs.changes',
  'jobs.log',
] as const satisfies readonly (keyof typeof jobsStreams)[];
