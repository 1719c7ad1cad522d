// Experiments through the app against the lab's real Debian LXC containers ct7 and ct8 (named
// ea/eb here), bootstrapped by the app with the python, postgresql and experiments roles: create
// (user, database, repo, environment, limits), use it as its Linux user (psql with its
// DATABASE_URL, git push, a port forward to a server it runs), secrets that round-trip exactly and
// never land in plaintext here, usage, archive (files with SHA-256, pg_restore reads the dump,
// nothing left on the host) and restore onto the other container; a link cut mid-create resumed;
// a failed create rolled back leaving nothing behind; hostile names refused at the API.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Experiment } from '../../src/shared/api/experiments-domain';
import type { JobInfo } from '../../src/shared/api/domain';
import { shCommand } from '../../src/main/services/ssh/quote';
import { Faults, readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { dataFile, harness, labHostInput, type Harness } from '../support/app-harness';
import { startGiteaStandin } from '../support/gitea-standin';
import { HOSTILE } from '../support/hostile-strings';

inject('lab');
const labHost = (name: string): LabHost => readState().hosts.find((x) => x.name === name)!;
let h: Harness;
const ids: Record<string, number> = {};
const LAB = { ea: 'ct7', eb: 'ct8' } as const;

async function job(id: string, timeoutMs = 120_000): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = await h.call('jobs.get', { id });
    if (!['queued', 'running'].includes(j.state)) return j;
    if (Date.now() > deadline) throw new Error(`job ${j.title} still ${j.state}: ${JSON.stringify(j.steps)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const sh = async (
  host: 'ea' | 'eb',
  script: string,
  ...args: string[]
): Promise<{ code: number | null; out: string }> => {
  const r = await h.app.pool.exec(ids[host]!, shCommand(['sh', '-c', script, 'sh', ...args]), {
    timeoutMs: 60_000,
  });
  return { code: r.code, out: (r.stdout + r.stderr).trim() };
};
/** A login shell as the experiment's user: its environment comes from its own files. */
const asUser = (
  host: 'ea' | 'eb',
  user: string,
  script: string,
): Promise<{ code: number | null; out: string }> => sh(host, 'exec su -l "$1" -c "$2"', user, script);
const logText = (jobId: string): string =>
  h.app.jobs
    .log(jobId)
    .map((l) => l.text)
    .join('\n');

beforeAll(async () => {
  h = harness({ ssh: { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 } });
  for (const [name, lab] of Object.entries(LAB)) {
    const lh = labHost(lab);
    const { id } = await h.call('hosts.add', { ...labHostInput(lh, lh.admin), name, kind: 'lxc' });
    await h.fail('hosts.connect', { id });
    await h.call('hosts.trustKey', { id, fingerprint: lh.fingerprint });
    ids[name] = id;
  }
  const run = await h.call('bootstrap.start', {
    hostIds: [ids['ea'], ids['eb']],
    roles: ['python', 'postgresql', 'experiments'],
    mode: 'apply',
  });
  const j = await job(run.jobId, 420_000);
  expect(j.state, j.message ?? '').toBe('succeeded');
}, 480_000);
afterAll(async () => {
  new Faults(readState()).restoreSsh(LAB.eb);
  await h?.close();
});

describe('experiments on real containers', () => {
  let demo: Experiment;
  const hostile = `it's "quoted" $(touch /tmp/pwned) \`id\` \\ back\nsecond line\n\ttab ünïcode`;

  it('creates one: user, database, repo, environment and limits, each a step of one job', async () => {
    const r = await h.call('experiments.create', {
      hostId: ids['ea'],
      name: 'demo',
      description: 'A first experiment',
      template: 'python',
      limits: { memoryMiB: 256, cpuWeight: 50 },
    });
    expect(r.experiment).toMatchObject({
      status: 'creating',
      linuxUser: 'exp-demo',
      database: 'experiment_demo',
    });
    const j = await job(r.jobId);
    expect(j.state, j.message ?? '').toBe('succeeded');
    expect(j.steps.map((s) => [s.name, s.state])).toEqual([
      ['user', 'succeeded'],
      ['database', 'succeeded'],
      ['repo', 'succeeded'],
      ['environment', 'succeeded'],
      ['limits', 'succeeded'],
    ]);
    demo = await h.call('experiments.get', { id: r.experiment.id });
    expect(demo).toMatchObject({
      status: 'ready',
      repo: { kind: 'bare', workTree: '/srv/experiments/demo/code' },
    });

    expect((await sh('ea', 'id -nG exp-demo')).out).toMatch(/experiments/);
    // As that user, with the variables its own shell sets: the database answers, a push works.
    expect((await asUser('ea', 'exp-demo', 'psql "$DATABASE_URL" -tAc "select current_user"')).out).toBe(
      'exp-demo',
    );
    const push = await asUser(
      'ea',
      'exp-demo',
      'cd ~/code && echo hello > hello.txt && git add hello.txt && git commit -qm "say hello" && git push -q && git -C ~/repo.git log --format=%s main',
    );
    expect(push.code, push.out).toBe(0);
    expect(push.out.split('\n')).toEqual(['say hello', 'Start experiment demo']);
    expect(
      (await sh('ea', 'stat -c "%a %U" /srv/experiments/demo/.labdeck/env /srv/experiments/demo/.pgpass'))
        .out,
    ).toBe('600 exp-demo\n600 exp-demo');
    expect((await asUser('ea', 'exp-demo', 'command -v python; echo "$LABDECK_EXPERIMENT"')).out).toBe(
      '/srv/experiments/demo/.venv/bin/python\ndemo',
    );
    const uid = (await sh('ea', 'id -u exp-demo')).out;
    expect((await sh('ea', 'cat "/etc/systemd/system/user-$1.slice.d/50-labdeck.conf"', uid)).out).toMatch(
      /MemoryMax=256M\nCPUWeight=50/,
    );
    // The database password is in the user's 0600 files only: not in the job's log.
    const pw = (await sh('ea', 'cut -d: -f5 /srv/experiments/demo/.pgpass | head -n 1')).out;
    expect(pw).toMatch(/^[0-9a-f]{48}$/);
    expect(logText(r.jobId)).not.toContain(pw);
    // The history names the experiment.
    // The history names the experiment: the call, and each step's end with what it said.
    const rows = (await h.call('audit.list', { experimentId: demo.id, limit: 20 })).rows;
    expect(rows.map((x) => x.action)).toContain('experiments.create');
    const steps = rows.filter((x) => x.action === 'experiments.step').reverse();
    expect(steps.map((x) => [(JSON.parse(x.params) as { step: string }).step, x.result])).toEqual(
      ['user', 'database', 'repo', 'environment', 'limits'].map((s) => [s, 'ok']),
    );
    expect(steps[0]!.target).toBe('Linux user and home: experiment demo on ea');
    expect(steps.every((x) => x.jobId === r.jobId)).toBe(true);
  }, 180_000);

  it('keeps secrets exactly as given, encrypted here, and only in the 0600 env file there', async () => {
    await h.call('experiments.setSecret', { id: demo.id, name: 'API_TOKEN', secret: hostile });
    await h.call('experiments.setSecret', { id: demo.id, name: 'OTHER', secret: 'kept-for-restore' });
    const got = await asUser('ea', 'exp-demo', 'printf "%s" "$API_TOKEN"');
    expect(got.out).toBe(hostile.trim());
    const exact = await asUser('ea', 'exp-demo', 'printf "%s" "$API_TOKEN" | sha256sum');
    expect(exact.out.split(' ')[0]).toBe(createHash('sha256').update(hostile).digest('hex'));
    expect((await sh('ea', 'test -e /tmp/pwned && echo pwned || echo clean')).out).toBe('clean');
    // Neither the history nor the database file holds it in plaintext.
    const rows = (await h.call('audit.list', { action: 'experiments.setSecret', limit: 5 })).rows;
    expect(rows.map((r) => r.target)).toEqual(['experiment demo on ea', 'experiment demo on ea']);
    expect(rows.some((r) => r.params.includes('API_TOKEN'))).toBe(true);
    for (const r of rows) expect(r.params).not.toMatch(/quoted|kept-for-restore/);
    // The file is read as bytes, its WAL too.
    const bytes = Buffer.concat(
      [dataFile(h), `${dataFile(h)}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
    expect(bytes.includes(Buffer.from('touch /tmp/pwned'))).toBe(false);
    await h.call('experiments.removeSecret', { id: demo.id, name: 'API_TOKEN' });
    expect((await asUser('ea', 'exp-demo', 'printf "[%s]" "${API_TOKEN:-}"')).out).toBe('[]');
    expect((await h.call('experiments.get', { id: demo.id })).secretNames).toEqual(['OTHER']);
  }, 60_000);

  it('forwards a port the experiment serves to a loopback port here', async () => {
    await asUser(
      'ea',
      'exp-demo',
      'cd ~ && (setsid python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) ; sleep 1',
    );
    const f = await h.call('forwards.open', {
      hostId: ids['ea'],
      remotePort: 8765,
      experimentId: demo.id,
      label: 'files',
    });
    expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    let page = '';
    for (let i = 0; i < 20 && !page.includes('Labdeck experiment demo'); i++) {
      page = await fetch(`${f.url}README`)
        .then((r) => r.text())
        .catch(() => '');
      if (!page.includes('Labdeck experiment demo')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(page).toContain('Labdeck experiment demo');
    const usage = (await h.call('experiments.usage', { hostId: ids['ea'] })).find(
      (u) => u.experimentId === demo.id,
    )!;
    expect(usage.error).toBeNull();
    expect(usage.processes).toBeGreaterThanOrEqual(1);
    expect(usage.homeBytes).toBeGreaterThan(10_000);
    expect(usage.databaseBytes).toBeGreaterThan(1_000_000);
    await h.call('forwards.close', { id: f.id });
  }, 60_000);

  let archiveId = '';
  it('archives: code pushed, database dumped, files downloaded with matching SHA-256, then removed from the host', async () => {
    await asUser('ea', 'exp-demo', 'psql -q -c "create table t (x int)" -c "insert into t values (42)"');
    // A commit not pushed yet: the archive pushes it.
    await asUser(
      'ea',
      'exp-demo',
      'cd ~/code && echo two > two.txt && git add two.txt && git commit -qm "not pushed"',
    );
    const r = await h.call('experiments.archive', { id: demo.id, includeHome: true });
    const j = await job(r.jobId, 180_000);
    expect(j.state, j.message ?? '').toBe('succeeded');
    const e = await h.call('experiments.get', { id: demo.id });
    expect(e.status).toBe('archived');
    archiveId = e.archive!;
    const a = (await h.call('experiments.archives', {})).find((x) => x.id === archiveId)!;
    expect(a.manifest.files.map((f) => f.name).sort()).toEqual([
      'database.dump',
      'home.tar.gz',
      'repo.bundle',
      'versions.tsv',
    ]);
    for (const f of a.manifest.files) {
      const bytes = fs.readFileSync(path.join(a.path, f.name));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(bytes.length).toBe(f.bytes);
    }
    expect(a.manifest.versions['pg_dump']).toMatch(/pg_dump \(PostgreSQL\) \d+/);
    // pg_restore reads the dump (on the other container: this machine has no PostgreSQL).
    const dump = '/tmp/labdeck-test.dump';
    await h.app.pool.exec(ids['eb']!, shCommand(['sh', '-c', 'base64 -d > "$1"', 'sh', dump]), {
      stdin: fs.readFileSync(path.join(a.path, 'database.dump')).toString('base64'),
    });
    expect((await sh('eb', 'pg_restore --list "$1"', dump)).out).toMatch(/TABLE public t exp-demo/);
    // Nothing of it is left on the first container.
    expect(
      (await sh('ea', 'id exp-demo 2>&1; test -e /srv/experiments/demo && echo home-left || echo no-home'))
        .out,
    ).toMatch(/no such user[\s\S]*no-home/);
    expect(
      (
        await sh(
          'ea',
          `cd / && runuser -u postgres -- psql -tAc "select count(*) from pg_roles where rolname = 'exp-demo'" -c "select count(*) from pg_database where datname = 'experiment_demo'"`,
        )
      ).out,
    ).toBe('0\n0');
  }, 240_000);

  it('restores the archive onto the other container: data, code and secrets are back', async () => {
    const r = await h.call('experiments.restore', { archive: archiveId, hostId: ids['eb'] });
    const j = await job(r.jobId, 180_000);
    expect(j.state, `${j.message} ${logText(r.jobId)}`).toBe('succeeded');
    expect(j.steps.every((s) => s.state === 'succeeded')).toBe(true);
    expect((await asUser('eb', 'exp-demo', 'psql "$DATABASE_URL" -tAc "select x from t"')).out).toBe('42');
    expect((await asUser('eb', 'exp-demo', 'git -C ~/repo.git log --format=%s main | head -n 1')).out).toBe(
      'not pushed',
    );
    expect((await asUser('eb', 'exp-demo', 'cat ~/code/hello.txt; printf "%s" "$OTHER"')).out).toBe(
      'hello\nkept-for-restore',
    );
    const restored = await h.call('experiments.get', { id: r.experiment.id });
    expect(restored).toMatchObject({ status: 'ready', hostId: ids['eb'], secretNames: ['OTHER'] });
  }, 240_000);

  it('fails at a named step when the link is cut mid-create, and Resume completes it', async () => {
    const faults = new Faults(readState());
    // PostgreSQL stopped: the database step waits for it, and the link is cut meanwhile.
    await sh('eb', 'systemctl stop postgresql');
    const r = await h.call('experiments.create', { hostId: ids['eb'], name: 'cut' });
    for (let i = 0; i < 100; i++) {
      const j = await h.call('jobs.get', { id: r.jobId });
      if (j.steps.find((s) => s.name === 'database')?.state === 'running') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    faults.cutSsh(LAB.eb);
    const failed = await job(r.jobId, 60_000);
    faults.restoreSsh(LAB.eb);
    expect(failed.state).toBe('failed');
    const e = await h.call('experiments.get', { id: r.experiment.id });
    expect(e).toMatchObject({ status: 'failed', failedStep: 'database' });
    expect(e.message).toMatch(/PostgreSQL role and database failed/);
    const failedRow = (
      await h.call('audit.list', { experimentId: e.id, action: 'experiments.step', limit: 5 })
    ).rows[0]!;
    expect(failedRow).toMatchObject({ result: 'error' });
    expect(JSON.parse(failedRow.params)).toMatchObject({ step: 'database', operation: 'create' });
    await h.call('hosts.connect', { id: ids['eb'] });
    await sh('eb', 'systemctl start postgresql');
    const again = await h.call('experiments.resume', { id: e.id });
    const j = await job(again.jobId);
    expect(j.state, j.message ?? '').toBe('succeeded');
    expect(j.steps.map((s) => s.state)).toEqual([
      'skipped',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect((await asUser('eb', 'exp-cut', 'psql -tAc "select 1"')).out).toBe('1');
  }, 180_000);

  it('rolls back a failed create, leaving nothing behind', async () => {
    await sh('eb', 'systemctl stop postgresql');
    const r = await h.call('experiments.create', { hostId: ids['eb'], name: 'gone' });
    const failed = await job(r.jobId, 60_000);
    await sh('eb', 'systemctl start postgresql');
    expect(failed.state).toBe('failed');
    expect((await h.call('experiments.get', { id: r.experiment.id })).failedStep).toBe('database');
    expect((await sh('eb', 'id -u exp-gone')).code).toBe(0);
    const rb = await h.call('experiments.rollback', { id: r.experiment.id });
    const j = await job(rb.jobId);
    expect(j.state, j.message ?? '').toBe('succeeded');
    expect((await h.call('experiments.get', { id: r.experiment.id })).status).toBe('rolled-back');
    expect(
      (await sh('eb', 'id exp-gone 2>&1; test -e /srv/experiments/gone && echo home-left || echo no-home'))
        .out,
    ).toMatch(/no such user[\s\S]*no-home/);
    expect(
      (
        await sh(
          'eb',
          `cd / && runuser -u postgres -- psql -tAc "select count(*) from pg_roles where rolname = 'exp-gone'" -c "select count(*) from pg_database where datname = 'experiment_gone'"`,
        )
      ).out,
    ).toBe('0\n0');
  }, 120_000);

  it('refuses hostile names at the API before anything runs', async () => {
    const before = (await h.call('experiments.list', {})).length;
    const names = [
      'exp-1; drop database postgres',
      '$(id)',
      '../x',
      'x'.repeat(10_240),
      'dеmo', // Cyrillic е
      'Demo',
      '-x',
      'a--b',
      ...HOSTILE.filter((s) => s !== 'plain'),
    ];
    for (const name of names) {
      const err = await h.fail('experiments.create', { hostId: ids['eb'], name });
      expect(err.code, name).toBe('VALIDATION');
    }
    for (const name of ['bad name', '$(id)', 'PATH', 'x;y']) {
      expect((await h.fail('experiments.setSecret', { id: demo.id, name, secret: 'v' })).code).toBe(
        'VALIDATION',
      );
    }
    expect((await h.call('experiments.list', {})).length).toBe(before);
  });
});

// No Gitea binary can be downloaded here: the Gitea is a stand-in following Gitea's published API
// (tests/support/gitea-standin.ts) with real git smart HTTP (git http-backend). It listens on the
// lab bridge, so the container pushes to it over HTTP and Labdeck reaches its API over the
// container's SSH connection, as with a Gitea on the host.
describe('experiments with a Gitea (stand-in) on real containers', () => {
  const ADMIN_TOKEN = 'labdeck-admin-token-0123456789abcdef';
  let gitea: Awaited<ReturnType<typeof startGiteaStandin>>;
  let url = '';

  beforeAll(async () => {
    const gw = readState().gateway;
    gitea = await startGiteaStandin({
      token: ADMIN_TOKEN,
      adminUser: 'labadmin',
      listen: { host: gw, port: 0 },
    });
    url = `http://${gw}:${new URL(gitea.url).port}`;
    gitea.setRootUrl?.(url);
  });
  afterAll(async () => {
    await gitea?.close();
  });

  it('checks the Gitea and its token before saving, and never returns or records the token', async () => {
    const wrong = await h.fail('experiments.setGitea', {
      hostId: ids['ea'],
      url,
      token: 'not-the-right-token',
    });
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(wrong.message).not.toContain('not-the-right-token');
    const saved = await h.call('experiments.setGitea', { hostId: ids['ea'], url, token: ADMIN_TOKEN });
    expect(saved).toMatchObject({ configured: true, url, user: 'labadmin', error: null });
    expect(JSON.stringify(saved)).not.toContain(ADMIN_TOKEN);
    expect((await h.call('experiments.gitea', { hostId: ids['ea'], check: true })).version).toBeTruthy();
    const rows = (await h.call('audit.list', { action: 'experiments.setGitea', limit: 5 })).rows;
    for (const r of rows) expect(r.params).not.toContain(ADMIN_TOKEN);
  });

  it("creates the repository in Gitea with the experiment's own Gitea user, which pushes to it", async () => {
    const r = await h.call('experiments.create', { hostId: ids['ea'], name: 'gdemo' });
    const j = await job(r.jobId);
    expect(j.state, `${j.message} ${logText(r.jobId)}`).toBe('succeeded');
    const e = await h.call('experiments.get', { id: r.experiment.id });
    expect(e.repo).toMatchObject({ kind: 'gitea', remote: `${url}/labadmin/gdemo.git` });
    const push = await asUser(
      'ea',
      'exp-gdemo',
      'cd ~/code && echo data > data.txt && git add data.txt && git commit -qm "from the experiment" && git push -q && git ls-remote origin refs/heads/main',
    );
    expect(push.code, push.out).toBe(0);
    const head = (await asUser('ea', 'exp-gdemo', 'git -C ~/code rev-parse HEAD')).out;
    expect(push.out).toContain(head);
    // The token is in the user's 0600 credential store only, not in the job's log.
    expect((await sh('ea', 'stat -c "%a %U" /srv/experiments/gdemo/.git-credentials')).out).toBe(
      '600 exp-gdemo',
    );
    expect(logText(r.jobId)).not.toMatch(/exp-gdemo:[0-9a-f]{20,}/);
  }, 120_000);

  it('archives it: the bundle holds the pushed code; the Gitea repository and user are removed', async () => {
    const e = (await h.call('experiments.list', { hostId: ids['ea'] })).find((x) => x.name === 'gdemo')!;
    const r = await h.call('experiments.archive', { id: e.id, includeHome: false });
    const j = await job(r.jobId, 180_000);
    expect(j.state, `${j.message} ${logText(r.jobId)}`).toBe('succeeded');
    const archive = (await h.call('experiments.get', { id: e.id })).archive;
    const a = (await h.call('experiments.archives', {})).find((x) => x.id === archive)!;
    expect(a.manifest.files.map((f) => f.name)).toContain('repo.bundle');
    const gone = await fetch(`${gitea.url}/api/v1/repos/labadmin/gdemo`, {
      headers: { Authorization: `token ${ADMIN_TOKEN}` },
    });
    expect(gone.status).toBe(404);
    const user = await fetch(`${gitea.url}/api/v1/users/exp-gdemo`, {
      headers: { Authorization: `token ${ADMIN_TOKEN}` },
    });
    expect(user.status).toBe(404);
    await h.call('experiments.clearGitea', { hostId: ids['ea'] });
  }, 240_000);
});
