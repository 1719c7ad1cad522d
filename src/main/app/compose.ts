// Composition root: builds what the areas share (database, secrets, the SSH pool, the dispatcher)
// and spreads each area's handlers and streams into the one API. Plain Node: the Electron entry and
// the browser-mode server both call this with their own paths. Adding an area: build its services
// here and add its `<area>.api.ts` to `areas` below.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo } from '../../shared/api/domain';
import { AUTOMATIC_ACTOR, Dispatcher } from '../api/dispatcher';
import { openDatabase } from '../db/database';
import type { AutomaticEvent, Handlers, StreamFactories } from '../lib/area';
import { appApi } from '../services/app/app.api';
import { auditApi } from '../services/audit/audit.api';
import { bootstrapApi } from '../services/bootstrap/bootstrap.api';
import { BootstrapService } from '../services/bootstrap/bootstrap-service';
import { BootstrapStore } from '../services/bootstrap/bootstrap-store';
import { AuditStore } from '../services/audit/audit-store';
import { archiveJob, RetentionScheduler } from '../services/audit/audit-archive';
import { closeInterrupted, OpenItemStore } from '../services/audit/open-items';
import { dockerApi } from '../services/docker/docker.api';
import { experimentsApi } from '../services/experiments/experiments.api';
import { ExperimentService } from '../services/experiments/experiment-service';
import { ExperimentStore } from '../services/experiments/experiment-store';
import { GiteaHosts } from '../services/experiments/gitea-hosts';
import { DockerService } from '../services/docker/docker-service';
import { DockerEngines } from '../services/docker/engines';
import { ForwardService } from '../services/forwards/forward-service';
import { forwardsApi } from '../services/forwards/forwards.api';
import { ContainerShells } from '../services/docker/shells';
import { AuditQuestions } from '../services/audit/questions';
import { hostsApi } from '../services/hosts/hosts.api';
import { CredentialResolver, HostService } from '../services/hosts/host-service';
import { HostStore } from '../services/hosts/host-store';
import { JobRunner } from '../services/jobs/job-runner';
import { JobStore } from '../services/jobs/job-store';
import { jobsApi } from '../services/jobs/jobs.api';
import { AlertTracker, thresholdsFromSettings, type AlertThresholds } from '../services/metrics/alerts';
import { MetricHistoryStore, retentionFromSettings } from '../services/metrics/history-store';
import { metricsApi } from '../services/metrics/metrics.api';
import { MetricsService } from '../services/metrics/metrics-service';
import { prometheusText } from '../services/metrics/prometheus';
import { KeyFileCipher, SecretStore, type Cipher } from '../services/secrets/secret-store';
import { SettingsService } from '../services/settings/settings-service';
import { HostKeyTrust } from '../services/ssh/host-keys';
import { shCommand } from '../services/ssh/quote';
import { SshPool, type PoolOptions } from '../services/ssh/ssh-pool';
import { LocalMetricsService } from '../services/system/local-metrics-service';
import { SystemInformationProbe, type MetricsProbe } from '../services/system/metrics-probe';
import { systemApi } from '../services/system/system.api';
import { TerminalService } from '../services/terminals/terminal-service';
import { terminalsApi } from '../services/terminals/terminals.api';

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
  /** The bundled Ansible (bootstrap.sh, site.yml, roles); default: beside the migrations folder. */
  ansibleDir?: string;
  /** Bootstrap's waits between reconnects while a host's link is down. */
  bootstrapRetryMs?: number[];
  /** The host metrics collector; default: resources/metrics/collector.sh beside the migrations folder. */
  collectorScript?: string;
  /** Host metrics alert thresholds, over the defaults (disk > 90%, memory available < 5%, ...). */
  alertThresholds?: Partial<AlertThresholds>;
  /**
   * Run a metrics collector on each connected host (default true). Tests of other areas turn it
   * off, so the channels they count are their own.
   */
  hostMetrics?: boolean;
  /** The experiments' remote steps; default: resources/experiments/experiment.sh beside the migrations folder. */
  experimentScript?: string;
}

export interface AppServices {
  dispatcher: Dispatcher;
  streams: StreamFactories;
  dbPath: string;
  hosts: HostService;
  pool: SshPool;
  terminals: TerminalService;
  jobs: JobRunner;
  bootstrap: BootstrapService;
  hostMetrics: MetricsService;
  experiments: ExperimentService;
  /** The user's settings; its `events` say when they change (the desktop entry applies some live). */
  settings: SettingsService;
  /** Every host's latest figures in Prometheus text format (browser mode's GET /metrics). */
  metricsText(): string;
  /** Closes what is still open through the dispatcher (so the history says so), then everything. */
  close(): Promise<void>;
}

const SHUTDOWN_ACTOR = 'labdeck (shutting down)';

export function createApp(options: AppOptions): AppServices {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dbPath = path.join(options.dataDir, 'labdeck.db');
  const database = openDatabase(dbPath, options.migrationsFolder);
  const audit = new AuditStore(database.db);
  const openItems = new OpenItemStore(database.db);
  const settings = new SettingsService(database.db);
  const cipher = options.cipher ?? new KeyFileCipher(path.join(options.dataDir, 'secrets.key'));
  const secrets = new SecretStore(database.db, cipher);
  warnUnreadableSecrets(secrets, cipher);
  const hostStore = new HostStore(database.db);
  const trust = new HostKeyTrust(
    database.db,
    options.knownHostsFiles ?? [path.join(os.homedir(), '.ssh', 'known_hosts')],
  );
  const credentials = new CredentialResolver(hostStore, secrets);
  const pool = new SshPool((id) => credentials.target(id), trust, options.ssh);
  const hosts = new HostService(hostStore, secrets, credentials, trust, pool);
  const terminals = new TerminalService(pool, hostStore);
  const metrics = new LocalMetricsService(options.probe ?? new SystemInformationProbe(), {
    intervalMs: options.metricsIntervalMs ?? 1000,
    onError: (err) => console.warn('[metrics] sampling failed:', err),
  });
  const nameOf = (id: number): string => {
    try {
      return hostStore.get(id).name;
    } catch {
      return `host #${id}`;
    }
  };
  // What Labdeck does by itself goes through the dispatcher too (built just below).
  const record = (e: AutomaticEvent): void => dispatcher.record(e);
  const jobs = new JobRunner(new JobStore(database.db), record, { heartbeatMs: options.heartbeatMs });

  // Each area's part of the API. Spread below, spelled out (not a loop) so the compiler checks that
  // every call and stream of the contract has exactly its handler.
  const app = appApi({
    version: options.version,
    mode: options.mode,
    dataDir: options.dataDir,
    dbPath,
    secretStorage: cipher.describe,
    secrets,
    settings,
  });
  const system = systemApi(metrics);
  const archiveDir = path.join(options.dataDir, 'archive');
  const history = auditApi({
    audit,
    questions: new AuditQuestions(database.db, audit),
    jobs,
    exportsDir: path.join(options.dataDir, 'exports'),
    archiveDir,
    db: database.db,
    retentionDays: () => settings.get().auditRetentionDays,
  });
  // Older history moves to an archive by itself when a retention is set (once a day).
  const retention = new RetentionScheduler(
    () => settings.get().auditRetentionDays,
    (cutoff) => {
      try {
        jobs.start(archiveJob(database.db, audit, archiveDir, cutoff), AUTOMATIC_ACTOR);
      } catch (err) {
        console.warn('[audit] could not start archiving:', err);
      }
    },
  );
  retention.start();
  const hostsArea = hostsApi({ hosts, pool, nameOf, record });
  const terminalsArea = terminalsApi(terminals, nameOf, record);
  const jobsArea = jobsApi({ runner: jobs, pool, hosts: hostStore });
  const bootstrap = new BootstrapService({
    store: new BootstrapStore(database.db),
    pool,
    hosts: hostStore,
    runner: jobs,
    secrets,
    ansibleDir: options.ansibleDir ?? path.join(path.dirname(options.migrationsFolder), 'ansible'),
    retryMs: options.bootstrapRetryMs,
  });
  const bootstrapArea = bootstrapApi(bootstrap);
  const engines = new DockerEngines(pool, nameOf);
  const docker = new DockerService(
    engines,
    () => hostStore.list(),
    (id) => pool.state(id).state === 'online',
  );
  const shells = new ContainerShells();
  const dockerArea = dockerApi({ docker, shells, runner: jobs, nameOf, record });
  const collector = fs.readFileSync(
    options.collectorScript ??
      path.join(path.dirname(options.migrationsFolder), 'resources', 'metrics', 'collector.sh'),
    'utf8',
  );
  // Retention and thresholds from the settings, read as they are used: a change applies at once.
  const metricHistory = new MetricHistoryStore(database.sqlite, () => retentionFromSettings(settings.get()));
  const alerts = new AlertTracker(
    record,
    nameOf,
    () => ({ ...thresholdsFromSettings(settings.get()), ...options.alertThresholds }),
    (id) => hostMetrics.alertsChanged(id),
  );
  const hostMetrics = new MetricsService(
    {
      open: (id) => pool.execSocket(id, shCommand(['sh', '-c', collector]), { background: true }),
      events: pool.events,
      states: () => pool.states(),
      store: metricHistory,
      alerts,
    },
    {
      intervalMs: options.metricsIntervalMs ?? 1000,
      onError: (err) => console.warn('[metrics] host collector:', err),
    },
  );
  const metricsArea = metricsApi(hostMetrics, metricHistory);
  const gitea = new GiteaHosts(secrets, (id, host, port) => pool.forwardOut(id, host, port));
  const experiments = new ExperimentService({
    gitea,
    store: new ExperimentStore(database.db),
    pool,
    hosts: hostStore,
    runner: jobs,
    secrets,
    script: fs.readFileSync(
      options.experimentScript ??
        path.join(path.dirname(options.migrationsFolder), 'resources', 'experiments', 'experiment.sh'),
      'utf8',
    ),
    archiveDir: path.join(options.dataDir, 'experiments'),
    online: (id) => pool.state(id).state === 'online',
    record,
    gpuByUser: (id) => {
      const latest = hostMetrics.fleet().find((f) => f.hostId === id)?.latest;
      if (!latest || latest.gpus.length === 0) return null;
      const used = new Map<string, number>();
      for (const p of latest.gpuProcesses) {
        if (p.user) used.set(p.user, (used.get(p.user) ?? 0) + (p.usedMiB ?? 0));
      }
      return used;
    },
  });
  const experimentsArea = experimentsApi(experiments, gitea, nameOf);
  const forwards = new ForwardService(pool, nameOf);
  const forwardsArea = forwardsApi(forwards, nameOf);
  const handlers: Handlers = {
    ...app.handlers,
    ...system.handlers,
    ...history.handlers,
    ...hostsArea.handlers,
    ...terminalsArea.handlers,
    ...jobsArea.handlers,
    ...bootstrapArea.handlers,
    ...dockerArea.handlers,
    ...metricsArea.handlers,
    ...forwardsArea.handlers,
    ...experimentsArea.handlers,
    // A removed host's forwards close with it, each recorded as closed by whoever removed it.
    'hosts.remove': async (input, ctx) => {
      const removed = await hostsArea.handlers['hosts.remove'](input, ctx);
      for (const f of forwards.list(input.id)) {
        await dispatcher.dispatch('forwards.close', { id: f.id }, { actor: ctx.actor });
      }
      return removed;
    },
  };
  const streams: StreamFactories = {
    ...system.streams,
    ...hostsArea.streams,
    ...terminalsArea.streams,
    ...jobsArea.streams,
    ...bootstrapArea.streams,
    ...dockerArea.streams,
    ...metricsArea.streams,
  };

  const dispatcher = new Dispatcher(handlers, audit, { openItems });
  closeInterrupted(openItems.takeAll(), record);
  // Bootstrap runs go on on their hosts without Labdeck: they are followed again, not interrupted.
  jobs.recoverInterrupted({ bootstrap: bootstrap.resumer });
  bootstrap.settleOrphans();
  experiments.settleInterrupted();
  const heartbeat = setInterval(() => {
    try {
      openItems.heartbeat();
    } catch (err) {
      console.warn('[audit] could not mark open sessions alive:', err);
    }
  }, options.heartbeatMs ?? 10_000);
  heartbeat.unref();
  if (options.hostMetrics !== false) hostMetrics.start();

  let closing: Promise<void> | null = null;
  return {
    dispatcher,
    streams,
    dbPath,
    hosts,
    pool,
    terminals,
    jobs,
    bootstrap,
    hostMetrics,
    experiments,
    settings,
    // Hosts still in the inventory only (a removed one's last figures are not exported).
    metricsText: () => {
      const ids = new Set(hostStore.list().map((h) => h.id));
      return prometheusText(
        hostMetrics.fleet().filter((e) => ids.has(e.hostId)),
        nameOf,
      );
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        retention.stop();
        // What clients left open is closed through the one door, so the history says it ended.
        for (const item of openItems.list()) {
          await dispatcher.dispatch(item.closeWith, { id: item.id }, { actor: SHUTDOWN_ACTOR });
        }
        // Running jobs are cancelled (their remote processes stopped) and end in the history;
        // detached ones (a bootstrap run on a host) are left going and followed again at the next start.
        await jobs.close();
        metrics.stop();
        hostMetrics.close();
        await forwards.closeAll();
        gitea.close();
        terminals.closeAll();
        shells.closeAll();
        engines.close();
        pool.close();
        audit.close();
        database.close();
      })()),
  };
}

/** Saved secrets that cannot be read (a lost key file, another keychain) are asked for again. */
function warnUnreadableSecrets(secrets: SecretStore, cipher: Cipher): void {
  const unreadable = secrets.unreadableCount();
  if (unreadable === 0) return;
  const fresh =
    cipher instanceof KeyFileCipher && cipher.created
      ? ' (a new key was just made: the old one is missing)'
      : '';
  console.warn(
    `[secrets] ${unreadable} saved secret(s) cannot be decrypted with ${cipher.describe}${fresh}. Labdeck will ask for them again.`,
  );
}
