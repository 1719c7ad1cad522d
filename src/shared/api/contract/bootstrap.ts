// Bootstrap: the bundled Ansible roles run on hosts — a preview (check mode with diffs) first, an
// approved apply, every task streamed live, and the history of runs per host.
import { z } from 'zod';
import type {
  BootstrapCatalog,
  BootstrapComparison,
  BootstrapEvent,
  BootstrapHostSummary,
  BootstrapRun,
  BootstrapRunSummary,
} from '../bootstrap-domain';
import { call, empty, out, stream } from './define';
import { hostId } from './hosts';

export const roleName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a role name like "docker"');
const varValue = z.union([
  z.string().max(4096),
  z.number().finite(),
  z.boolean(),
  z.array(z.string().max(256)).max(100),
]);
const runId = z.string().uuid();

export const bootstrapStartInput = z
  .object({
    hostIds: z.array(hostId).min(1, 'pick at least one host').max(50),
    roles: z.array(roleName).min(1, 'pick at least one role').max(20),
    /** Role variables by name; what is not given keeps the role's default. */
    vars: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a variable name'), varValue)
      .default({}),
    /** "check": a preview that changes nothing; "apply": do it. */
    mode: z.enum(['check', 'apply']),
  })
  .strict();

export const bootstrapCalls = {
  /** The bundled roles with their documented variables, and the variables they share. */
  'bootstrap.catalog': call({ input: empty, output: out<BootstrapCatalog>(), mutating: false }),
  /** Starts a preview or an apply on the hosts: one job, the hosts side by side. */
  'bootstrap.start': call({ input: bootstrapStartInput, output: out<BootstrapRunSummary>(), mutating: true }),
  /** Applies what a finished preview showed (same hosts, roles and variables). */
  'bootstrap.approve': call({
    input: z.object({ runId }).strict(),
    output: out<BootstrapRunSummary>(),
    mutating: true,
  }),
  /** Runs again: the same roles and variables, on every host or only those that failed. */
  'bootstrap.rerun': call({
    input: z.object({ runId, onlyFailed: z.boolean().default(false) }).strict(),
    output: out<BootstrapRunSummary>(),
    mutating: true,
  }),
  /** Stops a run on its hosts. */
  'bootstrap.cancel': call({
    input: z.object({ runId }).strict(),
    output: out<BootstrapRunSummary>(),
    mutating: true,
  }),
  'bootstrap.runs': call({
    input: z
      .object({ hostId: hostId.optional(), limit: z.number().int().min(1).max(500).default(100) })
      .strict(),
    output: out<BootstrapRunSummary[]>(),
    mutating: false,
  }),
  'bootstrap.get': call({
    input: z.object({ runId }).strict(),
    output: out<BootstrapRun>(),
    mutating: false,
  }),
  /** The raw Ansible output of one host's run (kept up to a cap). */
  'bootstrap.log': call({
    input: z.object({ runId, hostId }).strict(),
    output: out<{ text: string; truncated: boolean }>(),
    mutating: false,
  }),
  'bootstrap.compare': call({
    input: z.object({ a: runId, b: runId }).strict(),
    output: out<BootstrapComparison>(),
    mutating: false,
  }),
  'bootstrap.hostSummary': call({
    input: z.object({ hostId }).strict(),
    output: out<BootstrapHostSummary>(),
    mutating: false,
  }),
  /** Whether a host's bootstrap starts with a preview (the default) or applies straight away. */
  'bootstrap.setSkipPreview': call({
    input: z.object({ hostId, skip: z.boolean() }).strict(),
    output: out<BootstrapHostSummary>(),
    mutating: true,
  }),
} as const;

export const bootstrapStreams = {
  /** One run as it goes: each host's state and each task as it starts and ends. */
  'bootstrap.events': stream({ params: z.object({ runId }).strict(), event: out<BootstrapEvent>() }),
} as const;
