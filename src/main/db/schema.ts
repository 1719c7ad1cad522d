// SQLite schema (drizzle). Migrations in /drizzle are generated from this file by drizzle-kit.
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  type AnySQLiteColumn,
} from 'drizzle-orm/sqlite-core';

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ts: integer('ts').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    params: text('params').notNull(),
    result: text('result', { enum: ['ok', 'error'] }).notNull(),
    errorCode: text('error_code'),
    durationMs: integer('duration_ms').notNull(),
    /** What the row is about, where known: for "everything done to h1" and timelines. */
    hostId: integer('host_id'),
    jobId: text('job_id'),
    /** A terminal session's id: its open and close rows share it. */
    sessionId: text('session_id'),
    /** The experiment the row is about, where known. */
    experimentId: integer('experiment_id'),
    /**
     * The hash chain, in the row itself: `hash` covers the row's content and `prevHash` (the row
     * before's hash), so an edited or deleted row shows. Written with the row in one statement.
     * Null only for rows written before the chain existed, until the next start fills them in.
     */
    prevHash: text('prev_hash'),
    hash: text('hash'),
    // Derived, never written: what the built-in questions ask, indexed so each is an index walk.
    /** "hosts" for "hosts.add". */
    area: text('area').generatedAlwaysAs(sql`substr(action, 1, instr(action, '.') - 1)`, { mode: 'virtual' }),
    /** The params say a secret was given (redaction left its marker). */
    hasSecret: integer('has_secret').generatedAlwaysAs(sql`params LIKE '%"[redacted]"%'`, {
      mode: 'virtual',
    }),
    /** The user a shell was opened as ("gpu1 as root" → "root"). */
    runAs: text('run_as').generatedAlwaysAs(
      sql`CASE WHEN action = 'terminals.open' AND instr(target, ' as ') > 0 THEN substr(target, instr(target, ' as ') + 4) END`,
      { mode: 'virtual' },
    ),
  },
  // Every filter combination the Activity page offers has an index ending in ts (and, implicitly,
  // the rowid), so "newest first, 100 at a time" is an index walk that stops after 100 rows.
  (t) => [
    index('audit_ts_idx').on(t.ts),
    index('audit_action_ts_idx').on(t.action, t.ts),
    index('audit_result_ts_idx').on(t.result, t.ts),
    index('audit_action_result_ts_idx').on(t.action, t.result, t.ts),
    index('audit_host_ts_idx').on(t.hostId, t.ts),
    index('audit_job_ts_idx').on(t.jobId, t.ts),
    index('audit_session_ts_idx').on(t.sessionId, t.ts),
    index('audit_experiment_ts_idx').on(t.experimentId, t.ts),
    index('audit_actor_ts_idx').on(t.actor, t.ts),
    index('audit_area_ts_idx').on(t.area, t.ts),
    index('audit_secret_ts_idx').on(t.hasSecret, t.ts),
    index('audit_run_as_ts_idx').on(t.runAs, t.ts),
  ],
);

/** Questions a person saved on the Activity page (the built-in ones live in code). */
export const auditQuestions = sqliteTable('audit_questions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** JSON of the filter (see the audit contract). */
  filter: text('filter').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  /** JSON-encoded value. */
  value: text('value').notNull(),
});

export const hosts = sqliteTable('hosts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  address: text('address').notNull(),
  port: integer('port').notNull(),
  user: text('user').notNull(),
  kind: text('kind', { enum: ['lxc', 'gpu', 'other'] }).notNull(),
  groupName: text('group_name').notNull().default(''),
  /** JSON array of tags. */
  tags: text('tags').notNull().default('[]'),
  notes: text('notes').notNull().default(''),
  authMethod: text('auth_method', { enum: ['key', 'agent', 'password'] }).notNull(),
  keyPath: text('key_path'),
  /** Reference into `secrets` when a password/passphrase is stored for this host. */
  secretRef: text('secret_ref'),
  jumpHostId: integer('jump_host_id').references((): AnySQLiteColumn => hosts.id, { onDelete: 'restrict' }),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Host keys the user (or ~/.ssh/known_hosts) trusted, one per host. */
export const hostKeys = sqliteTable('host_keys', {
  hostId: integer('host_id')
    .primaryKey()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  keyType: text('key_type').notNull(),
  /** Base64 of the public key blob. */
  keyData: text('key_data').notNull(),
  fingerprint: text('fingerprint').notNull(),
  source: text('source', { enum: ['user', 'known_hosts'] }).notNull(),
  trustedAt: integer('trusted_at').notNull(),
});

/** Encrypted secrets (passwords, passphrases, tokens); plaintext never reaches this table. */
export const secrets = sqliteTable('secrets', {
  ref: text('ref').primaryKey(),
  /** Ciphertext, base64; format depends on the cipher (see services/secrets). */
  ciphertext: text('ciphertext').notNull(),
  cipher: text('cipher').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Terminal sessions (and later jobs) that are open in the audit history: a row per item, deleted
 * when its closing call is recorded. Rows left after a crash are closed as "interrupted" at start.
 */
export const openItems = sqliteTable('open_items', {
  id: text('id').primaryKey(),
  closeWith: text('close_with').notNull(),
  target: text('target').notNull(),
  openedAt: integer('opened_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
});

/** Long operations and their steps. Rows change while a job runs (this is not the audit table). */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    target: text('target').notNull(),
    /** JSON array of host ids. */
    hostIds: text('host_ids').notNull(),
    actor: text('actor').notNull(),
    state: text('state', {
      enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
    }).notNull(),
    /** JSON array of JobStep. */
    steps: text('steps').notNull(),
    progress: real('progress').notNull().default(0),
    message: text('message'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    endedAt: integer('ended_at'),
    /** The last time the app was seen running this job: what "interrupted" reports after a crash. */
    lastSeenAt: integer('last_seen_at').notNull(),
    logBytes: integer('log_bytes').notNull().default(0),
    logTruncated: integer('log_truncated', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('jobs_created_idx').on(t.createdAt), index('jobs_state_idx').on(t.state)],
);

/** A job's log, line by line, capped per job (see JobRunner). Deleted with old jobs only. */
export const jobLogs = sqliteTable(
  'job_logs',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    ts: integer('ts').notNull(),
    stream: text('stream', { enum: ['out', 'err', 'info'] }).notNull(),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

/**
 * Where older history went: each archive holds the rows up to `lastEventId` (compressed JSON Lines
 * with their hashes), and `lastHash` anchors the chain of the rows that stayed.
 */
export const auditAnchors = sqliteTable('audit_anchors', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  firstEventId: integer('first_event_id').notNull(),
  lastEventId: integer('last_event_id').notNull(),
  lastHash: text('last_hash').notNull(),
  file: text('file').notNull(),
  rows: integer('rows').notNull(),
  oldestTs: integer('oldest_ts').notNull(),
  newestTs: integer('newest_ts').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** Bootstrap runs (a preview or an apply of the bundled Ansible roles on some hosts): one job each. */
export const bootstrapRuns = sqliteTable(
  'bootstrap_runs',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id').notNull(),
    mode: text('mode', { enum: ['check', 'apply'] }).notNull(),
    /** JSON array of role names. */
    roles: text('roles').notNull(),
    /** JSON of the variables given; secret ones stored as "[secret]" (their values are in secrets). */
    vars: text('vars').notNull(),
    state: text('state', {
      enum: ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
    }).notNull(),
    actor: text('actor').notNull(),
    createdAt: integer('created_at').notNull(),
    endedAt: integer('ended_at'),
    previewOf: text('preview_of'),
    approvedAs: text('approved_as'),
  },
  (t) => [index('bootstrap_runs_created_idx').on(t.createdAt)],
);

/** One host's part of a run: where it runs on the host, how far Labdeck has read its events. */
export const bootstrapHosts = sqliteTable(
  'bootstrap_hosts',
  {
    runId: text('run_id')
      .notNull()
      .references(() => bootstrapRuns.id, { onDelete: 'cascade' }),
    /** Not a foreign key: the history outlives a removed host (its name is kept here). */
    hostId: integer('host_id').notNull(),
    hostName: text('host_name').notNull(),
    state: text('state').notNull(),
    message: text('message'),
    /** The run's folder on the host, and how it was started (systemd unit or setsid pid). */
    remoteDir: text('remote_dir'),
    launcher: text('launcher'),
    /** Bytes of the host's events file already read and stored. */
    offset: integer('offset').notNull().default(0),
    ok: integer('ok').notNull().default(0),
    changed: integer('changed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    unreachable: integer('unreachable').notNull().default(0),
    currentTask: text('current_task'),
    exitCode: integer('exit_code'),
    expectedTasks: integer('expected_tasks'),
    startedAt: integer('started_at'),
    endedAt: integer('ended_at'),
    /** Ansible's own output, the tail kept up to a cap. */
    log: text('log'),
    logTruncated: integer('log_truncated', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hostId] }), index('bootstrap_hosts_host_idx').on(t.hostId)],
);

/** Every task of a host's run as its events arrived. */
export const bootstrapTasks = sqliteTable(
  'bootstrap_tasks',
  {
    runId: text('run_id')
      .notNull()
      .references(() => bootstrapRuns.id, { onDelete: 'cascade' }),
    hostId: integer('host_id').notNull(),
    seq: integer('seq').notNull(),
    taskId: text('task_id').notNull(),
    name: text('name').notNull(),
    role: text('role'),
    action: text('action'),
    handler: integer('handler', { mode: 'boolean' }).notNull().default(false),
    status: text('status').notNull(),
    startedAt: integer('started_at').notNull(),
    durationMs: integer('duration_ms'),
    msg: text('msg'),
    /** JSON: diff, stdout, stderr, loop items. */
    detail: text('detail'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hostId, t.seq] })],
);

/** Per-host bootstrap preferences. */
export const bootstrapPrefs = sqliteTable('bootstrap_prefs', {
  hostId: integer('host_id').primaryKey(),
  skipPreview: integer('skip_preview', { mode: 'boolean' }).notNull().default(false),
});

/**
 * Host metrics history, downsampled on write: `res` is the bucket's width in seconds (1 for the
 * last hour, 60 for 7 days, 900 for 90 days), `ts` its start (seconds); min/avg/max keep spikes.
 */
export const metricPoints = sqliteTable(
  'metric_points',
  {
    hostId: integer('host_id').notNull(),
    metric: text('metric').notNull(),
    res: integer('res').notNull(),
    ts: integer('ts').notNull(),
    min: real('min').notNull(),
    avg: real('avg').notNull(),
    max: real('max').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.hostId, t.metric, t.res, t.ts] }),
    index('metric_points_res_ts_idx').on(t.res, t.ts),
  ],
);

/**
 * Experiments: a Linux user with its own database, repository and environment on a host. Secret
 * values (the database password, the experiment's secrets) are in `secrets`, never here.
 */
export const experiments = sqliteTable(
  'experiments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    hostId: integer('host_id').notNull(),
    /** The host's name when it was made (the host may be removed later). */
    hostName: text('host_name').notNull(),
    description: text('description').notNull().default(''),
    template: text('template', { enum: ['base', 'python'] }).notNull(),
    /** JSON array of pip requirement specs (python template). */
    packages: text('packages').notNull().default('[]'),
    memoryMiB: integer('memory_mib'),
    cpuWeight: integer('cpu_weight'),
    linuxUser: text('linux_user').notNull(),
    database: text('database').notNull(),
    home: text('home').notNull(),
    repoKind: text('repo_kind', { enum: ['bare', 'gitea'] }),
    repoRemote: text('repo_remote'),
    repoWorkTree: text('repo_work_tree'),
    status: text('status').notNull(),
    message: text('message'),
    /** What the last job did: create, restore, archive, rollback. */
    operation: text('operation').notNull(),
    failedStep: text('failed_step'),
    /** JSON array of the steps of `operation` that are done. */
    doneSteps: text('done_steps').notNull().default('[]'),
    /** JSON array of secret names (their values are in `secrets`). */
    secretNames: text('secret_names').notNull().default('[]'),
    jobId: text('job_id'),
    /** The archive a restore reads from (so Resume can upload it again). */
    restoreFrom: text('restore_from'),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
    archivedAt: integer('archived_at'),
    archive: text('archive'),
  },
  (t) => [index('experiments_host_idx').on(t.hostId), index('experiments_name_idx').on(t.name)],
);
