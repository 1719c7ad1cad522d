// The contract's call and stream names as plain data, so the preload and the renderer can build the
// API without bundling zod: each area lists its own (contract/<area>.names.ts), and the compiler
// checks that together they match the contract exactly.
import type { CallName, StreamName } from './contract';
import { APP_CALLS } from './contract/app.names';
import { AUDIT_CALLS } from './contract/audit.names';
import { BOOTSTRAP_CALLS, BOOTSTRAP_STREAMS } from './contract/bootstrap.names';
import { DOCKER_CALLS, DOCKER_STREAMS } from './contract/docker.names';
import { EXPERIMENTS_CALLS } from './contract/experiments.names';
import { FORWARDS_CALLS } from './contract/forwards.names';
import { HOSTS_CALLS, HOSTS_STREAMS } from './contract/hosts.names';
import { JOBS_CALLS, JOBS_STREAMS } from './contract/jobs.names';
import { METRICS_CALLS, METRICS_STREAMS } from './contract/metrics.names';
import { SYSTEM_CALLS, SYSTEM_STREAMS } from './contract/system.names';
import { TERMINALS_CALLS, TERMINALS_STREAMS } from './contract/terminals.names';

export const CALL_NAMES = [
  ...APP_CALLS,
  ...SYSTEM_CALLS,
  ...AUDIT_CALLS,
  ...HOSTS_CALLS,
  ...TERMINALS_CALLS,
  ...JOBS_CALLS,
  ...BOOTSTRAP_CALLS,
  ...DOCKER_CALLS,
  ...METRICS_CALLS,
  ...EXPERIMENTS_CALLS,
  ...FORWARDS_CALLS,
] as const satisfies readonly CallName[];

export const STREAM_NAMES = [
  ...SYSTEM_STREAMS,
  ...HOSTS_STREAMS,
  ...TERMINALS_STREAMS,
  ...JOBS_STREAMS,
  ...BOOTSTRAP_STREAMS,
  ...DOCKER_STREAMS,
  ...METRICS_STREAMS,
] as const satisfies readonly StreamName[];

type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const callsComplete: Missing<CallName, (typeof CALL_NAMES)[number]> = true;
const streamsComplete: Missing<StreamName, (typeof STREAM_NAMES)[number]> = true;
void callsComplete;
void streamsComplete;
