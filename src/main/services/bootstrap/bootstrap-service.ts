// Bootstrap: runs the bundled Ansible roles on hosts. Per host: upload ansible/ over SFTP to a
// versioned folder (skipped when unchanged), start bootstrap.sh detached from the SSH channel
// (systemd-run, else setsid) writing events to a file there, follow that file by byte offset on a
// pooled channel, and on a dropped link reconnect and read on from the offset. The run lives on the
// host: closing Labdeck leaves it going and the next start follows it again (a detached job).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type {
  BootstrapComparison,
  BootstrapEvent,
  BootstrapHostSummary,
  BootstrapCatalog,
  BootstrapRun,
  BootstrapRunState,
  BootstrapRunSummary,
  BootstrapTask,
} from '../../../shared/api/bootstrap-domain';
import { ApiError } from '../../../shared/api/errors';
import type { HostStore } from '../hosts/host-store';
import { SHUTDOWN, type JobContext, type JobRunner, type JobSpec, type Resumer } from '../jobs/job-runner';
import type { SecretStore } from '../secrets/secret-store';
import { readLocalTree, type LocalTree } from '../ssh/sftp';
import type { SshPool } from '../ssh/ssh-pool';
import { type BootstrapStore, type HostRecord, type RunRecord } from './bootstrap-store';
import { RoleCatalog } from './catalog';
import { applyEvent, zeroCounts, type HostProgress } from './events';
import {
  catchUpCommand,
  finishCommand,
  FollowParser,
  followCommand,
  launchCommand,
  stopCommand,
} from './remote';

export interface BootstrapDeps {
  store: BootstrapStore;
  pool: SshPool;
  hosts: HostStore;
  runner: JobRunner;
  secrets: SecretStore;
  ansibleDir: string;
  now?: () => number;
  /** Waits between reconnect attempts while a link is down (the last one repeats). */
  retryMs?: number[];
  /** Ansible's raw output kept per host (its tail). */
  logCapBytes?: number;
}

export interface StartInput {
  hostIds: number[];
  roles: string[];
  vars: Record<string, unknown>;
  mode: 'check' | 'apply';
}

const REMOTE_BASE = '.cache/labdeck';
const SECRET_MARK = '[secret]';
const LINK_CODES = new Set(['HOST_UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST', 'JUMP_FAILED']);
const FINAL = new Set(['succeeded', 'failed', 'unreachable', 'cancelled', 'interrupted']);

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const secretRef = (runId: string, name: string): string => `bootstrap:${runId}:${name}`;

export class BootstrapService {
  /** 'event' (BootstrapEvent) for every host state and task change of a followed run. */
  readonly events = new EventEmitter();
  readonly catalog: RoleCatalog;
  private readonly store: BootstrapStore;
  private readonly now: () => number;
  private readonly retryMs: number[];
  private readonly logCap: number;
  /** Runs being followed now: their hosts' progress. */
  private readonly live = new Map<string, Map<number, HostProgress>>();
  private tree: Promise<LocalTree> | null = null;

  constructor(private readonly d: BootstrapDeps) {
    this.store = d.store;
    this.catalog = new RoleCatalog(d.ansibleDir);
    this.now = d.now ?? Date.now;
    this.retryMs = d.retryMs ?? [1000, 2000, 3000, 5000];
    this.logCap = d.logCapBytes ?? 2 * 1024 * 1024;
    this.events.setMaxListeners(100);
  }

  roles(): BootstrapCatalog {
    return this.catalog.catalog();
  }

  /** At start, after the runner resumed what it could: runs whose job is not running are over. */
  settleOrphans(): void {
    for (const run of this.store.running()) {
      let jobState: string | null;
      try {
        jobState = this.d.runner.get(run.jobId).state;
      } catch {
        jobState = null;
      }
      if (jobState === 'running' || jobState === 'queued') continue;
      for (const h of this.store.hosts(run.id)) {
        if (FINAL.has(h.state)) continue;
        this.store.saveHost(run.id, {
          ...h,
          state: 'interrupted',
          message: 'Labdeck stopped while this ran and could not follow it again.',
          endedAt: this.now(),
        });
      }
      this.store.setRun(run.id, { state: 'interrupted', endedAt: this.now() });
    }
  }

  /** For JobRunner.recoverInterrupted: follows a run left going by a crash or a shutdown. */
  readonly resumer: Resumer = (job) => {
    const run = this.store.runByJob(job.id);
    if (!run || run.state !== 'running') return null;
    return this.spec(run, this.store.hosts(run.id), true);
  };

  /**
   * `from`: the run this one repeats (its secret variables are carried over); `approving`: `from`
   * is the preview this apply was approved from.
   */
  start(
    input: StartInput,
    actor: string,
    from: RunRecord | null = null,
    approving = false,
  ): BootstrapRunSummary {
    const { roles, secretVars } = this.catalog.check(input.roles, input.vars);
    const hostIds = [...new Set(input.hostIds)];
    const hosts = hostIds.map((id) => this.d.hosts.get(id));
    const id = randomUUID();
    const stored: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.vars)) {
      if (secretVars.includes(k) && v !== '') {
        this.d.secrets.put(secretRef(id, k), JSON.stringify(v));
        stored[k] = SECRET_MARK;
      } else stored[k] = v;
    }
    // Secrets of the run this one repeats (kept as "[secret]" in its variables).
    if (from) {
      for (const [k, v] of Object.entries(from.vars)) {
        if (v !== SECRET_MARK || k in stored) continue;
        const value = this.d.secrets.get(secretRef(from.id, k));
        if (value === null) continue;
        this.d.secrets.put(secretRef(id, k), value);
        stored[k] = SECRET_MARK;
      }
    }
    const expected = this.catalog.expectedTasks(roles);
    const spec0 = {
      id,
      jobId: '',
      mode: input.mode,
      roles,
      vars: stored,
      state: 'running' as const,
      actor,
      createdAt: this.now(),
      endedAt: null,
      previewOf: approving && from ? from.id : null,
      approvedAs: null,
    };
    const hostRows = hosts.map((h) => ({ hostId: h.id, hostName: h.name, expectedTasks: expected }));
    // The job's id is known only once it starts; the run row is written first (with the id filled
    // in before the job can report anything) so a crash never leaves a job without its run.
    const run: RunRecord = { ...spec0, jobId: randomUUID() };
    const records: HostRecord[] = hostRows.map((h) => ({
      ...h,
      state: 'queued',
      message: null,
      counts: zeroCounts(),
      currentTask: null,
      exitCode: null,
      startedAt: null,
      endedAt: null,
      remoteDir: null,
      launcher: null,
      offset: 0,
    }));
    const spec = this.spec(run, records, false);
    this.store.insertRun(run, hostRows);
    this.d.runner.start(spec, actor, run.jobId);
    return this.summary(run.id);
  }

  approve(runId: string, actor: string): BootstrapRunSummary {
    const preview = this.mustRun(runId);
    if (preview.mode !== 'check')
      throw new ApiError('CONFLICT', 'Only a preview can be approved; this run applied already.');
    if (preview.state !== 'succeeded') {
      throw new ApiError(
        'CONFLICT',
        preview.state === 'running'
          ? 'The preview is still running: approve it when it has finished.'
          : `The preview ${preview.state === 'failed' ? 'failed' : `was ${preview.state}`}: fix what it reports and preview again.`,
      );
    }
    if (preview.approvedAs) throw new ApiError('CONFLICT', 'This preview was approved already.');
    const hosts = this.store.hosts(runId).map((h) => h.hostId);
    const out = this.start(
      { hostIds: hosts, roles: preview.roles, vars: this.plainVars(preview), mode: 'apply' },
      actor,
      preview,
      true,
    );
    this.store.setRun(runId, { approvedAs: out.id });
    return out;
  }

  rerun(runId: string, onlyFailed: boolean, actor: string): BootstrapRunSummary {
    const run = this.mustRun(runId);
    if (run.state === 'running') throw new ApiError('CONFLICT', 'This run is still going.');
    const hosts = this.store
      .hosts(runId)
      .filter((h) => !onlyFailed || h.state !== 'succeeded')
      .map((h) => h.hostId);
    if (!hosts.length)
      throw new ApiError('CONFLICT', 'No host failed in this run: there is nothing to run again.');
    return this.start(
      { hostIds: hosts, roles: run.roles, vars: this.plainVars(run), mode: run.mode },
      actor,
      run,
    );
  }

  cancel(runId: string): BootstrapRunSummary {
    const run = this.mustRun(runId);
    if (run.state !== 'running') throw new ApiError('CONFLICT', `This run has already ended (${run.state}).`);
    this.d.runner.cancel(run.jobId);
    return this.summary(runId);
  }

  list(limit: number, hostId?: number): BootstrapRunSummary[] {
    const runs = this.store.runs(limit, hostId);
    const hosts = this.store.hostsOf(runs.map((r) => r.id));
    return runs.map((r) => this.store.summary(r, this.liveHosts(r.id, hosts.get(r.id) ?? [])));
  }

  get(runId: string): BootstrapRun {
    const run = this.mustRun(runId);
    const live = this.live.get(runId);
    const hosts = this.liveHosts(runId, this.store.hosts(runId));
    return {
      ...this.store.summary(run, hosts),
      hostRuns: hosts.map((h) => {
        const p = live?.get(h.hostId);
        return this.store.hostRun(h, p ? p.tasks.map((t) => ({ ...t })) : this.store.tasks(runId, h.hostId));
      }),
    };
  }

  log(runId: string, hostId: number): { text: string; truncated: boolean } {
    this.mustRun(runId);
    const l = this.store.log(runId, hostId);
    if (!l) throw new ApiError('NOT_FOUND', 'That host was not part of this run.');
    if (!l.text && this.live.has(runId)) {
      return { text: 'Ansible’s output is fetched from the host when its run ends.', truncated: false };
    }
    return l;
  }

  compare(a: string, b: string): BootstrapComparison {
    const ra = this.get(a);
    const rb = this.get(b);
    const rows: BootstrapComparison['rows'] = [];
    for (const ha of ra.hostRuns) {
      const hb = rb.hostRuns.find((h) => h.hostId === ha.hostId);
      if (!hb) continue;
      const key = (t: BootstrapTask, n: number): string => `${t.role ?? ''}\u0000${t.name}\u0000${n}`;
      const index = (tasks: BootstrapTask[]): Map<string, BootstrapTask> => {
        const seen = new Map<string, number>();
        const m = new Map<string, BootstrapTask>();
        for (const t of tasks) {
          const base = `${t.role ?? ''}\u0000${t.name}`;
          const n = seen.get(base) ?? 0;
          seen.set(base, n + 1);
          m.set(key(t, n), t);
        }
        return m;
      };
      const A = index(ha.tasks);
      const B = index(hb.tasks);
      const order = [...A.keys(), ...[...B.keys()].filter((k) => !A.has(k))];
      for (const k of order) {
        const ta = A.get(k);
        const tb = B.get(k);
        const sa = ta?.status ?? null;
        const sb = tb?.status ?? null;
        if (sa === sb && sa !== 'changed') continue;
        const t = (ta ?? tb)!;
        rows.push({ hostId: ha.hostId, hostName: ha.hostName, task: t.name, role: t.role, a: sa, b: sb });
      }
    }
    return { a, b, rows };
  }

  hostSummary(hostId: number): BootstrapHostSummary {
    this.d.hosts.get(hostId);
    const runs = this.list(50, hostId);
    const running = runs.find((r) => r.state === 'running');
    const last = runs.find(
      (r) => r.mode === 'apply' && r.hosts.find((h) => h.hostId === hostId)?.state === 'succeeded',
    );
    const mine = last?.hosts.find((h) => h.hostId === hostId);
    return {
      hostId,
      lastApply:
        last && mine
          ? {
              runId: last.id,
              roles: last.roles,
              endedAt: last.endedAt ?? last.createdAt,
              changed: mine.counts.changed,
            }
          : null,
      running: running ? { runId: running.id, mode: running.mode } : null,
      skipPreview: this.store.skipPreview(hostId),
    };
  }

  setSkipPreview(hostId: number, skip: boolean): BootstrapHostSummary {
    this.d.hosts.get(hostId);
    this.store.setSkipPreview(hostId, skip);
    return this.hostSummary(hostId);
  }

  summary(runId: string): BootstrapRunSummary {
    const run = this.mustRun(runId);
    return this.store.summary(run, this.liveHosts(runId, this.store.hosts(runId)));
  }

  // ——— the job ———

  private spec(run: RunRecord, hosts: HostRecord[], resumed: boolean): JobSpec {
    const names = hosts.map((h) => h.hostName);
    const what = run.mode === 'check' ? 'Preview' : 'Bootstrap';
    return {
      kind: 'bootstrap',
      title: `${what}: ${run.roles.join(', ')}`,
      target:
        names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', '),
      hostIds: hosts.map((h) => h.hostId),
      steps: ['Upload the playbooks', 'Run the roles'],
      locks: hosts.map((h) => `bootstrap:host:${h.hostId}`),
      detached: true,
      run: (ctx) => this.runJob(run, hosts, resumed, ctx),
    };
  }

  private async runJob(
    run: RunRecord,
    hosts: HostRecord[],
    resumed: boolean,
    ctx: JobContext,
  ): Promise<string> {
    const progress = new Map<number, HostProgress>();
    for (const h of hosts) {
      const { remoteDir: _d, launcher: _l, offset: _o, ...info } = h;
      progress.set(h.hostId, {
        info: { ...info, counts: { ...info.counts } },
        tasks: resumed ? this.store.tasks(run.id, h.hostId) : [],
        failure: h.state === 'failed' ? h.message : null,
        stats: false,
      });
    }
    this.live.set(run.id, progress);
    const where = new Map<number, { remoteDir: string; launcher: string; offset: number }>();
    for (const h of hosts) {
      if (h.remoteDir && h.launcher)
        where.set(h.hostId, { remoteDir: h.remoteDir, launcher: h.launcher, offset: h.offset });
    }
    try {
      if (!resumed) {
        await ctx.step('Upload the playbooks', async () => {
          const started = await Promise.all(hosts.map((h) => this.launch(run, progress.get(h.hostId)!, ctx)));
          hosts.forEach((h, i) => {
            const w = started[i];
            if (w) where.set(h.hostId, w);
          });
          if (!where.size) throw new Error(this.failures(progress) ?? 'No host could start the run.');
          ctx.detail('Upload the playbooks', `started on ${where.size} of ${hosts.length}`);
        });
      } else {
        for (const h of hosts) {
          const p = progress.get(h.hostId)!;
          if (FINAL.has(p.info.state) || where.has(h.hostId)) continue;
          this.hostEnd(
            run,
            p,
            'interrupted',
            'Labdeck stopped while it was starting the run here: it may or may not have started. Look at the host, then run again.',
          );
        }
        ctx.log('Labdeck restarted: following the run on the hosts again.\n', 'info');
      }
      await ctx.step('Run the roles', async () => {
        const tick = (): void => {
          let done = 0;
          let expected = 0;
          for (const p of progress.values()) {
            done += p.tasks.filter((t) => t.status !== 'running').length;
            expected += Math.max(p.info.expectedTasks ?? 0, p.tasks.length);
          }
          if (expected) ctx.progress(Math.min(0.99, done / expected));
        };
        await Promise.all(
          [...where].map(([hostId, w]) => this.follow(run, progress.get(hostId)!, w, ctx, tick)),
        );
      });
    } catch (err) {
      if (ctx.signal.reason === SHUTDOWN) return '';
      // Hosts that never got going end with the job.
      for (const p of progress.values()) {
        if (FINAL.has(p.info.state)) continue;
        if (ctx.signal.aborted) this.hostEnd(run, p, 'cancelled', 'Cancelled.');
        else this.hostEnd(run, p, 'failed', (err as Error).message);
      }
    } finally {
      this.live.delete(run.id);
    }
    if (ctx.signal.reason === SHUTDOWN && !this.allFinal(progress)) return '';
    const outcome = this.endRun(run, progress, ctx);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** Upload, write the variables, start bootstrap.sh detached. Null when this host could not. */
  private async launch(
    run: RunRecord,
    p: HostProgress,
    ctx: JobContext,
  ): Promise<{ remoteDir: string; launcher: string; offset: number } | null> {
    const hostId = p.info.hostId;
    const name = p.info.hostName;
    p.info.startedAt = this.now();
    this.hostState(run, p, 'uploading', 'Uploading the playbooks…');
    try {
      this.tree ??= readLocalTree(this.d.ansibleDir);
      const tree = await this.tree;
      const remoteDir = `${REMOTE_BASE}/runs/${run.id}`;
      const sftp = await this.d.pool.sftp(hostId);
      let ansiblePath: string;
      try {
        const up = await sftp.uploadTree(this.d.ansibleDir, tree, `${REMOTE_BASE}/ansible`);
        ansiblePath = up.path;
        ctx.log(
          `[${name}] playbooks ${up.skipped ? 'already there' : `uploaded (${up.files} files)`}: ~/${up.path}\n`,
          'info',
        );
        await sftp.mkdirs(remoteDir, 0o700);
        await sftp.writeFile(`${remoteDir}/vars.json`, JSON.stringify(this.varsFor(run)), 0o600);
      } finally {
        sftp.end();
      }
      if (ctx.signal.aborted) {
        this.hostEnd(
          run,
          p,
          ctx.signal.reason === SHUTDOWN ? 'interrupted' : 'cancelled',
          ctx.signal.reason === SHUTDOWN
            ? 'Labdeck stopped before the run started here: nothing ran.'
            : 'Cancelled before the run started here.',
        );
        return null;
      }
      this.hostState(run, p, 'starting', 'Starting the run on the host…');
      const unit = `labdeck-bootstrap-${run.id.slice(0, 8)}`;
      const r = await this.d.pool.exec(
        hostId,
        launchCommand(ansiblePath, remoteDir, unit, run.mode === 'check'),
        {
          timeoutMs: 60_000,
        },
      );
      const said = r.stdout.trim().split('\n').pop() ?? '';
      if (said.includes('labdeck-nosudo')) {
        const user = this.d.hosts.get(hostId).user;
        throw new Error(
          `${user} on ${name} is not root and cannot use sudo without a password: log in as root, or give ${user} a passwordless sudo rule for bootstrapping.`,
        );
      }
      if (r.code !== 0 || !/^(systemd:\S+|pid)$/.test(said)) {
        throw new Error(
          `Could not start the run on ${name}: ${(r.stderr || r.stdout).trim().slice(-500) || `exit ${r.code}`}`,
        );
      }
      ctx.log(
        `[${name}] started (${said === 'pid' ? 'in its own session' : `systemd unit ${unit}`})\n`,
        'info',
      );
      this.store.saveHost(run.id, p.info, { remoteDir, launcher: said });
      this.hostState(run, p, 'running', null);
      return { remoteDir, launcher: said, offset: 0 };
    } catch (err) {
      const e = err as ApiError;
      const unreachable =
        LINK_CODES.has(e.code) ||
        e.code === 'AUTH_FAILED' ||
        e.code === 'HOSTKEY_UNKNOWN' ||
        e.code === 'HOSTKEY_MISMATCH';
      this.hostEnd(run, p, unreachable ? 'unreachable' : 'failed', e.message);
      ctx.log(`[${name}] ${e.message}\n`, 'err');
      return null;
    }
  }

  /**
   * Follows a host's events file until the run says its exit status (or is gone), reconnecting
   * with the offset read so far whenever the link drops. A cancel stops the run on the host and
   * keeps following until it has ended there.
   */
  private async follow(
    run: RunRecord,
    p: HostProgress,
    w: { remoteDir: string; launcher: string; offset: number },
    ctx: JobContext,
    tick: () => void,
  ): Promise<void> {
    const hostId = p.info.hostId;
    const name = p.info.hostName;
    let offset = w.offset;
    let attempt = 0;
    let stopSent = false;
    let cancelAskedAt: number | null = null;
    const stop = new AbortController();
    const onAbort = (): void => {
      if (ctx.signal.reason === SHUTDOWN) stop.abort();
      else cancelAskedAt ??= this.now();
      stop.abort();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const apply = (lines: { text: string; bytes: number }[]): void => {
      if (!lines.length) return;
      const touched = new Map<number, BootstrapTask>();
      let hostChanged = false;
      for (const l of lines) {
        offset += l.bytes;
        const a = applyEvent(p, l.text, this.now());
        for (const task of a.tasks ?? []) {
          touched.set(task.seq, task);
          if (task.status !== 'running') {
            ctx.log(
              `[${name}] ${task.role ? `${task.role} : ` : ''}${task.name} — ${task.status}${task.msg && task.status === 'failed' ? `: ${task.msg}` : ''}\n`,
              task.status === 'failed' ? 'err' : 'out',
            );
          }
        }
        if (a.host) hostChanged = true;
      }
      if (p.info.state === 'reconnecting') p.info.state = 'running';
      this.store.saveProgress(run.id, p.info, [...touched.values()], offset);
      for (const t of touched.values()) this.emit({ t: 'task', runId: run.id, hostId, task: { ...t } });
      if (hostChanged || touched.size) this.emitHost(run, p);
      tick();
    };
    try {
      for (;;) {
        if (ctx.signal.reason === SHUTDOWN) return;
        if (cancelAskedAt !== null && !stopSent) {
          try {
            await this.d.pool.exec(hostId, stopCommand(w.remoteDir, w.launcher), { timeoutMs: 15_000 });
            stopSent = true;
            ctx.log(`[${name}] asked the run to stop\n`, 'info');
          } catch {
            /* the link is down: try again below */
          }
        }
        if (cancelAskedAt !== null && this.now() - cancelAskedAt > 200_000) {
          this.hostEnd(
            run,
            p,
            'cancelled',
            stopSent
              ? 'Cancelled; the run on the host did not confirm that it stopped.'
              : `Cancelled, but ${name} could not be reached to stop the run: it may still be going there.`,
          );
          return;
        }
        let mark: string | null = null;
        let linkLost: string | null = null;
        try {
          const s = await this.d.pool.stream(hostId, followCommand(w.remoteDir, offset, w.launcher), {
            maxBytes: Number.MAX_SAFE_INTEGER,
          });
          attempt = 0;
          if (p.info.state === 'reconnecting') {
            this.hostState(run, p, 'running', null);
            ctx.log(`[${name}] link back: reading on from byte ${offset}\n`, 'info');
          }
          const parser = new FollowParser();
          const onStop = (): void => void s.cancel();
          if (ctx.signal.reason === SHUTDOWN) onStop();
          stop.signal.addEventListener('abort', onStop, { once: true });
          s.start((e) => {
            if (e.t !== 'out') return;
            const lines: { text: string; bytes: number }[] = [];
            for (const item of parser.push(e.d)) {
              if (item.kind === 'line') lines.push(item);
              else mark = item.mark;
            }
            apply(lines);
          });
          // At shutdown the follower is left to stop by itself: the job must let go at once.
          const end = await Promise.race([
            s.done,
            new Promise<null>((r) => {
              const go = (): void => (ctx.signal.reason === SHUTDOWN ? r(null) : undefined);
              if (ctx.signal.aborted) go();
              ctx.signal.addEventListener('abort', go, { once: true });
              void s.done.then(() => ctx.signal.removeEventListener('abort', go));
            }),
          ]);
          stop.signal.removeEventListener('abort', onStop);
          if (!end) return;
          if (!mark && end.reason) linkLost = end.reason;
        } catch (err) {
          const e = err as ApiError;
          if (!LINK_CODES.has(e.code)) throw err;
          linkLost = e.message;
        }
        if (ctx.signal.reason === SHUTDOWN) return;
        if (mark) {
          const m = mark as string;
          if (m.startsWith('labdeck-exit=') || m === 'labdeck-gone') {
            // The follower stops a moment after the end: read whatever it had not sent yet.
            const rest = await this.d.pool.exec(hostId, catchUpCommand(w.remoteDir, offset), {
              timeoutMs: 30_000,
            });
            const parser = new FollowParser();
            apply(
              parser
                .push(rest.stdout)
                .filter((i): i is { kind: 'line'; text: string; bytes: number } => i.kind === 'line'),
            );
            await this.finish(run, p, w.remoteDir, ctx);
            if (m === 'labdeck-gone') {
              if (cancelAskedAt !== null)
                this.hostEnd(run, p, 'cancelled', 'Cancelled: the run was stopped on the host.');
              else
                this.hostEnd(
                  run,
                  p,
                  'interrupted',
                  `The run stopped on ${name} without a result (its process was killed, or the host restarted)${p.info.currentTask ? `; the last task was “${p.info.currentTask}”` : ''}.`,
                );
              return;
            }
            const code = Number(m.slice('labdeck-exit='.length));
            p.info.exitCode = Number.isFinite(code) ? code : null;
            if (cancelAskedAt !== null)
              this.hostEnd(run, p, 'cancelled', 'Cancelled: the run was stopped on the host.');
            else if (code === 0 && !p.info.counts.failed && !p.info.counts.unreachable && !p.failure)
              this.hostEnd(run, p, 'succeeded', this.countsText(p));
            else
              this.hostEnd(
                run,
                p,
                'failed',
                p.failure ??
                  (code === 0 ? 'Some tasks failed.' : `The run ended with exit status ${m.slice(13)}.`),
              );
            return;
          }
          if (m === 'labdeck-nodir') {
            this.hostEnd(
              run,
              p,
              'interrupted',
              `The run's folder on ${name} (~/${w.remoteDir}) is gone: the run's outcome is unknown.`,
            );
            return;
          }
        }
        // The link dropped (or the follower stopped): the run goes on there; read on when back.
        if (p.info.state !== 'reconnecting') {
          this.hostState(
            run,
            p,
            'reconnecting',
            `Link to ${name} lost (${linkLost ?? 'the follower stopped'}): the run goes on there; reconnecting…`,
          );
          ctx.log(
            `[${name}] link lost: ${linkLost ?? 'the follower stopped'}; the run goes on on the host\n`,
            'info',
          );
        }
        const wait = this.retryMs[Math.min(attempt, this.retryMs.length - 1)]!;
        attempt++;
        await sleep(wait, cancelAskedAt === null ? ctx.signal : undefined);
      }
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Ansible's output (its tail) into the history, the variables file removed from the host. */
  private async finish(run: RunRecord, p: HostProgress, remoteDir: string, ctx: JobContext): Promise<void> {
    try {
      const r = await this.d.pool.exec(p.info.hostId, finishCommand(remoteDir, this.logCap), {
        timeoutMs: 60_000,
        maxBytes: this.logCap + 64,
      });
      const nl = r.stdout.indexOf('\n');
      const size = Number(r.stdout.slice(0, nl).trim()) || 0;
      this.store.setLog(run.id, p.info.hostId, r.stdout.slice(nl + 1), size > this.logCap);
    } catch (err) {
      ctx.log(`[${p.info.hostName}] could not fetch Ansible's output: ${(err as Error).message}\n`, 'err');
    }
  }

  private endRun(run: RunRecord, progress: Map<number, HostProgress>, ctx: JobContext): string | Error {
    const all = [...progress.values()];
    const states = all.map((p) => p.info.state);
    let state: BootstrapRunState;
    if (states.every((s) => s === 'succeeded')) state = 'succeeded';
    else if (ctx.signal.aborted && states.some((s) => s === 'cancelled')) state = 'cancelled';
    else if (
      states.some((s) => s === 'interrupted') &&
      !states.some((s) => s === 'failed' || s === 'unreachable')
    )
      state = 'interrupted';
    else state = 'failed';
    run.state = state;
    run.endedAt = this.now();
    this.store.setRun(run.id, { state, endedAt: run.endedAt });
    this.emit({ t: 'run', runId: run.id, state, endedAt: run.endedAt });
    if (state === 'succeeded') {
      const what = run.mode === 'check' ? 'Preview' : 'Bootstrap';
      return all.length === 1
        ? `${what} succeeded: ${this.countsText(all[0]!)}.`
        : `${what} succeeded on all ${all.length} hosts: ${all.map((p) => `${p.info.hostName} ${this.countsText(p)}`).join('; ')}.`;
    }
    return new Error(this.failures(progress) ?? `The run ${state}.`);
  }

  private failures(progress: Map<number, HostProgress>): string | null {
    const bad = [...progress.values()].filter((p) => p.info.state !== 'succeeded' && p.info.message);
    if (!bad.length) return null;
    return bad.map((p) => `${p.info.hostName}: ${p.info.message}`).join(' · ');
  }

  private countsText(p: HostProgress): string {
    const c = p.info.counts;
    return `ok=${c.ok} changed=${c.changed} failed=${c.failed} skipped=${c.skipped}${c.unreachable ? ` unreachable=${c.unreachable}` : ''}`;
  }

  private allFinal(progress: Map<number, HostProgress>): boolean {
    return [...progress.values()].every((p) => FINAL.has(p.info.state));
  }

  private hostState(
    run: RunRecord,
    p: HostProgress,
    state: HostProgress['info']['state'],
    message: string | null,
  ): void {
    p.info.state = state;
    p.info.message = message;
    this.store.saveHost(run.id, p.info);
    this.emitHost(run, p);
  }

  private hostEnd(
    run: RunRecord,
    p: HostProgress,
    state: HostProgress['info']['state'],
    message: string,
  ): void {
    p.info.endedAt = this.now();
    // A task still marked running ended with the run.
    for (const t of p.tasks) if (t.status === 'running' && state !== 'succeeded') t.msg ??= `ended ${state}`;
    this.hostState(run, p, state, message);
  }

  private emitHost(run: RunRecord, p: HostProgress): void {
    this.emit({ t: 'host', runId: run.id, host: { ...p.info, counts: { ...p.info.counts } } });
  }

  private emit(e: BootstrapEvent): void {
    this.events.emit('event', e);
  }

  /** Stored hosts, with the live state of a run being followed now. */
  private liveHosts(runId: string, hosts: HostRecord[]): HostRecord[] {
    const live = this.live.get(runId);
    if (!live) return hosts;
    return hosts.map((h) => {
      const p = live.get(h.hostId);
      return p ? { ...h, ...p.info, counts: { ...p.info.counts } } : h;
    });
  }

  private mustRun(id: string): RunRecord {
    const r = this.store.run(id);
    if (!r) throw new ApiError('NOT_FOUND', 'There is no such bootstrap run.');
    return r;
  }

  /** The run's variables with its secrets read back (for a re-run or an approval). */
  private plainVars(run: RunRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(run.vars)) if (v !== SECRET_MARK) out[k] = v;
    return out;
  }

  /** What bootstrap.sh gets: the roles and the variables, secrets included (a 0600 file). */
  private varsFor(run: RunRecord): Record<string, unknown> {
    const out: Record<string, unknown> = { labdeck_roles: run.roles, labdeck_run_id: run.id };
    for (const [k, v] of Object.entries(run.vars)) {
      if (v === SECRET_MARK) {
        const s = this.d.secrets.get(secretRef(run.id, k));
        if (s !== null) out[k] = JSON.parse(s) as unknown;
      } else out[k] = v;
    }
    return out;
  }
}
