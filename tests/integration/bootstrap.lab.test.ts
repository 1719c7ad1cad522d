// Bootstrap through the app against the lab's real Debian LXC containers ct5 and ct6 (systemd, no
// python3 at first; named ct1/ct2 here; the lab's ct1/ct2 stay fresh for other tests): a preview that changes nothing, its approval, a no-op re-run and preview, two hosts in one
// job with one link cut for 30 s mid-run, Labdeck closed mid-run and started again, the run's
// process killed on the host, and a cancel that stops it there. Ansible runs on the containers,
// installed by bootstrap.sh from their apt sources (the lab's apt cache).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BootstrapRun, BootstrapRunSummary } from '../../src/shared/api/bootstrap-domain';
import { shCommand } from '../../src/main/services/ssh/quote';
import { Faults, readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { harness, labHostInput, type Harness } from '../support/app-harness';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp-db';
import { connect, type WsClient } from '../support/ws-client';

inject('lab');
const ROLES = ['base', 'python', 'docker', 'postgresql', 'experiments'];
const labHost = (name: string): LabHost => readState().hosts.find((x) => x.name === name)!;
const OPTS = { bootstrapRetryMs: [500, 1000], ssh: { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 } };
let h: Harness;
let dataDir: string;
const ids: Record<string, number> = {};

beforeAll(async () => {
  h = harness(OPTS);
  dataDir = h.dir;
  for (const [name, lab] of [['ct1', 'ct5'], ['ct2', 'ct6']] as const) {
    const lh = labHost(lab);
    const { id } = await h.call('hosts.add', { ...labHostInput(lh, lh.admin), name, kind: 'lxc' });
    await h.fail('hosts.connect', { id });
    await h.call('hosts.trustKey', { id, fingerprint: lh.fingerprint });
    ids[name] = id;
  }
}, 60_000);
afterAll(async () => {
  new Faults(readState()).restoreSsh('ct6');
  await h.close();
});

async function until(
  runId: string,
  done: (r: BootstrapRun) => boolean,
  timeoutMs: number,
  app: Harness = h,
): Promise<BootstrapRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await app.call('bootstrap.get', { runId });
    if (done(r)) return r;
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} still ${r.state} after ${timeoutMs} ms: ${JSON.stringify(r.hostRuns.map((x) => [x.hostName, x.state, x.message, x.tasks.length]))}`,
      );
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}
const ended = (r: BootstrapRun): boolean => r.state !== 'running';
const sh = async (host: string, script: string): Promise<{ code: number | null; out: string }> => {
  const r = await h.app.pool.exec(ids[host]!, shCommand(['sh', '-c', script]), { timeoutMs: 60_000 });
  return { code: r.code, out: r.stdout + r.stderr };
};

describe('bootstrap on real containers', () => {
  let preview: BootstrapRunSummary;

  it('previews a fresh container: tasks stream in, what would change is shown, nothing changes', async () => {
    preview = await h.call('bootstrap.start', { hostIds: [ids['ct1']], roles: ROLES, mode: 'check' });
    expect(preview.state).toBe('running');
    // The task list grows while the run goes (not all at the end).
    const partway = await until(preview.id, (r) => r.hostRuns[0]!.tasks.length >= 3 || ended(r), 240_000);
    expect(partway.state).toBe('running');
    const r = await until(preview.id, ended, 300_000);
    const ct1 = r.hostRuns[0]!;
    expect(r.state, ct1.message ?? '').toBe('succeeded');
    expect(ct1.counts.changed).toBeGreaterThan(0);
    expect(ct1.tasks.some((t) => t.status === 'changed' && t.role === 'docker')).toBe(true);
    expect(ct1.counts.failed).toBe(0);
    // A preview changes nothing: no Docker, no PostgreSQL.
    const dockerd = await sh('ct1', 'command -v dockerd');
    expect(dockerd.code, `dockerd is there: ${dockerd.out}`).not.toBe(0);
    const pg = await sh('ct1', "dpkg-query -W -f='${Status}' postgresql");
    expect(pg.out, 'postgresql is installed').not.toMatch(/install ok installed/);
    const log = await h.call('bootstrap.log', { runId: preview.id, hostId: ids['ct1'] });
    expect(log.text).toMatch(/PLAY RECAP/);
    // The history has the start, and the job's end.
    const rows = await h.call('audit.list', { jobId: r.jobId, limit: 50 });
    expect(rows.rows.map((x) => x.action)).toEqual(
      expect.arrayContaining(['bootstrap.start', 'jobs.succeeded']),
    );
  }, 320_000);

  it('applies the approved preview: PostgreSQL and Docker answer, and the host page says so', async () => {
    const apply = await h.call('bootstrap.approve', { runId: preview.id });
    expect(apply).toMatchObject({ mode: 'apply', previewOf: preview.id, roles: ROLES });
    await expect(h.fail('bootstrap.approve', { runId: preview.id })).resolves.toMatchObject({
      code: 'CONFLICT',
    });
    const r = await until(apply.id, ended, 400_000);
    expect(r.state, r.hostRuns[0]!.message ?? '').toBe('succeeded');
    expect(r.hostRuns[0]!.counts.changed).toBeGreaterThan(0);
    expect((await sh('ct1', "cd / && runuser -u postgres -- psql -tAc 'SELECT 1'")).out.trim()).toBe('1');
    expect((await sh('ct1', "docker info --format '{{.ServerVersion}}'")).code).toBe(0);
    const s = await h.call('bootstrap.hostSummary', { hostId: ids['ct1'] });
    expect(s.lastApply).toMatchObject({ runId: apply.id, roles: ROLES });
    const approved = await h.call('audit.list', { action: 'bootstrap.approve', limit: 5 });
    // Newest first: the second approval, refused; then the approval itself.
    expect(approved.rows.map((x) => [x.result, x.errorCode])).toEqual([
      ['error', 'CONFLICT'],
      ['ok', null],
    ]);
  }, 420_000);

  it('a second run changes nothing, and a preview of the bootstrapped host shows no changes', async () => {
    const again = await h.call('bootstrap.start', { hostIds: [ids['ct1']], roles: ROLES, mode: 'apply' });
    const r = await until(again.id, ended, 240_000);
    expect(r.state, r.hostRuns[0]!.message ?? '').toBe('succeeded');
    const changed = r.hostRuns[0]!.tasks.filter((t) => t.status === 'changed').map(
      (t) => `${t.role}: ${t.name}`,
    );
    expect(changed).toEqual([]);
    expect(r.hostRuns[0]!.counts.changed).toBe(0);
    const p = await h.call('bootstrap.start', { hostIds: [ids['ct1']], roles: ROLES, mode: 'check' });
    const pr = await until(p.id, ended, 240_000);
    expect(pr.state).toBe('succeeded');
    expect(pr.hostRuns[0]!.counts.changed).toBe(0);
    // Comparing the first apply with the no-op: the tasks that changed then and not now.
    const cmp = await h.call('bootstrap.compare', { a: preview.id, b: again.id });
    expect(cmp.rows.length).toBeGreaterThan(0);
    expect(cmp.rows.every((x) => x.b !== 'changed')).toBe(true);
  }, 500_000);

  it('runs two hosts in one job and survives a 30 s cut of one link mid-run', async () => {
    const faults = new Faults(readState());
    const run = await h.call('bootstrap.start', {
      hostIds: [ids['ct1'], ids['ct2']],
      roles: ROLES,
      mode: 'apply',
    });
    expect(run.hosts.map((x) => x.hostName).sort()).toEqual(['ct1', 'ct2']);
    const ct2 = (r: BootstrapRun) => r.hostRuns.find((x) => x.hostName === 'ct2')!;
    await until(run.id, (r) => ct2(r).tasks.length >= 2 || ended(r), 240_000);
    const before = ct2(await h.call('bootstrap.get', { runId: run.id })).tasks.length;
    faults.cutSsh('ct6');
    try {
      await until(run.id, (r) => ct2(r).state === 'reconnecting' || ended(r), 30_000);
      await new Promise((res) => setTimeout(res, 30_000));
      // Meanwhile the run went on there: nothing was read while cut.
      expect(ct2(await h.call('bootstrap.get', { runId: run.id })).state).toBe('reconnecting');
    } finally {
      faults.restoreSsh('ct6');
    }
    const r = await until(run.id, ended, 400_000);
    expect(r.state, JSON.stringify(r.hostRuns.map((x) => x.message))).toBe('succeeded');
    const t2 = ct2(r).tasks;
    expect(t2.length).toBeGreaterThan(before);
    // Read on from the offset: every task once, in order, none left "running".
    expect(t2.map((t) => t.seq)).toEqual(t2.map((_, i) => i));
    expect(t2.filter((t) => t.status === 'running')).toEqual([]);
    expect(new Set(t2.map((t) => t.taskId)).size).toBeGreaterThan(t2.length * 0.8);
    const job = await h.call('jobs.get', { id: r.jobId });
    expect(job.state).toBe('succeeded');
  }, 520_000);

  it('follows a run again after Labdeck closed mid-run', async () => {
    const run = await h.call('bootstrap.start', { hostIds: [ids['ct2']], roles: ROLES, mode: 'apply' });
    await until(run.id, (r) => r.hostRuns[0]!.tasks.length >= 2 || ended(r), 120_000);
    await h.close();
    // Closed: the job stays running in the file (not interrupted), and so does the run on the host.
    h = harness({ ...OPTS, dataDir });
    const r = await until(run.id, ended, 240_000);
    expect(r.state, r.hostRuns[0]!.message ?? '').toBe('succeeded');
    const job = await h.call('jobs.get', { id: r.jobId });
    expect(job.state).toBe('succeeded');
    expect(r.hostRuns[0]!.tasks.map((t) => t.seq)).toEqual(r.hostRuns[0]!.tasks.map((_, i) => i));
    await h.call('hosts.connect', { id: ids['ct1'] }).catch(() => undefined);
  }, 300_000);

  it('kill -9 of the browser-mode server mid-run: the next start follows the run to its end', async () => {
    const dir = tempDir('labdeck-bs-crash-');
    const ct2 = labHost('ct6');
    const call = async <T>(c: WsClient, name: string, input: unknown): Promise<T> => {
      const env = await c.call(name, input);
      if (!env.ok) throw new Error(`${name}: ${env.error.message}`);
      return env.result as T;
    };
    let s = await startServe(dir);
    try {
      let c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      const { id } = await call<{ id: number }>(c, 'hosts.add', {
        ...labHostInput(ct2, ct2.admin),
        name: 'crash-ct2',
      });
      await c.call('hosts.connect', { id });
      await call(c, 'hosts.trustKey', { id, fingerprint: ct2.fingerprint });
      const run = await call<BootstrapRunSummary>(c, 'bootstrap.start', {
        hostIds: [id],
        roles: ROLES,
        mode: 'apply',
      });
      for (let i = 0; i < 600; i++) {
        const r = await call<BootstrapRun>(c, 'bootstrap.get', { runId: run.id });
        if (r.hostRuns[0]!.tasks.length >= 3) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      s.child.kill('SIGKILL');
      await new Promise((r) => s.child.once('exit', r));
      s = await startServe(dir);
      c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      let r: BootstrapRun | null = null;
      for (let i = 0; i < 1200; i++) {
        r = await call<BootstrapRun>(c, 'bootstrap.get', { runId: run.id });
        if (r.state !== 'running') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(r!.state, r!.hostRuns[0]!.message ?? '').toBe('succeeded');
      const tasks = r!.hostRuns[0]!.tasks;
      expect(tasks.map((t) => t.seq)).toEqual(tasks.map((_, i) => i));
      const job = await call<{ state: string }>(c, 'jobs.get', { id: r!.jobId });
      expect(job.state).toBe('succeeded');
      c.close();
    } finally {
      await s.stop();
    }
  }, 240_000);

  it('a run whose process is killed on the host ends interrupted, naming its last task', async () => {
    const run = await h.call('bootstrap.start', { hostIds: [ids['ct1']], roles: ROLES, mode: 'apply' });
    await until(run.id, (r) => r.hostRuns[0]!.tasks.length >= 3 || ended(r), 120_000);
    const unit = `labdeck-bootstrap-${run.id.slice(0, 8)}`;
    await sh('ct1', `systemctl kill -s KILL ${unit}`);
    const r = await until(run.id, ended, 60_000);
    expect(r.hostRuns[0]!.state).toBe('interrupted');
    expect(r.hostRuns[0]!.message).toMatch(/without a result.*last task was “.+”/);
    expect(r.state).toBe('interrupted');
    expect((await h.call('jobs.get', { id: r.jobId })).state).toBe('failed');
  }, 180_000);

  it('cancel stops the run on the host', async () => {
    const run = await h.call('bootstrap.start', { hostIds: [ids['ct1']], roles: ROLES, mode: 'apply' });
    await until(run.id, (r) => r.hostRuns[0]!.tasks.length >= 2 || ended(r), 120_000);
    await h.call('bootstrap.cancel', { runId: run.id });
    const r = await until(run.id, ended, 60_000);
    expect(r.state).toBe('cancelled');
    expect(r.hostRuns[0]!.state).toBe('cancelled');
    const unit = `labdeck-bootstrap-${run.id.slice(0, 8)}`;
    expect((await sh('ct1', `systemctl is-active ${unit}`)).out.trim()).not.toBe('active');
    expect((await h.call('jobs.get', { id: r.jobId })).state).toBe('cancelled');
    const rows = await h.call('audit.list', { action: 'bootstrap.cancel', limit: 5 });
    expect(rows.rows[0]).toMatchObject({ result: 'ok', jobId: r.jobId });
  }, 180_000);
});
