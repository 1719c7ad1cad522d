// The bundled Ansible on the lab's real LXC containers (fresh Debian 12 clones: systemd, no python3,
// apt through the lab's apt-cacher-ng, no internet): bootstrap.sh copied over with plain ssh and run
// as the app runs it, then the host checked from the outside. "ct1" and "ct2" below are the lab's
// ct3 and ct4 (the lab's own ct1 and ct2 stay fresh for tests that need an untouched container).
//   ct1: a cold bootstrap (base, python, docker, postgresql, experiments) → PostgreSQL answers, Docker
//        answers, the admin's sudo rule and docker group; a re-run and a preview change nothing.
//   ct2: a preview of every role on a fresh host changes nothing and says Gitea cannot be
//        downloaded; the real gitea run stops with that message; with the binary placed by hand the
//        role goes through (and a re-run changes nothing); an unsupported system is refused.
// Run alone with: flock /tmp/labdeck-lab.lock npx vitest run --project lab tests/integration/ansible-roles.lab.test.ts
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { knownHostsFile, sshOptions } from '../lab/ssh-cli';
import type { LabHost } from '../lab/types';

const lab = inject('lab');
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REMOTE = '/opt/labdeck-test';
const SCRIPT = `${REMOTE}/ansible/bootstrap.sh`;
const DEFAULT_ROLES = ['base', 'python', 'docker', 'postgresql', 'experiments'];
const ALL_ROLES = ['base', 'python', 'docker', 'postgresql', 'gitea', 'experiments', 'node-exporter'];
const knownHosts = knownHostsFile(lab);
const ct = (name: string): LabHost => {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`the lab has no ${name} (LABDECK_LAB_CONTAINERS must be at least 2)`);
  return h;
};

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A command on a container as root, over native ssh with the lab's host key, stdin optional. */
function sh(host: LabHost, command: string, input?: Buffer | string, timeoutMs = 600_000): Promise<Result> {
  const args = [...sshOptions(host.admin, knownHosts, 10), `${host.admin.user}@${host.address}`, command];
  return new Promise((resolve) => {
    const p = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

async function ok(host: LabHost, command: string): Promise<string> {
  const r = await sh(host, command);
  expect(r.status, `${command}: ${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout;
}

/** Copies ansible/ (as the app uploads it) to REMOTE/ansible. */
async function upload(host: LabHost): Promise<void> {
  const tar = spawnSync(
    'tar',
    ['-C', REPO, '--exclude=__pycache__', '--exclude=*.test.ts', '-cf', '-', 'ansible'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  expect(tar.status, String(tar.stderr)).toBe(0);
  const r = await sh(host, `rm -rf ${REMOTE} && mkdir -p ${REMOTE} && tar -xf - -C ${REMOTE}`, tar.stdout);
  expect(r.status, r.stderr).toBe(0);
}

interface Ev {
  event: string;
  t: number;
  [k: string]: unknown;
}

interface Run {
  status: number | null;
  exit: string;
  events: Ev[];
  ms: number;
  log: string;
}

/** Runs bootstrap.sh in a fresh run directory and reads back what it left there. */
async function bootstrap(
  host: LabHost,
  name: string,
  vars: Record<string, unknown>,
  o: { check?: boolean; env?: string } = {},
): Promise<Run> {
  const dir = `/root/labdeck-runs/${name}`;
  await ok(host, `rm -rf ${dir} && mkdir -p ${dir}`);
  expect((await sh(host, `cat > ${dir}/vars.json`, JSON.stringify(vars))).status).toBe(0);
  const t0 = performance.now();
  const r = await sh(
    host,
    `${o.env ?? ''} sh ${SCRIPT} --run-dir ${dir} --vars ${dir}/vars.json${o.check ? ' --check' : ''}`,
  );
  const ms = performance.now() - t0;
  const events = await sh(host, `cat ${dir}/events.jsonl`);
  const exit = await sh(host, `cat ${dir}/exit`);
  const log = await sh(host, `tail -n 60 ${dir}/output.log`);
  expect(events.stdout.endsWith('\n'), 'events end with a whole line').toBe(true);
  const parsed = events.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
  const stats = parsed.find((e) => e.event === 'stats')?.hosts;
  console.log(
    `[ansible] ${host.name} ${name}: exit ${r.status} in ${(ms / 1000).toFixed(1)} s, ${parsed.length} events, stats ${JSON.stringify(stats)}`,
  );
  return { status: r.status, exit: exit.stdout, events: parsed, ms, log: `${log.stdout}\n${r.stderr}` };
}

type Counts = Record<'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'rescued' | 'ignored', number>;
const stats = (run: Run): Counts =>
  (run.events.find((e) => e.event === 'stats')?.hosts as Record<string, Counts> | undefined)?.localhost ??
  ({} as Counts);

/** task_start events by name, and the results of one. */
function tasks(run: Run): { start: (task: string) => Ev; results: (task: string) => Ev[] } {
  const start = (task: string): Ev => {
    const e = run.events.find((x) => x.event === 'task_start' && x.task === task);
    if (!e) throw new Error(`no task "${task}" in the events`);
    return e;
  };
  return {
    start,
    results: (task) => run.events.filter((x) => x.event === 'task_result' && x.id === start(task).id),
  };
}

/** What every successful run's stream looks like. */
function expectWellFormed(run: Run, check: boolean): void {
  const kinds = run.events.map((e) => e.event);
  const first = kinds.indexOf('playbook_start');
  expect(first, 'playbook_start').toBeGreaterThanOrEqual(0);
  expect(kinds.slice(0, first).every((k) => k === 'bootstrap_step')).toBe(true);
  expect(run.events[first]).toMatchObject({ playbook: 'site.yml', check });
  expect(kinds[first + 1]).toBe('play_start');
  expect(kinds.slice(-2)).toEqual(['stats', 'playbook_end']);
  const started = new Set<unknown>();
  const finished = new Set<unknown>();
  for (const e of run.events) {
    expect(typeof e.t).toBe('number');
    if (e.event === 'task_start') {
      expect(typeof e.task).toBe('string');
      started.add(e.id);
    }
    if (e.event === 'task_result') {
      expect(started.has(e.id), `result before its task_start: ${JSON.stringify(e)}`).toBe(true);
      expect(e.host).toBe('localhost');
      expect(['ok', 'changed', 'failed', 'skipped', 'unreachable']).toContain(e.status);
      expect(typeof e.duration_ms).toBe('number');
      finished.add(e.id);
    }
  }
  expect(
    [...started].filter((id) => !finished.has(id)),
    'tasks without a result',
  ).toEqual([]);
  expect(started.size).toBeGreaterThan(20);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls a command on a host until it succeeds. */
async function waitFor(host: LabHost, command: string, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sh(host, command)).status !== 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const ct1 = ct('ct3'); // the lab's ct1 and ct2 stay fresh for other tests
const ct2 = ct('ct4');

beforeAll(async () => {
  await Promise.all([upload(ct1), upload(ct2)]);
  // A login user for the admin rule and the docker group, as on a desktop.
  await ok(ct1, 'useradd -m -s /bin/bash alice');
});

describe('bootstrap of a fresh container (ct1)', () => {
  const vars = { labdeck_roles: DEFAULT_ROLES, labdeck_admin_user: 'alice' };
  const timings: Record<string, number> = {};

  it('installs Ansible and applies base, python, docker, postgresql and experiments', async () => {
    expect((await sh(ct1, 'command -v python3')).status, 'a fresh container has no python3').not.toBe(0);
    const run = await bootstrap(ct1, 'cold', vars);
    timings.cold = run.ms;
    expect(run.status, run.log).toBe(0);
    expect(run.exit).toBe('0\n');
    expectWellFormed(run, false);
    const steps = run.events.filter((e) => e.event === 'bootstrap_step');
    expect(steps).toEqual([
      expect.objectContaining({
        step: 'install-ansible',
        msg: "Installing python3 and ansible-core from this host's apt sources",
      }),
      expect.objectContaining({
        step: 'install-ansible',
        status: 'done',
        duration_ms: expect.any(Number) as number,
      }),
    ]);
    const s = stats(run);
    expect(s.failed).toBe(0);
    expect(s.changed).toBeGreaterThan(5);
    const t = tasks(run);
    expect(t.start('Install the base packages')).toMatchObject({
      role: 'base',
      action: 'ansible.builtin.apt',
    });
    expect(t.results('Install PostgreSQL')[0]).toMatchObject({ status: 'changed' });

    // The host, from the outside.
    expect((await ok(ct1, "cd / && runuser -u postgres -- psql -XtAc 'SELECT 1'")).trim()).toBe('1');
    expect(
      (
        await ok(
          ct1,
          `cd / && runuser -u postgres -- psql -XtAc "SELECT rolsuper FROM pg_roles WHERE rolname = 'labdeck'"`,
        )
      ).trim(),
    ).toBe('t');
    const listening = await ok(ct1, "ss -Hltn '( sport = :5432 )'");
    expect(listening).toContain('127.0.0.1:5432');
    expect(listening).not.toMatch(/0\.0\.0\.0:5432|\*:5432/);
    expect(await ok(ct1, "docker info --format '{{.ServerVersion}}'")).toMatch(/^\d+\.\d+/);
    expect(await ok(ct1, 'systemctl is-enabled docker postgresql')).toBe('enabled\nenabled\n');
    expect(await ok(ct1, 'id -nG alice')).toMatch(/\bdocker\b/);
    await ok(ct1, 'runuser -u alice -- sudo -n true');
    expect(await ok(ct1, 'locale -a')).toMatch(/en_US\.utf8/);
    expect(await ok(ct1, 'cat /etc/timezone')).toBe('Etc/UTC\n');
    expect(await ok(ct1, 'cat /etc/apt/apt.conf.d/20auto-upgrades')).toContain(
      'APT::Periodic::Unattended-Upgrade "1";',
    );
    expect(await ok(ct1, 'cat /etc/motd')).toContain('is managed by Labdeck');
    expect(
      await ok(
        ct1,
        'python3 -m venv --help >/dev/null && pipx --version && stat -c %U:%G:%a /srv/experiments',
      ),
    ).toMatch(/root:experiments:751/);
    expect(await ok(ct1, 'ls -A /etc/labdeck/experiment-skel /etc/labdeck/experiment-skel/.labdeck')).toMatch(
      /\.bashrc[\s\S]*\.profile[\s\S]*login-message/,
    );
    const record = JSON.parse(await ok(ct1, 'cat /etc/labdeck/bootstrap.json')) as Record<string, unknown>;
    expect(record).toMatchObject({ format: 1, managed_by: 'Labdeck', roles: DEFAULT_ROLES });
  }, 600_000);

  it('changes nothing when run again', async () => {
    const before = await ok(ct1, 'cat /etc/labdeck/bootstrap.json');
    const run = await bootstrap(ct1, 'rerun', vars);
    timings.rerun = run.ms;
    expect(run.status, run.log).toBe(0);
    expect(run.exit).toBe('0\n');
    expectWellFormed(run, false);
    expect(
      run.events.some((e) => e.event === 'bootstrap_step'),
      'Ansible is there now',
    ).toBe(false);
    const changed = run.events.filter((e) => e.event === 'task_result' && e.status === 'changed');
    expect(changed, 'changed tasks').toEqual([]);
    expect(stats(run)).toMatchObject({ changed: 0, failed: 0 });
    expect(await ok(ct1, 'cat /etc/labdeck/bootstrap.json')).toBe(before);
  }, 300_000);

  it('previews (check mode with diffs) the bootstrapped host with no changes', async () => {
    const run = await bootstrap(ct1, 'preview', vars, { check: true });
    timings.preview = run.ms;
    expect(run.status, run.log).toBe(0);
    expectWellFormed(run, true);
    expect(run.events.filter((e) => e.event === 'task_result' && e.status === 'changed')).toEqual([]);
    expect(stats(run)).toMatchObject({ changed: 0, failed: 0 });
    console.log(
      `[ansible] timings on ct1: cold ${(timings.cold! / 1000).toFixed(1)} s, re-run ${(timings.rerun! / 1000).toFixed(1)} s, preview ${(run.ms / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});

describe('previews, gitea and refusals (ct2)', () => {
  it('previews every role on a fresh container: changes shown, nothing changed, Gitea download reported', async () => {
    const run = await bootstrap(ct2, 'preview-all', { labdeck_roles: ALL_ROLES }, { check: true });
    expect(run.status, run.log).toBe(0);
    expectWellFormed(run, true);
    expect(stats(run).failed).toBe(0);
    expect(stats(run).changed).toBeGreaterThan(5);
    const t = tasks(run);
    const apt = t.results('Install PostgreSQL')[0]!;
    expect(apt.status).toBe('changed');
    expect(JSON.stringify(apt.diff)).toMatch(/postgresql/);
    expect(t.results('Download Gitea (preview)')[0]!.msg).toMatch(
      /^The real run would stop here: Gitea could not be downloaded from https:\/\/dl\.gitea\.com\/\S+: .+\. Place the binary at \/usr\/local\/bin\/gitea or set gitea_binary_url to a reachable mirror\.$/,
    );
    // Nothing but Ansible itself was installed.
    expect((await sh(ct2, 'dpkg -s postgresql docker.io prometheus-node-exporter')).status).not.toBe(0);
    expect(
      (await sh(ct2, 'test -e /etc/labdeck || test -e /etc/gitea || getent passwd git')).status,
    ).not.toBe(0);
  }, 600_000);

  it('stops the gitea role with a clear message where the binary cannot be downloaded', async () => {
    const run = await bootstrap(ct2, 'gitea', { labdeck_roles: ['gitea'] });
    expect(run.status, run.log).toBe(2);
    expect(run.exit).toBe('2\n');
    const failed = run.events.filter((e) => e.event === 'task_result' && e.status === 'failed' && !e.ignored);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.msg).toMatch(
      /^Gitea could not be downloaded from https:\/\/dl\.gitea\.com\/gitea\/[\d.]+\/gitea-[\d.]+-linux-amd64: .+\. Place the binary at \/usr\/local\/bin\/gitea or set gitea_binary_url to a reachable mirror\.$/,
    );
    expect(failed[0]!.msg).not.toMatch(/Traceback/);
    expect(stats(run)).toMatchObject({ failed: 1 });
    expect(
      (await sh(ct2, 'test -e /etc/labdeck/bootstrap.json')).status,
      'no record of a failed run',
    ).not.toBe(0);
  }, 300_000);

  it('uses a binary placed at gitea_binary_path: user, app.ini, unit, service; a re-run changes nothing', async () => {
    // A stand-in that serves HTTP like `gitea web` would (the lab cannot download Gitea).
    await ok(
      ct2,
      `printf '#!/bin/sh\\nexec python3 -m http.server --bind 127.0.0.1 3000\\n' > /usr/local/bin/gitea && chmod 755 /usr/local/bin/gitea`,
    );
    const sha = (await ok(ct2, 'sha256sum /usr/local/bin/gitea')).split(' ')[0]!;
    const vars = { labdeck_roles: ['gitea'], gitea_binary_sha256: sha, gitea_http_addr: '127.0.0.1' };
    const run = await bootstrap(ct2, 'gitea-placed', vars);
    expect(run.status, run.log).toBe(0);
    expectWellFormed(run, false);
    const download = run.events.find(
      (e) => e.event === 'task_start' && String(e.task).startsWith('Download Gitea from '),
    );
    expect(run.events.find((e) => e.event === 'task_result' && e.id === download?.id)).toMatchObject({
      status: 'skipped',
    });
    expect(await ok(ct2, 'systemctl is-active gitea && systemctl is-enabled gitea')).toBe(
      'active\nenabled\n',
    );
    expect(await ok(ct2, 'stat -c %U:%G:%a /etc/gitea/app.ini')).toBe('root:git:640\n');
    const ini = await ok(ct2, 'cat /etc/gitea/app.ini');
    expect(ini).toContain('INSTALL_LOCK = true');
    expect(ini).toMatch(/^JWT_SECRET = [A-Za-z0-9_-]{43}$/m);
    // The secrets never reach the event stream.
    const secret = /^SECRET_KEY = (\S+)$/m.exec(ini)![1]!;
    expect(JSON.stringify(run.events)).not.toContain(secret);
    const again = await bootstrap(ct2, 'gitea-placed-again', vars);
    expect(again.status, again.log).toBe(0);
    expect(again.events.filter((e) => e.event === 'task_result' && e.status === 'changed')).toEqual([]);
    expect(await ok(ct2, 'cat /etc/gitea/app.ini')).toBe(ini);
  }, 300_000);

  it('refuses an unsupported system with a clear message (exit 3, no playbook run)', async () => {
    await ok(
      ct2,
      `printf 'NAME="Alpine Linux"\\nID=alpine\\nVERSION_ID=3.19.1\\nPRETTY_NAME="Alpine Linux v3.19"\\n' > /tmp/os-release-alpine`,
    );
    const run = await bootstrap(
      ct2,
      'alpine',
      { labdeck_roles: DEFAULT_ROLES },
      {
        env: 'LABDECK_OS_RELEASE=/tmp/os-release-alpine',
      },
    );
    expect(run.status).toBe(3);
    expect(run.exit).toBe('3\n');
    expect(run.events).toEqual([
      {
        event: 'bootstrap_failed',
        t: expect.any(Number) as number,
        msg: 'Labdeck bootstraps Debian and Ubuntu; this host runs Alpine Linux v3.19 (ID=alpine)',
      },
    ]);
  }, 60_000);

  it('stops on the host when cancelled (systemd-run stop, or TERM to the script alone): exit 143, dpkg left consistent', async () => {
    const start = async (name: string, roles: string[], launch: (dir: string) => string): Promise<string> => {
      const dir = `/root/labdeck-runs/${name}`;
      await ok(
        ct2,
        `rm -rf ${dir} && mkdir -p ${dir} && printf '%s' '${JSON.stringify({ labdeck_roles: roles })}' > ${dir}/vars.json`,
      );
      await ok(ct2, launch(dir));
      // Cancel while apt is at work (each run installs packages the earlier ones did not).
      await waitFor(ct2, `grep -q '"task":"Install ' ${dir}/events.jsonl`, `${name}: an apt task`);
      await sleep(1000);
      return dir;
    };
    const expectStopped = async (dir: string): Promise<void> => {
      await waitFor(ct2, `test -e ${dir}/exit`, 'the exit file', 180_000);
      expect(await ok(ct2, `cat ${dir}/exit`)).toBe('143\n');
      const events = await ok(ct2, `cat ${dir}/events.jsonl`);
      expect(events.endsWith('\n')).toBe(true);
      for (const line of events.trimEnd().split('\n'))
        expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(events, 'no further playbook once stopped').not.toContain('"event":"playbook_end"');
      expect(await ok(ct2, `cat ${dir}/output.log`)).toContain('labdeck: stopped by SIGTERM');
      await waitFor(
        ct2,
        '! pgrep -f "[a]nsible-playbook|[a]pt-get|[d]pkg"', // brackets: not the shell running pgrep
        'ansible, apt and dpkg to be gone',
        60_000,
      );
      expect(await ok(ct2, 'dpkg --audit; ls -A /var/lib/dpkg/updates')).toBe('');
    };
    const unit = (name: string, props: string) => (dir: string) =>
      `systemd-run --unit=${name} ${props} --collect --quiet sh ${SCRIPT} --run-dir ${dir} --vars ${dir}/vars.json`;

    // As the app may start it where systemd runs: a transient unit, stopped with systemctl. With the
    // default KillMode everything gets SIGTERM at once (dpkg too: the script repairs it)…
    const plain = await start('cancel-systemd', ['base'], unit('labdeck-test-cancel', ''));
    await ok(ct2, 'systemctl stop labdeck-test-cancel');
    await expectStopped(plain);
    // …with KillMode=mixed only the script does, and it lets apt finish.
    const mixed = await start(
      'cancel-mixed',
      ['python'],
      unit('labdeck-test-cancel-mixed', '-p KillMode=mixed -p TimeoutStopSec=180'),
    );
    await ok(ct2, 'systemctl stop labdeck-test-cancel-mixed');
    await expectStopped(mixed);

    // Where it runs under setsid: TERM to the script alone stops ansible-playbook too.
    const viaSetsid = await start(
      'cancel-setsid',
      ['postgresql'],
      (dir) =>
        `setsid sh -c 'echo $$ > ${dir}/script.pid; exec sh ${SCRIPT} --run-dir ${dir} --vars ${dir}/vars.json' >/dev/null 2>&1 </dev/null &`,
    );
    await ok(ct2, `kill -TERM "$(cat ${viaSetsid}/script.pid)"`);
    await expectStopped(viaSetsid);
  }, 300_000);
});
