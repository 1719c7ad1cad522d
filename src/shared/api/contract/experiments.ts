// Experiments: create one on a bootstrapped host (a job with live steps), resume or roll back a
// failed one, its secrets, what it uses now, archive it into a local folder and restore an archive
// onto the same or another host.
import { z } from 'zod';
import type {
  Experiment,
  ExperimentArchive,
  ExperimentJobStarted,
  ExperimentUsage,
  GiteaHostConfig,
} from '../experiments-domain';
import {
  EXPERIMENT_NAME_MAX,
  EXPERIMENT_NAME_PATTERN,
  EXPERIMENT_TEMPLATES,
  SECRET_NAME_PATTERN,
} from '../experiments-domain';
import { call, out } from './define';
import { hostId } from './hosts';

export const experimentName = z
  .string()
  .max(EXPERIMENT_NAME_MAX, `at most ${EXPERIMENT_NAME_MAX} characters`)
  .regex(EXPERIMENT_NAME_PATTERN, 'must be lower-case letters, digits and "-", starting with a letter')
  .refine((n) => !n.endsWith('-') && !n.includes('--'), 'must not end with "-" or hold "--"');

export const experimentId = z.number().int().positive();
/** A pip requirement name with an optional version pin, e.g. "numpy" or "torch==2.4.1". */
const packageSpec = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\[[A-Za-z0-9,._-]{1,100}\])?((==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!_-]{1,50})?$/,
    'must be a package name like "numpy" or "torch==2.4.1"',
  );
const description = z
  .string()
  .trim()
  .max(500, 'at most 500 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
  .default('');
export const secretName = z
  .string()
  .regex(SECRET_NAME_PATTERN, 'must be an environment variable name like API_TOKEN (A–Z, 0–9, "_")')
  .refine(
    (n) => !/^(PG[A-Z]*|DATABASE_URL|HOME|USER|PATH|SHELL|LOGNAME)$/.test(n),
    'is set by Labdeck itself',
  );
const limits = z
  .object({
    memoryMiB: z.number().int().min(64).max(4_194_304).nullable().default(null),
    cpuWeight: z.number().int().min(1).max(10_000).nullable().default(null),
  })
  .strict()
  .default({ memoryMiB: null, cpuWeight: null });
const archiveId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,120}$/, 'must be an archive folder name');

export const experimentCreateInput = z
  .object({
    hostId,
    name: experimentName,
    description,
    template: z.enum(EXPERIMENT_TEMPLATES).default('base'),
    /** python template: pip packages installed into ~/.venv from the host's configured index. */
    packages: z.array(packageSpec).max(50).default([]),
    limits,
  })
  .strict();

const giteaUrl = z
  .string()
  .trim()
  .max(2048)
  .url('must be a URL like http://127.0.0.1:3000')
  .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
  .refine((u) => !/@/.test(new URL(u).host), 'must not hold a user or password (give the token below)');
const giteaOwner = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'must be a Gitea user or organisation name');

export const experimentsCalls = {
  'experiments.list': call({
    input: z.object({ hostId: hostId.optional(), includeArchived: z.boolean().default(true) }).strict(),
    output: out<Experiment[]>(),
    mutating: false,
  }),
  'experiments.get': call({
    input: z.object({ id: experimentId }).strict(),
    output: out<Experiment>(),
    mutating: false,
  }),
  /** Creates it on the host as one job: user, database, repo, environment, limits. */
  'experiments.create': call({
    input: experimentCreateInput,
    output: out<ExperimentJobStarted>(),
    mutating: true,
  }),
  /** Runs a failed create (or restore) again from the step it stopped at. */
  'experiments.resume': call({
    input: z.object({ id: experimentId }).strict(),
    output: out<ExperimentJobStarted>(),
    mutating: true,
  }),
  /** Removes what a failed create made (user, home, role, database, repo, slice). */
  'experiments.rollback': call({
    input: z.object({ id: experimentId }).strict(),
    output: out<ExperimentJobStarted>(),
    mutating: true,
  }),
  /** What each experiment uses now (read on its host); one host's or all. */
  'experiments.usage': call({
    input: z.object({ hostId: hostId.optional() }).strict(),
    output: out<ExperimentUsage[]>(),
    mutating: false,
  }),
  /** Adds or replaces a secret: kept encrypted here, written to the host's 0600 env file. */
  'experiments.setSecret': call({
    input: z.object({ id: experimentId, name: secretName, secret: z.string().min(1).max(65_536) }).strict(),
    output: out<Experiment>(),
    mutating: true,
  }),
  'experiments.removeSecret': call({
    input: z.object({ id: experimentId, name: secretName }).strict(),
    output: out<Experiment>(),
    mutating: true,
  }),
  /**
   * Pushes the code, dumps the database, downloads both (and the home, if asked) into a local
   * archive folder with a manifest, then removes it from the host.
   */
  'experiments.archive': call({
    input: z.object({ id: experimentId, includeHome: z.boolean().default(false) }).strict(),
    output: out<ExperimentJobStarted>(),
    mutating: true,
  }),
  /** Archives in the local archive folder. */
  'experiments.archives': call({
    input: z.object({}).strict(),
    output: out<ExperimentArchive[]>(),
    mutating: false,
  }),
  /** Makes an archived experiment live again on a bootstrapped host (the same or another). */
  'experiments.restore': call({
    input: z.object({ archive: archiveId, hostId, name: experimentName.optional() }).strict(),
    output: out<ExperimentJobStarted>(),
    mutating: true,
  }),
  /** A host's Gitea settings (the token is never sent back); `check` asks Gitea for its version. */
  'experiments.gitea': call({
    input: z.object({ hostId, check: z.boolean().default(false) }).strict(),
    output: out<GiteaHostConfig>(),
    mutating: false,
  }),
  /** Experiments on this host get their repository in this Gitea (checked before it is saved). */
  'experiments.setGitea': call({
    input: z
      .object({
        hostId,
        url: giteaUrl,
        owner: giteaOwner.nullable().default(null),
        /** A site administrator's access token (it makes a Gitea user and a token per experiment). */
        token: z
          .string()
          .trim()
          .min(8)
          .max(512)
          .regex(/^[A-Za-z0-9_.-]+$/, 'must be a Gitea access token'),
      })
      .strict(),
    output: out<GiteaHostConfig>(),
    mutating: true,
  }),
  /** Back to bare repositories on the host for new experiments. */
  'experiments.clearGitea': call({
    input: z.object({ hostId }).strict(),
    output: out<GiteaHostConfig>(),
    mutating: true,
  }),
} as const;
