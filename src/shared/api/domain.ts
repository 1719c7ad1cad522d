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
