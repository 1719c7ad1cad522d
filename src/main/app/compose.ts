// Composition root: builds every service once and wires them to the API. Plain Node: the Electron
// entry and the browser-mode server both call this with their own paths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, HostState, LocalMetricsSample } from '../../shared/api/domain';
import { Dispatcher, type Handlers } from '../api/dispatcher';
import type { StreamSource } from '../api/flow';
import type { StreamFactories } from '../api/session';
import { openDatabase } from '../db/database';
import { AuditStore } from '../services/audit/audit-store';
import { OpenItemStore, type OpenItem } from '../services/audit/open-items';
import { CredentialResolver, HostService } from '../services/hosts/host-service';
import { HostStore } from '../services/hosts/host-store';
import { KeyFileCipher, SecretStore, type Cipher } from '../services/secrets/secret-store';
import { HostKeyTrust } from '../services/ssh/host-keys';
import { SshPool, type PoolLost, type PoolOptions, type PoolRecovered } from '../services/ssh/ssh-pool';
import { TerminalService } from '../services/terminals/terminal-service';
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
  /** Encrypts stored secrets; default: AES-256-GCM with a key file in the data folder. */
  cipher?: Cipher;
  /** OpenSSH known_hosts files whose keys count as trusted; default ~/.ssh/known_hosts. */
  knownHostsFiles?: string[];
  ssh?: PoolOptions;
  /** How often open terminals are marked alive, for the "interrupted" close after a crash. */
  heartbeatMs?: number;
}

export interface AppServices {
  dispatcher: Dispatcher;
  streams: StreamFactories;
  dbPath: string;
  hosts: HostService;
  pool: SshPool;
  terminals: TerminalService;
  /** Closes what is still open through the dispatcher (so the history says so), then everything. */
  close(): Promise<void>;
}

/** Sessions a crash left open in the history get their close, marked interrupted. */
function closeInterrupted(left: OpenItem[], dispatcher: Dispatcher): void {
  for (const item of left) {
    const lastSeen = new Date(item.lastSeenAt).toISOString();
    dispatcher.record({
      action: item.closeWith,
      target: item.target,
      ok: false,
      errorCode: 'INTERRUPTED',
      details: {
        id: item.id,
        interrupted: true,
        openedAt: new Date(item.openedAt).toISOString(),
        lastSeenAt: lastSeen,
        message: `Labdeck stopped without closing it (a crash or a kill); it was last seen open at ${lastSeen}.`,
      },
      durationMs: item.lastSeenAt - item.openedAt,
    });
  }
}

const SHUTDOWN_ACTOR = 'labdeck (shutting down)';

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

/** Host states: a snapshot, then changes; while the client is behind, only each host's latest. */
function hostStatesSource(hosts: HostService): StreamSource<HostState> {
  let off: (() => void) | null = null;
  let paused = false;
  const latest = new Map<number, HostState>();
  let emit: (s: HostState) => void = () => {};
  return {
    start(e) {
      emit = e;
      for (const s of hosts.states()) emit(s);
      off = hosts.onState((s) => (paused ? latest.set(s.hostId, s) : emit(s)));
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      for (const s of latest.values()) emit(s);
      latest.clear();
    },
    stop: () => off?.(),
  };
}

export function createApp(options: AppOptions): AppServices {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dbPath = path.join(options.dataDir, 'labdeck.db');
  const database = openDatabase(dbPath, options.migrationsFolder);
  const audit = new AuditStore(database.db);
  const settings = new SettingsService(database.db);
  const cipher = options.cipher ?? new KeyFileCipher(path.join(options.dataDir, 'secrets.key'));
  const secrets = new SecretStore(database.db, cipher);
  // Saved secrets that cannot be read (the key file was lost, the keychain is not there): said
  // once at start and on the Settings page; each is asked for again when its host connects.
  const unreadable = secrets.unreadableCount();
  if (unreadable > 0) {
    console.warn(
      `[secrets] ${unreadable} saved secret(s) cannot be decrypted with ${cipher.describe}${cipher instanceof KeyFileCipher && cipher.created ? ' (a new key was just made: the old one is missing)' : ''}. Labdeck will ask for them again.`,
    );
  }
  const hostStore = new HostStore(database.db);
  const trust = new HostKeyTrust(
    database.db,
    options.knownHostsFiles ?? [path.join(os.homedir(), '.ssh', 'known_hosts')],
  );
  const credentials = new CredentialResolver(hostStore, secrets);
  const pool = new SshPool((id) => credentials.target(id), trust, options.ssh);
  const hosts = new HostService(hostStore, secrets, credentials, trust, pool);
  const terminals = new TerminalService(pool, hostStore);
  const nameOf = (id: number): string => {
    try {
      return hostStore.get(id).name;
    } catch {
      return `host #${id}`;
    }
  };
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
      secretStorage: cipher.describe,
      unreadableSecrets: secrets.unreadableCount(),
      hostname: os.hostname(),
      nodeVersion: process.versions.node,
    }),
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    'system.static': () => metrics.describe(),
    'audit.list': (filter) => audit.list(filter),
    'audit.actions': () => audit.actions(),
    'hosts.list': () => hosts.list(),
    'hosts.add': (i) => hosts.add(i),
    'hosts.update': (i) => hosts.update(i.id, i),
    'hosts.remove': ({ id }, ctx) => {
      ctx.target = hosts.remove(id).name;
      return { removed: true as const };
    },
    'hosts.connect': ({ id, secret }, ctx) => {
      ctx.target = nameOf(id);
      return hosts.connect(id, secret);
    },
    'hosts.disconnect': ({ id }) => hosts.disconnect(id),
    'hosts.test': ({ id, secret }, ctx) => {
      ctx.target = nameOf(id);
      return hosts.test(id, secret);
    },
    'hosts.trustedKey': ({ id }) => hosts.trustedKey(id),
    'hosts.trustKey': ({ id, fingerprint }, ctx) => {
      ctx.target = nameOf(id);
      return hosts.trustKey(id, fingerprint);
    },
    'hosts.untrustKey': ({ id }, ctx) => {
      ctx.target = nameOf(id);
      return { removed: hosts.untrustKey(id) };
    },
    'hosts.importPreview': (i) => hosts.importPreview(i),
    'hosts.import': ({ drafts }) => hosts.import(drafts),
    'terminals.open': async (i, ctx) => {
      ctx.target = i.asUser ? `${nameOf(i.hostId)} as ${i.asUser}` : nameOf(i.hostId);
      const info = await terminals.open(i);
      // The same id and target as its close row, so the history can pair them.
      ctx.target = `${info.hostName} as ${info.user}`;
      ctx.auditDetails = { id: info.id };
      return info;
    },
    'terminals.input': ({ id, data }) => {
      terminals.input(id, data);
      return null;
    },
    'terminals.resize': ({ id, cols, rows }) => {
      terminals.resize(id, cols, rows);
      return null;
    },
    'terminals.close': ({ id }, ctx) => {
      const { hostName, user, ...summary } = terminals.close(id);
      ctx.target = `${hostName} as ${user}`;
      ctx.auditDetails = summary;
      return summary;
    },
  };

  const openItems = new OpenItemStore(database.db);
  const dispatcher = new Dispatcher(handlers, audit, { openItems });
  closeInterrupted(openItems.takeAll(), dispatcher);
  const heartbeat = setInterval(() => {
    try {
      openItems.heartbeat();
    } catch (err) {
      console.warn('[audit] could not mark open sessions alive:', err);
    }
  }, options.heartbeatMs ?? 10_000);
  heartbeat.unref();
  // Connections lost and regained on their own are part of the history too (retries are not).
  pool.events.on('lost', (e: PoolLost) =>
    dispatcher.record({
      action: e.firstOfOutage ? 'hosts.connectionLost' : 'hosts.reconnectFailed',
      target: nameOf(e.hostId),
      ok: false,
      errorCode: e.code,
      details: { message: e.message },
    }),
  );
  pool.events.on('recovered', (e: PoolRecovered) =>
    dispatcher.record({
      action: 'hosts.reconnected',
      target: nameOf(e.hostId),
      ok: true,
      details: { downSeconds: Math.round(e.downMs / 100) / 10 },
      durationMs: e.downMs,
    }),
  );

  let closing: Promise<void> | null = null;
  return {
    dispatcher,
    streams: {
      'system.metrics': () => metricsSource(metrics),
      'hosts.states': () => hostStatesSource(hosts),
      'terminals.output': ({ id }) => terminals.source(id),
    },
    dbPath,
    hosts,
    pool,
    terminals,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        // What clients left open is closed through the one door, so the history says it ended.
        for (const item of openItems.list()) {
          await dispatcher.dispatch(item.closeWith, { id: item.id }, { actor: SHUTDOWN_ACTOR });
        }
        metrics.stop();
        terminals.closeAll();
        pool.close();
        database.close();
      })()),
  };
}
