// Domain types shared by main and renderer. Plain data only: everything here crosses a transport.

export type AuditResult = 'ok' | 'error';

export interface AuditEvent {
  id: number;
  /** Unix epoch milliseconds. */
  ts: number;
  actor: string;
  action: string;
  target: string;
  /** JSON of the call's input with secrets redacted. */
  params: string;
  result: AuditResult;
  errorCode: string | null;
  durationMs: number;
  /** What the row is about, where known. */
  hostId: number | null;
  jobId: string | null;
  /** A terminal session: its open and close rows share it. */
  sessionId: string | null;
  /** The experiment the row is about. */
  experimentId: number | null;
}

/** A row with its place in the hash chain (exports, details). */
export interface ChainedAuditEvent extends AuditEvent {
  prevHash: string;
  hash: string;
}

/** A question the Activity page can ask with one click: built in, or saved by a person. */
export interface AuditQuestion {
  /** "builtin:<key>" or "saved:<id>". */
  key: string;
  name: string;
  builtin: boolean;
  filter: AuditFilterInput;
  /** How many rows answer it now, counted up to 10,001 (show "10,000+" beyond 10,000). */
  count: number;
}

/** The filters of the Activity page (see the audit contract for the rules). */
export interface AuditFilterInput {
  action?: string;
  /** Every action of an area, e.g. "hosts". */
  area?: string;
  result?: AuditResult;
  actor?: string;
  hostId?: number;
  jobId?: string;
  sessionId?: string;
  experimentId?: number;
  /** A shell as another user: "as root" matches terminal rows whose target ends so. */
  targetSuffix?: string;
  /** Shells opened as this user. */
  runAs?: string;
  /** Rows whose redacted params say a secret was given. */
  secrets?: boolean;
  /** Full-text words (all must appear, as prefixes). */
  q?: string;
  from?: number;
  to?: number;
  /** Relative start, e.g. the last 7 days: `from` = now - sinceMs when asked. */
  sinceMs?: number;
}

/** Older history moved out of the live table (compressed JSON Lines with the hashes). */
export interface AuditArchive {
  file: string;
  firstEventId: number;
  lastEventId: number;
  rows: number;
  oldestTs: number;
  newestTs: number;
  createdAt: number;
  bytes: number;
}

export interface AuditVerifyReport {
  ok: boolean;
  rows: number;
  /** The first row that does not match, and what is wrong with it. */
  firstBadId: number | null;
  problem: string | null;
}

/** Position in the newest-first order: rows strictly older than this come next. */
export interface AuditCursor {
  ts: number;
  id: number;
}

export interface AuditPage {
  rows: AuditEvent[];
  /** Pass as `before` to read the next (older) page; null when there is none. */
  next: AuditCursor | null;
}

export type Theme = 'dark' | 'light';

export interface Settings {
  theme: Theme;
  /** What the sidebar calls the machine the app runs on. */
  workstationName: string;
  terminalFontSize: number;
  terminalFontFamily: string;
  /** Lines each terminal keeps. */
  terminalScrollback: number;
  /** Mirror terminal text into the accessibility tree for screen readers. */
  terminalScreenReader: boolean;
  /** Audit rows older than this many days move to a compressed archive; 0 keeps everything. */
  auditRetentionDays: number;
  /** Host metrics history: days kept at 1-minute and at 15-minute resolution (1 s is kept an hour). */
  metricsMinuteRetentionDays: number;
  metricsQuarterRetentionDays: number;
  /** Metric alerts: a filesystem fuller than this percent. */
  alertDiskPercent: number;
  /** Less memory available than this percent. */
  alertMemAvailablePercent: number;
  /** A GPU's memory fuller than this percent. */
  alertGpuMemPercent: number;
  /** A host offline (link lost) for longer than this. */
  alertOfflineSeconds: number;
  /** Desktop app: a tray / menu-bar entry with hosts online and running jobs. */
  showTray: boolean;
  /** Desktop app: electron-updater's generic feed URL; empty means no automatic updates. */
  updateUrl: string;
}

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'browser';
  dataDir: string;
  dbPath: string;
  dbSizeBytes: number;
  platform: string;
  hostname: string;
  nodeVersion: string;
  /** How saved passwords and passphrases are encrypted, in words. */
  secretStorage: string;
  /** Saved secrets that cannot be decrypted here (lost key, other keychain): asked for again. */
  unreadableSecrets: number;
}

export interface SystemStatic {
  hostname: string;
  os: string;
  kernel: string;
  cpuModel: string;
  cpuCores: number;
  memTotalBytes: number;
}

/** One sample of the workstation's live metrics; rates are per second over the last interval. */
export interface LocalMetricsSample {
  ts: number;
  cpuPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  diskMount: string;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  netRxBps: number;
  netTxBps: number;
}

// ---- Hosts and SSH ----

export const HOST_KINDS = ['lxc', 'gpu', 'other'] as const;
export type HostKind = (typeof HOST_KINDS)[number];
export const AUTH_METHODS = ['key', 'agent', 'password'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface Host {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  kind: HostKind;
  group: string;
  tags: string[];
  notes: string;
  authMethod: AuthMethod;
  /** Private key file for key auth (on the machine Labdeck's services run on). */
  keyPath: string | null;
  /** Whether a password/passphrase is stored (encrypted) for this host. */
  hasStoredSecret: boolean;
  jumpHostId: number | null;
  createdAt: number;
  updatedAt: number;
}

export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'online'
  | 'offline'
  | 'auth_failed'
  | 'hostkey_unknown'
  | 'hostkey_changed'
  | 'error';

export interface HostState {
  hostId: number;
  state: ConnectionState;
  /** What went wrong (and what to do), for the failure states. */
  message: string | null;
  errorCode: string | null;
  /** For hostkey_unknown / hostkey_changed: the key the host presented, and the trusted one. */
  presentedFingerprint: string | null;
  trustedFingerprint: string | null;
  since: number;
  /** Open SSH connections and channels to this host. */
  connections: number;
  channels: number;
  /** Of those, channels Labdeck keeps open by itself (the metrics collector): no one's work ends with them. */
  backgroundChannels?: number;
  /** Next automatic reconnect attempt, when one is scheduled. */
  retryAt: number | null;
  /** The secret a person must (re-)enter before this host can connect: missing or refused. */
  secretPrompt: 'password' | 'passphrase' | null;
}

export interface TrustedHostKey {
  hostId: number;
  keyType: string;
  fingerprint: string;
  source: 'user' | 'known_hosts';
  trustedAt: number;
}

export interface HostTestReport {
  hostId: number;
  os: string;
  kernel: string;
  cpuCount: number;
  memTotalBytes: number;
  nvidiaSmi: boolean;
  gpus: { index: number; name: string; memoryTotalMiB: number }[];
  container: string | null;
  uptimeSeconds: number;
  rttMs: number;
  fingerprint: string;
}

/** A host that an ~/.ssh/config import would add. */
export interface HostDraft {
  name: string;
  address: string;
  port: number;
  user: string;
  keyPath: string | null;
  authMethod: AuthMethod;
  /** Name (alias) of the jump host in the same import or the inventory. */
  jumpHostName: string | null;
}

export interface ImportPreview {
  source: string;
  add: HostDraft[];
  skip: { alias: string; reason: string }[];
  /** What the preview left out of the file as a whole, and why (Match blocks, an Include loop, a stop). */
  notes: string[];
}

// ---- Terminals ----

export interface TerminalInfo {
  id: string;
  hostId: number;
  hostName: string;
  /** The Linux user the shell runs as. */
  user: string;
  startedAt: number;
}

export type TerminalEvent =
  | { t: 'data'; d: string }
  /** The shell ended: it exited (code/signal) or the connection was lost (reason). */
  | { t: 'exit'; code: number | null; signal: string | null; reason: string | null };

export interface TerminalSummary {
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
}

// ---- Jobs ----

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepState = (typeof STEP_STATES)[number];

export interface JobStep {
  name: string;
  state: StepState;
  startedAt: number | null;
  endedAt: number | null;
  /** One line: what the step found or why it failed. */
  detail: string | null;
}

/** A long operation (a command on hosts; later bootstrap, experiments, pulls) and where it stands. */
export interface JobInfo {
  id: string;
  kind: string;
  title: string;
  /** Host names it acts on, for lists and the history. */
  target: string;
  hostIds: number[];
  actor: string;
  state: JobState;
  steps: JobStep[];
  /** 0..1: steps done, or what the running step reports. */
  progress: number;
  /** Why it waits (queued), how it ended, or what failed. */
  message: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Bytes of log kept, and whether the cap cut it. */
  logBytes: number;
  logTruncated: boolean;
}

export interface JobLogLine {
  seq: number;
  ts: number;
  stream: 'out' | 'err' | 'info';
  text: string;
}

export type JobLogEvent = ({ t: 'line' } & JobLogLine) | { t: 'job'; job: JobInfo };
