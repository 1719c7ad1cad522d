// Experiments on hosts: each a Linux user `exp-<name>` with its own PostgreSQL role and database, a
// Git repository, an environment file with its secrets, and optional limits. Every remote step is
// the bundled resources/experiments/experiment.sh run as root with its values as arguments (or on
// stdin for secrets); each step is idempotent, so a failed job is resumed from the step it stopped
// at, or rolled back. Archives (pg_dump, a git bundle, optionally the home) are downloaded into a
// local folder with a manifest and SHA-256 sums, and can be restored onto any bootstrapped host.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Host } from '../../../shared/api/domain';
import {
  ARCHIVE_STEPS,
  CREATE_STEPS,
  RESTORE_STEPS,
  ROLLBACK_STEPS,
  STEP_TITLES,
  type ArchiveManifest,
  type Experiment,
  type ExperimentArchive,
  type ExperimentJobStarted,
  type ExperimentLimits,
  type ExperimentTemplate,
  type ExperimentUsage,
} from '../../../shared/api/experiments-domain';
import { ApiError } from '../../../shared/api/errors';
import type { RecordEvent } from '../../lib/area';
import type { JobContext, JobRunner, JobSpec } from '../jobs/job-runner';
import type { SecretStore } from '../secrets/secret-store';
import { readLocalTree, type ExecResult, type SftpSession } from '../ssh/ssh-pool';
import { shCommand, shQuote } from '../ssh/quote';
import { GONE, type ExperimentStore } from './experiment-store';
import type { GiteaHosts } from './gitea-hosts';

/** What the service needs of the SSH pool. */
export interface ExperimentPool {
  exec(hostId: number, command: string, opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  sftp(hostId: number): Promise<SftpSession>;
}

export interface ExperimentDeps {
  store: ExperimentStore;
  pool: ExperimentPool;
  hosts: { get(id: number): Host };
  runner: JobRunner;
  secrets: SecretStore;
  /** The text of experiment.sh. */
  script: string;
  /** Where archives are written, one folder each. */
  archiveDir: string;
  /** Hosts whose experiments keep their repository in a Gitea. */
  gitea?: GiteaHosts;
  /** Each step's end goes to the history through the dispatcher. */
  record?: RecordEvent;
  /** Whether the host is connected now (usage is read only from connected hosts). */
  online?: (hostId: number) => boolean;
  /** GPU memory (MiB) each Linux user's processes use on a host now, from the metrics area. */
  gpuByUser?: (hostId: number) => Map<string, number> | null;
}

export interface CreateInput {
  hostId: number;
  name: string;
  description: string;
  template: ExperimentTemplate;
  packages: string[];
  limits: ExperimentLimits;
}

/** Where experiments live on a host (the experiments role's default). */
export const EXPERIMENTS_ROOT = '/srv/experiments';

/** The names on the host, all from the experiment's name (validated by the contract). */
export function derivedNames(name: string): { linuxUser: string; database: string; home: string } {
  return {
    linuxUser: `exp-${name}`,
    database: `experiment_${name.replace(/-/g, '_')}`,
    home: `${EXPERIMENTS_ROOT}/${name}`,
  };
}

const dbPasswordRef = (id: number): string => `experiment:${id}:db-password`;
const secretRef = (id: number, name: string): string => `experiment:${id}:secret:${name}`;

/** The experiment's environment file: every value single-quoted by the one quoting helper. */
export function envFile(e: Experiment, dbPassword: string, secrets: [string, string][]): string {
  const url = `postgresql://${encodeURIComponent(e.linuxUser)}:${encodeURIComponent(dbPassword)}@localhost:5432/${e.database}`;
  const vars: [string, string][] = [
    ['LABDECK_EXPERIMENT', e.name],
    ['PGHOST', 'localhost'],
    ['PGPORT', '5432'],
    ['PGDATABASE', e.database],
    ['PGUSER', e.linuxUser],
    ['DATABASE_URL', url],
    ['GIT_REMOTE', `${e.home}/repo.git`],
    ...secrets,
  ];
  if (e.template === 'python') vars.push(['VIRTUAL_ENV', `${e.home}/.venv`]);
  const lines = vars.map(([k, v]) => `${k}=${shQuote(v)}`);
  if (e.template === 'python') lines.push(`PATH="$VIRTUAL_ENV/bin:$PATH"`);
  return `# Written by Labdeck for experiment ${e.name}; rewritten when its secrets change.\n${lines.join('\n')}\n`;
}

const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? '';

export class ExperimentService {
  constructor(private readonly d: ExperimentDeps) {}

  list(hostId?: number, includeArchived = true): Experiment[] {
    const all = this.d.store.list(hostId);
    return includeArchived ? all : all.filter((e) => !GONE.includes(e.status));
  }

  get(id: number): Experiment {
    return this.d.store.get(id);
  }

  // ---- create, resume, roll back ------------------------------------------------------------

  create(input: CreateInput, actor: string): ExperimentJobStarted {
    const host = this.d.hosts.get(input.hostId);
    if (this.d.store.live(input.hostId, input.name)) {
      throw new ApiError(
        'CONFLICT',
        `${host.name} already has an experiment named ${input.name}. Pick another name, or archive that one first.`,
      );
    }
    const names = derivedNames(input.name);
    const e = this.d.store.insert({
      ...input,
      ...names,
      hostName: host.name,
      operation: 'create',
      status: 'creating',
      createdBy: actor,
    });
    this.d.secrets.put(dbPasswordRef(e.id), randomBytes(24).toString('hex'));
    return this.startSteps(e, 'create', [], actor);
  }

  /** A failed create or restore again, from the step it stopped at. */
  resume(id: number, actor: string): ExperimentJobStarted {
    const e = this.d.store.get(id);
    if (e.status !== 'failed' || (e.operation !== 'create' && e.operation !== 'restore')) {
      throw new ApiError(
        'CONFLICT',
        `Experiment ${e.name} is ${e.status}: only a failed create or restore can be resumed.`,
      );
    }
    return this.startSteps(e, e.operation, e.doneSteps, actor);
  }

  rollback(id: number, actor: string): ExperimentJobStarted {
    const e = this.d.store.get(id);
    if (e.status !== 'failed') {
      throw new ApiError(
        'CONFLICT',
        `Experiment ${e.name} is ${e.status}: only a failed one is rolled back (archive a working one instead).`,
      );
    }
    const spec = this.spec(
      e,
      'rollback',
      `Roll back experiment ${e.name}`,
      [...ROLLBACK_STEPS],
      async (ctx) => {
        try {
          await this.stepped(ctx, e, 'remove', () => this.removeAll(ctx, this.d.store.get(e.id)));
        } catch (err) {
          this.d.store.update(e.id, {
            status: 'failed',
            message: `Rolling back failed: ${err instanceof Error ? err.message : String(err)}. Roll back again when the host answers.`,
          });
          throw err;
        }
        this.forgetSecrets(e);
        this.d.store.update(e.id, {
          status: 'rolled-back',
          message: 'Rolled back: nothing of it is left on the host.',
          failedStep: null,
        });
        return `Rolled back ${e.name} on ${e.hostName}`;
      },
    );
    return this.launch(e, spec, 'rolling-back', 'rollback', actor);
  }

  private startSteps(
    e: Experiment,
    operation: 'create' | 'restore',
    done: string[],
    actor: string,
  ): ExperimentJobStarted {
    const steps: string[] = operation === 'create' ? [...CREATE_STEPS] : [...RESTORE_STEPS];
    const verb = operation === 'create' ? 'Create' : 'Restore';
    const spec = this.spec(e, operation, `${verb} experiment ${e.name}`, steps, async (ctx) => {
      const finished = new Set(done);
      let stage: string | null = null;
      for (const step of steps) {
        // The archive is uploaded again on every resume (the host's copy is removed at the end).
        if (finished.has(step) && step !== 'upload') {
          ctx.skip(step, 'done before');
          continue;
        }
        try {
          if (ctx.signal.aborted) throw new ApiError('INTERRUPTED', 'Cancelled before this step.');
          await this.stepped(ctx, e, step, async () => {
            const out = await this.runStep(ctx, this.d.store.get(e.id), step, stage);
            if (step === 'upload') stage = out;
            return out;
          });
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          this.d.store.update(e.id, {
            status: 'failed',
            failedStep: step,
            message: `${STEP_TITLES[step] ?? step} failed: ${msg}`,
          });
          throw err;
        }
        finished.add(step);
        this.d.store.update(e.id, { doneSteps: steps.filter((s) => finished.has(s)) });
      }
      this.d.store.update(e.id, { status: 'ready', failedStep: null, message: null });
      return `${e.name} is ready on ${e.hostName}: ${e.linuxUser}, database ${e.database}`;
    });
    return this.launch(e, spec, operation === 'create' ? 'creating' : 'restoring', operation, actor, done);
  }

  private async runStep(ctx: JobContext, e: Experiment, step: string, stage: string | null): Promise<string> {
    const user = e.linuxUser;
    switch (step) {
      case 'user':
        return this.remote(ctx, e.hostId, 'user', [
          user,
          e.home,
          path.posix.dirname(e.home),
          e.name,
          e.description,
          e.database,
        ]);
      case 'database':
        return this.remote(ctx, e.hostId, 'database', [user, e.database, e.home], `${this.dbPassword(e)}\n`);
      case 'repo':
        return this.makeRepo(ctx, e);
      case 'environment':
        return this.pushEnvironment(ctx, e);
      case 'limits':
        return this.remote(ctx, e.hostId, 'limits', [
          user,
          e.limits.memoryMiB === null ? '-' : String(e.limits.memoryMiB),
          e.limits.cpuWeight === null ? '-' : String(e.limits.cpuWeight),
        ]);
      case 'upload':
        return this.upload(ctx, e);
      case 'data':
        if (!stage) throw new ApiError('INTERNAL', 'The archive was not uploaded.');
        return this.remote(
          ctx,
          e.hostId,
          'restore-data',
          [user, e.database, e.home, stage],
          undefined,
          30 * 60_000,
        );
      case 'cleanup':
        if (stage) await this.remote(ctx, e.hostId, 'cleanup', [stage]);
        return 'removed the uploaded copy';
      default:
        throw new ApiError('INTERNAL', `unknown step ${step}`);
    }
  }

  /**
   * A bare repository on the host, or, where the host has a Gitea, a repository there with the
   * experiment's own Gitea user (a write collaborator) whose token is only in its 0600 credentials.
   */
  private async makeRepo(ctx: JobContext, e: Experiment): Promise<string> {
    const user = e.linuxUser;
    const workTree = `${e.home}/code`;
    const g = this.d.gitea?.setting(e.hostId) ?? null;
    if (!g) {
      const out = await this.remote(ctx, e.hostId, 'repo', [user, e.home, e.name, e.description]);
      this.d.store.update(e.id, { repo: { kind: 'bare', remote: `${e.home}/repo.git`, workTree } });
      return out;
    }
    // Said before anything is made there, so a rollback knows to look in Gitea.
    this.d.store.update(e.id, { repo: { kind: 'gitea', remote: g.url, workTree } });
    const c = this.d.gitea!.client(e.hostId, g)!;
    await c.ensureUser({ username: user, email: `${user}@labdeck.invalid` });
    const repo = await c.ensureRepo({
      ...(g.owner ? { owner: g.owner } : {}),
      name: e.name,
      description: e.description,
      private: true,
    });
    if (repo.owner !== user) await c.addCollaborator(repo.owner, repo.name, user, 'write');
    const token = await c.createToken(user, { name: 'labdeck', scopes: ['write:repository'] });
    this.d.store.update(e.id, { repo: { kind: 'gitea', remote: repo.cloneUrl, workTree } });
    ctx.log(`Gitea: ${repo.fullName} (${repo.htmlUrl}), pushed to by Gitea user ${user}`);
    const u = new URL(repo.cloneUrl);
    const credentials = `${u.protocol}//${encodeURIComponent(user)}:${encodeURIComponent(token.sha1)}@${u.host}\n`;
    return this.remote(
      ctx,
      e.hostId,
      'repo',
      [user, e.home, e.name, e.description, repo.cloneUrl],
      credentials,
    );
  }

  /** The experiment's Gitea repository and user, when it has them (both gone already is fine). */
  private async removeGitea(e: Experiment): Promise<string> {
    if (e.repo?.kind !== 'gitea') return '';
    const g = this.d.gitea?.setting(e.hostId) ?? null;
    if (!g)
      return `Gitea is no longer set up for ${e.hostName}: its repository ${e.repo.remote} was left there.`;
    const c = this.d.gitea!.client(e.hostId, g)!;
    const m = /\/([^/]+)\/([^/]+?)\.git$/.exec(new URL(e.repo.remote).pathname);
    const owner = m?.[1] ?? g.owner ?? (await c.currentUser()).login;
    await c.deleteRepo(owner, e.name);
    await c.deleteUser(e.linuxUser, { purge: true });
    return `removed Gitea repository ${owner}/${e.name} and Gitea user ${e.linuxUser}`;
  }

  private async removeAll(ctx: JobContext, e: Experiment): Promise<string> {
    const out = await this.remote(ctx, e.hostId, 'remove', [e.linuxUser, e.database, e.home]);
    const gitea = await this.removeGitea(e);
    if (gitea) ctx.log(gitea);
    return gitea || out;
  }

  // ---- secrets ------------------------------------------------------------------------------

  async setSecret(id: number, name: string, value: string): Promise<Experiment> {
    const e = this.requireReady(id, 'change its secrets');
    this.d.secrets.put(secretRef(id, name), value);
    const names = [...new Set([...e.secretNames, name])].sort();
    const updated = this.d.store.update(id, { secretNames: names });
    await this.pushEnvironment(null, updated);
    return this.d.store.get(id);
  }

  async removeSecret(id: number, name: string): Promise<Experiment> {
    const e = this.requireReady(id, 'change its secrets');
    if (!e.secretNames.includes(name)) {
      throw new ApiError('NOT_FOUND', `Experiment ${e.name} has no secret named ${name}.`);
    }
    const updated = this.d.store.update(id, { secretNames: e.secretNames.filter((n) => n !== name) });
    await this.pushEnvironment(null, updated);
    this.d.secrets.delete(secretRef(id, name));
    return this.d.store.get(id);
  }

  private pushEnvironment(ctx: JobContext | null, e: Experiment): Promise<string> {
    const secrets = e.secretNames.map((n): [string, string] => {
      const v = this.d.secrets.get(secretRef(e.id, n));
      if (v === null) {
        throw new ApiError(
          'SECRET_REQUIRED',
          `The secret ${n} of ${e.name} cannot be read here any more. Set it again.`,
        );
      }
      return [n, v];
    });
    return this.remote(
      ctx,
      e.hostId,
      'environment',
      [e.linuxUser, e.home, e.template, ...(e.template === 'python' ? e.packages : [])],
      envFile(e, this.dbPassword(e), secrets),
      30 * 60_000,
    );
  }

  private dbPassword(e: Experiment): string {
    let pw = this.d.secrets.get(dbPasswordRef(e.id));
    if (pw === null) {
      // Lost (another key file): a new one is made and written to the host by the database step.
      pw = randomBytes(24).toString('hex');
      this.d.secrets.put(dbPasswordRef(e.id), pw);
    }
    return pw;
  }

  private forgetSecrets(e: Experiment): void {
    this.d.secrets.delete(dbPasswordRef(e.id));
  }

  // ---- usage --------------------------------------------------------------------------------

  async usage(hostId?: number): Promise<ExperimentUsage[]> {
    const live = this.list(hostId, false).filter((e) => e.status === 'ready' || e.status === 'failed');
    const byHost = new Map<number, Experiment[]>();
    for (const e of live) byHost.set(e.hostId, [...(byHost.get(e.hostId) ?? []), e]);
    const out: ExperimentUsage[] = [];
    await Promise.all(
      [...byHost].map(async ([h, list]) => {
        const at = Date.now();
        const gpu = this.d.gpuByUser?.(h) ?? null;
        const blank = (e: Experiment, error: string | null): ExperimentUsage => ({
          experimentId: e.id,
          at,
          lastLogin: null,
          homeBytes: null,
          databaseBytes: null,
          processes: 0,
          cpuPercent: 0,
          memoryBytes: 0,
          gpuMemoryMiB: gpu ? (gpu.get(e.linuxUser) ?? 0) : null,
          error,
        });
        if (this.d.online && !this.d.online(h)) {
          for (const e of list) out.push(blank(e, `${e.hostName} is not connected`));
          return;
        }
        try {
          const text = await this.remote(
            null,
            h,
            'status',
            list.flatMap((e) => [e.linuxUser, e.database, e.home]),
            undefined,
            30_000,
          );
          for (const e of list) out.push(parseStatus(text, blank(e, null), e.linuxUser));
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          for (const e of list) out.push(blank(e, msg));
        }
      }),
    );
    return out.sort((a, b) => a.experimentId - b.experimentId);
  }

  // ---- archive and restore ------------------------------------------------------------------

  archive(id: number, includeHome: boolean, actor: string): ExperimentJobStarted {
    const e = this.requireReady(id, 'archive it');
    const spec = this.spec(e, 'archive', `Archive experiment ${e.name}`, [...ARCHIVE_STEPS], async (ctx) => {
      const home = await this.loginHome(e.hostId);
      const stage = `${home}/.cache/labdeck/experiments/${randomUUID()}`;
      const host = this.d.hosts.get(e.hostId);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
      const folderName = `${e.name}-${stamp}-${host.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`.slice(
        0,
        120,
      );
      const folder = path.join(this.d.archiveDir, folderName);
      let sums = new Map<string, string>();
      try {
        await this.stepped(ctx, e, 'dump', async () => {
          const out = await this.remote(
            ctx,
            e.hostId,
            'dump',
            [e.linuxUser, e.database, e.home, stage, host.user, includeHome ? '1' : '0'],
            undefined,
            60 * 60_000,
          );
          sums = parseSums(out);
          if (!sums.has('database.dump'))
            throw new ApiError('INTERNAL', `The dump on ${host.name} wrote no database.dump.`);
          return `${sums.size} files: ${[...sums.keys()].join(', ')}`;
        });
        const files: ArchiveManifest['files'] = [];
        await this.stepped(ctx, e, 'download', async () => {
          fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
          const sftp = await this.d.pool.sftp(e.hostId);
          try {
            const names = [...sums.keys(), 'SHA256SUMS'];
            for (const [i, name] of names.entries()) {
              if (ctx.signal.aborted) throw new ApiError('INTERRUPTED', 'Cancelled while downloading.');
              const r = await sftp.download(`${stage}/${name}`, path.join(folder, name), (p) =>
                ctx.progress((i + (p.total ? p.done / p.total : 0)) / names.length),
              );
              if (name !== 'SHA256SUMS') files.push({ name, bytes: r.bytes, sha256: r.sha256 });
            }
          } finally {
            sftp.end();
          }
          const total = files.reduce((s, f) => s + f.bytes, 0);
          return `${files.length} files, ${total} bytes into ${folder}`;
        });
        await this.stepped(ctx, e, 'verify', async () => {
          for (const f of files) {
            if (sums.get(f.name) !== f.sha256) {
              throw new ApiError(
                'INTERNAL',
                `${f.name} from ${host.name} does not match its SHA-256 there. Archive again.`,
              );
            }
          }
          const versions: Record<string, string> = {};
          const tsv = path.join(folder, 'versions.tsv');
          if (fs.existsSync(tsv)) {
            for (const line of fs.readFileSync(tsv, 'utf8').split('\n')) {
              const [k, ...v] = line.split('\t');
              if (k && v.length) versions[k] = v.join('\t');
            }
          }
          const manifest: ArchiveManifest = {
            format: 1,
            experiment: {
              name: e.name,
              description: e.description,
              template: e.template,
              packages: e.packages,
              limits: e.limits,
              secretNames: e.secretNames,
            },
            host: host.name,
            createdAt: Date.now(),
            createdBy: actor,
            files,
            versions,
          };
          fs.writeFileSync(path.join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, {
            mode: 0o600,
          });
          await this.remote(ctx, e.hostId, 'cleanup', [stage]);
          return `every SHA-256 matches; manifest.json written`;
        });
      } catch (err) {
        await this.remote(null, e.hostId, 'cleanup', [stage]).catch(() => undefined);
        this.d.store.update(e.id, {
          status: 'ready',
          message: `Archiving failed (nothing was removed): ${err instanceof Error ? err.message : String(err)}`,
        });
        throw err;
      }
      try {
        await this.stepped(ctx, e, 'remove', () => this.removeAll(ctx, this.d.store.get(e.id)));
      } catch (err) {
        this.d.store.update(e.id, {
          status: 'failed',
          failedStep: 'remove',
          archive: folderName,
          message: `Archived into ${folderName}, but removing it from ${host.name} failed: ${err instanceof Error ? err.message : String(err)}. Roll back removes the rest.`,
        });
        throw err;
      }
      this.forgetSecrets(e);
      this.d.store.update(e.id, {
        status: 'archived',
        archivedAt: Date.now(),
        archive: folderName,
        message: null,
        failedStep: null,
      });
      return `Archived ${e.name} into ${folder}`;
    });
    return this.launch(e, spec, 'archiving', 'archive', actor);
  }

  archives(): ExperimentArchive[] {
    if (!fs.existsSync(this.d.archiveDir)) return [];
    const out: ExperimentArchive[] = [];
    for (const d of fs.readdirSync(this.d.archiveDir, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const p = path.join(this.d.archiveDir, d.name);
      try {
        const manifest = JSON.parse(
          fs.readFileSync(path.join(p, 'manifest.json'), 'utf8'),
        ) as ArchiveManifest;
        if (manifest.format !== 1) continue;
        out.push({
          id: d.name,
          path: p,
          manifest,
          totalBytes: manifest.files.reduce((s, f) => s + f.bytes, 0),
        });
      } catch {
        // Not an archive (or one being written): left out.
      }
    }
    return out.sort((a, b) => b.manifest.createdAt - a.manifest.createdAt);
  }

  restore(archiveId: string, hostId: number, name: string | undefined, actor: string): ExperimentJobStarted {
    const a = this.archives().find((x) => x.id === archiveId);
    if (!a) throw new ApiError('NOT_FOUND', `There is no archive ${archiveId} in ${this.d.archiveDir}.`);
    this.checkArchive(a);
    const host = this.d.hosts.get(hostId);
    const expName = name ?? a.manifest.experiment.name;
    if (this.d.store.live(hostId, expName)) {
      throw new ApiError(
        'CONFLICT',
        `${host.name} already has an experiment named ${expName}. Restore it under another name.`,
      );
    }
    const m = a.manifest.experiment;
    // Its secrets come along when this Labdeck archived it (they never leave it, not even in the archive).
    const source = this.d.store.list().find((x) => x.archive === archiveId);
    const carried = source
      ? m.secretNames.filter((n) => this.d.secrets.get(secretRef(source.id, n)) !== null)
      : [];
    const e = this.d.store.insert({
      name: expName,
      hostId,
      hostName: host.name,
      description: m.description,
      template: m.template,
      packages: m.packages,
      limits: m.limits,
      ...derivedNames(expName),
      operation: 'restore',
      status: 'restoring',
      secretNames: carried,
      restoreFrom: archiveId,
      createdBy: actor,
    });
    for (const n of carried)
      this.d.secrets.put(secretRef(e.id, n), this.d.secrets.get(secretRef(source!.id, n))!);
    this.d.secrets.put(dbPasswordRef(e.id), randomBytes(24).toString('hex'));
    return this.startSteps(e, 'restore', [], actor);
  }

  /** Every file of the archive is there with its size and SHA-256. */
  private checkArchive(a: ExperimentArchive): void {
    for (const f of a.manifest.files) {
      const p = path.join(a.path, f.name);
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(f.name) || !fs.existsSync(p)) {
        throw new ApiError('NOT_FOUND', `The archive ${a.id} lacks ${f.name}. It cannot be restored.`);
      }
      const sha = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      if (sha !== f.sha256) {
        throw new ApiError(
          'VALIDATION',
          `${f.name} in the archive ${a.id} has changed since it was written (SHA-256 differs). It cannot be restored.`,
        );
      }
    }
  }

  private async upload(ctx: JobContext, e: Experiment): Promise<string> {
    const archiveId = this.d.store.restoreFrom(e.id);
    const a = this.archives().find((x) => x.id === archiveId);
    if (!a)
      throw new ApiError(
        'NOT_FOUND',
        `The archive ${archiveId ?? '?'} is no longer in ${this.d.archiveDir}.`,
      );
    this.checkArchive(a);
    const home = await this.loginHome(e.hostId);
    const tree = await readLocalTree(a.path);
    const sftp = await this.d.pool.sftp(e.hostId);
    try {
      const r = await sftp.uploadTree(a.path, tree, `${home}/.cache/labdeck/restore`, (p) =>
        ctx.progress(p.total ? p.done / p.total : 0),
      );
      ctx.detail('upload', `${r.files} files, ${r.bytes} bytes${r.skipped ? ' (already there)' : ''}`);
      return r.path;
    } finally {
      sftp.end();
    }
  }

  // ---- after a restart ----------------------------------------------------------------------

  /** Experiments whose job Labdeck was running when it stopped: they say so, and can be resumed. */
  settleInterrupted(): void {
    for (const e of this.d.store.busy()) {
      const job = e.jobId ? this.safeJob(e.jobId) : null;
      if (job && (job.state === 'running' || job.state === 'queued')) continue;
      if (e.status === 'archiving') {
        this.d.store.update(e.id, {
          status: 'ready',
          message: 'Labdeck stopped while archiving it; archive it again.',
        });
      } else {
        const steps: readonly string[] =
          e.operation === 'restore'
            ? RESTORE_STEPS
            : e.operation === 'create'
              ? CREATE_STEPS
              : ROLLBACK_STEPS;
        const at = steps.find((s) => !e.doneSteps.includes(s)) ?? null;
        this.d.store.update(e.id, {
          status: 'failed',
          failedStep: at,
          message: `Labdeck stopped during "${at ? (STEP_TITLES[at] ?? at) : e.operation}". Resume continues from there; Roll back removes what was made.`,
        });
      }
    }
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private requireReady(id: number, what: string): Experiment {
    const e = this.d.store.get(id);
    if (e.status !== 'ready') {
      throw new ApiError('CONFLICT', `Experiment ${e.name} is ${e.status}; it must be ready to ${what}.`);
    }
    return e;
  }

  private spec(e: Experiment, kind: string, title: string, steps: string[], run: JobSpec['run']): JobSpec {
    return {
      kind: `experiment.${kind}`,
      title,
      target: `${e.name} on ${e.hostName}`,
      hostIds: [e.hostId],
      steps,
      locks: [`experiment:${e.hostId}:${e.name}`],
      run,
    };
  }

  private launch(
    e: Experiment,
    spec: JobSpec,
    status: Experiment['status'],
    operation: Experiment['operation'],
    actor: string,
    done: string[] = [],
  ): ExperimentJobStarted {
    const jobId = randomUUID();
    // The row names the job before the job can change it.
    this.d.store.update(e.id, { status, operation, jobId, message: null, failedStep: null, doneSteps: done });
    try {
      this.d.runner.start(spec, actor, jobId);
    } catch (err) {
      this.d.store.update(e.id, {
        status: 'failed',
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
    return { experiment: this.d.store.get(e.id), jobId };
  }

  /** Runs a job step; its end (with what it said or why it failed) is one row in the history. */
  private async stepped(
    ctx: JobContext,
    e: Experiment,
    step: string,
    fn: () => Promise<string>,
  ): Promise<void> {
    const started = Date.now();
    let line = '';
    try {
      await ctx.step(step, async () => {
        line = lastLine(await fn()).slice(0, 200);
        if (line) ctx.detail(step, line);
      });
    } catch (err) {
      this.recordStep(e, step, started, line, err);
      throw err;
    }
    this.recordStep(e, step, started, line, null);
  }

  private recordStep(e: Experiment, step: string, started: number, said: string, err: unknown): void {
    const now = this.d.store.get(e.id);
    this.d.record?.({
      action: 'experiments.step',
      target: `${STEP_TITLES[step] ?? step}: experiment ${e.name} on ${e.hostName}`,
      ok: err === null,
      errorCode: err === null ? null : err instanceof ApiError ? err.code : 'INTERNAL',
      details: {
        operation: now.operation,
        step,
        ...(err === null ? { said } : { error: err instanceof Error ? err.message : 'failed' }),
      },
      durationMs: Date.now() - started,
      refs: { experimentId: e.id, hostId: e.hostId, jobId: now.jobId },
    });
  }

  private safeJob(id: string): { state: string } | null {
    try {
      return this.d.runner.get(id);
    } catch {
      return null;
    }
  }

  private async loginHome(hostId: number): Promise<string> {
    const r = await this.d.pool.exec(hostId, 'printf %s "$HOME"', { timeoutMs: 15_000 });
    const home = r.stdout.trim();
    if (r.code !== 0 || !home.startsWith('/')) {
      throw new ApiError(
        'INTERNAL',
        `Could not find the login user's home folder on ${this.d.hosts.get(hostId).name}.`,
      );
    }
    return home;
  }

  /** Runs one step of experiment.sh as root on the host; its output goes to the job's log. */
  private async remote(
    ctx: JobContext | null,
    hostId: number,
    step: string,
    args: string[],
    stdin?: string,
    timeoutMs = 5 * 60_000,
  ): Promise<string> {
    const host = this.d.hosts.get(hostId);
    const argv = ['sh', '-c', this.d.script, 'labdeck', step, ...args];
    const command = shCommand(host.user === 'root' ? argv : ['sudo', '-n', ...argv]);
    const r = await this.d.pool.exec(hostId, command, { timeoutMs, stdin: stdin ?? '' });
    if (ctx && r.stdout.trim()) ctx.log(r.stdout);
    if (ctx && r.stderr.trim()) ctx.log(r.stderr, 'err');
    if (r.code === 0) return r.stdout;
    const said = lastLine(r.stderr.replace(/^labdeck: /gm, '')) || lastLine(r.stdout);
    if (
      /sudo: (a password is required|a terminal is required)|not in the sudoers|may not run sudo/i.test(
        r.stderr,
      )
    ) {
      throw new ApiError(
        'PERMISSION_DENIED',
        `${host.user} cannot run commands as root on ${host.name} without a password. Give it passwordless sudo (a NOPASSWD rule in /etc/sudoers.d) or log in as root.`,
      );
    }
    throw new ApiError(
      'INTERNAL',
      `On ${host.name}: ${said || `the step "${step}" exited with ${r.code ?? r.signal}`}`,
    );
  }
}

/** `sha256sum` lines into name → hash. */
function parseSums(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const x = /^([0-9a-f]{64}) [ *]([A-Za-z0-9._-]+)$/.exec(line.trim());
    if (x) m.set(x[2]!, x[1]!);
  }
  return m;
}

/** The `status` step's lines for one user ("<user> <key> <values>") into its usage. */
export function parseStatus(text: string, base: ExperimentUsage, user: string): ExperimentUsage {
  const u = { ...base };
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${user} `)) continue;
    const [key, ...rest] = line.slice(user.length + 1).split(' ');
    const value = rest.join(' ').trim();
    switch (key) {
      case 'exists':
        if (value !== '1') u.error = `${user} does not exist on the host`;
        break;
      case 'lastlog':
        u.lastLogin =
          value && !/Never logged in/i.test(value)
            ? value.replace(new RegExp(`^${user}\\s*`), '').trim() || null
            : null;
        break;
      case 'history':
        if (!u.lastLogin && /^\d+$/.test(value)) {
          u.lastLogin = `${new Date(Number(value) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC (shell history)`;
        }
        break;
      case 'home_bytes':
        u.homeBytes = /^\d+$/.test(value) ? Number(value) : null;
        break;
      case 'db_bytes':
        u.databaseBytes = /^\d+$/.test(value) ? Number(value) : null;
        break;
      case 'procs': {
        const [n, cpu, rss] = rest.map(Number);
        u.processes = Number.isFinite(n) ? n! : 0;
        u.cpuPercent = Number.isFinite(cpu) ? cpu! : 0;
        u.memoryBytes = Number.isFinite(rss) ? rss! : 0;
        break;
      }
    }
  }
  return u;
}
