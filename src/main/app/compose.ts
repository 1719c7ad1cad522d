// Composition root: builds every service once and wires them to the API. Plain Node: the Electron
// entry and the browser-mode server both call this with their own paths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, LocalMetricsSample } from '../../shared/api/domain';
import { Dispatcher, type Handlers } from '../api/dispatcher';
import type { StreamSource } from '../api/flow';
import type { StreamFactories } from '../api/session';
import { openDatabase } from '../db/database';
import { AuditStore } from '../services/audit/audit-store';
import { SettingsService } from '../services/settings/settings-service';
import { LocalMetricsService } from '../services/system/local-metrics-service';
import { SystemInformationProbe, type MetricsProbe } from '../services/system/metrics-probe';

export interface AppOptions {
  dataDir: string;
  migrationsFolder: string;
  mode: AppInfo['mode'];
  version: string;
  probe?: MetricsProbe;
  metricsIntervalMs?: number;
}

export interface AppServices {
  dispatcher: Dispatcher;
  streams: StreamFactories;
  dbPath: string;
  close(): void;
}

function metricsSource(metrics: LocalMetricsService): StreamSource<LocalMetricsSample> {
  let unsubscribe: (() => void) | null = null;
  let paused = false;
  return {
    start(emit) {
      for (const s of metrics.recent()) emit(s);
      unsubscribe = metrics.subscribe((s) => {
        // A client that is behind misses samples rather than queueing them.
        if (!paused) emit(s);
      });
    },
    pause: () => (paused = true),
    resume: () => (paused = false),
    stop: () => unsubscribe?.(),
  };
}

export function createApp(options: AppOptions): AppServices {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dbPath = path.join(options.dataDir, 'labdeck.db');
  const database = openDatabase(dbPath, options.migrationsFolder);
  const audit = new AuditStore(database.db);
  const settings = new SettingsService(database.db);
  const metrics = new LocalMetricsService(options.probe ?? new SystemInformationProbe(), {
    intervalMs: options.metricsIntervalMs ?? 1000,
    onError: (err) => console.warn('[metrics] sampling failed:', err),
  });

  const handlers: Handlers = {
    'app.info': () => ({
      version: options.version,
      mode: options.mode,
      dataDir: options.dataDir,
      dbPath,
      dbSizeBytes: ['', '-wal'].reduce((sum, suffix) => {
        try {
          return sum + fs.statSync(dbPath + suffix).size;
        } catch {
          return sum;
        }
      }, 0),
      platform: `${os.platform()} ${os.release()}`,
      hostname: os.hostname(),
      nodeVersion: process.versions.node,
    }),
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    'system.static': () => metrics.describe(),
    'audit.list': (filter) => audit.list(filter),
    'audit.actions': () => audit.actions(),
  };

  return {
    dispatcher: new Dispatcher(handlers, audit),
    streams: { 'system.metrics': () => metricsSource(metrics) },
    dbPath,
    close: () => {
      metrics.stop();
      database.close();
    },
  };
}
