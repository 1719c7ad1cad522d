// The bundled Ansible (ansible/), checked on this machine without touching it: the catalog the
// Bootstrap dialog shows against the roles' documented defaults, ShellCheck on bootstrap.sh,
// `ansible-playbook --syntax-check` of site.yml and of every role, the event stream of our callback
// plugin on a harmless local playbook (in a temp folder), bootstrap.sh's refusals (unsupported
// system, bad arguments, not root) under dash and busybox, and the bootstrap record's stability.
// The real bootstrap of lab containers is tests/integration/ansible-roles.lab.test.ts.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ANSIBLE = fileURLToPath(new URL('../../ansible', import.meta.url));
const ROLE_ORDER = ['base', 'python', 'docker', 'postgresql', 'gitea', 'experiments', 'node-exporter'];
const DEFAULT_ON = ['base', 'python', 'docker', 'postgresql', 'experiments'];

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
const missing = (cmd: string, pkg: string): string =>
  `${cmd} is not installed here (Debian: apt-get install ${pkg}; .ci/run installs it in CI)`;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Ansible run with our configuration, never writing __pycache__ into ansible/. */
function ansibleEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_CONFIG: path.join(ANSIBLE, 'ansible.cfg'),
    PYTHONDONTWRITEBYTECODE: '1',
    ANSIBLE_NOCOLOR: '1',
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

function output(r: SpawnSyncReturns<string>): string {
  return `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
}

// --- The catalog and the roles' defaults ---------------------------------------------------------

interface CatalogVar {
  name: string;
  default: unknown;
  type: 'string' | 'bool' | 'list' | 'int';
  doc: string;
  secret?: boolean;
}
interface Catalog {
  format: number;
  order: string[];
  vars: CatalogVar[];
  roles: { name: string; title: string; description: string; default: boolean; vars: CatalogVar[] }[];
}

interface DefaultVar {
  value: unknown;
  doc: string;
}

/**
 * A defaults file in the house style: `name: <JSON value>` on one line, documented by the comment
 * lines right above it. Anything else (indented YAML, a var without its comment) is an error here,
 * which keeps the files readable by this simple parser and by people.
 */
function parseDefaults(file: string): Map<string, DefaultVar> {
  const vars = new Map<string, DefaultVar>();
  let comment: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const where = `${path.relative(ANSIBLE, file)}:${i + 1}`;
      if (line.trim() === '' || line.trim() === '---') {
        comment = [];
      } else if (line.startsWith('#')) {
        comment.push(line.replace(/^#\s?/, '').trim());
      } else {
        const m = /^([a-z_][a-z0-9_]*):\s*(.+)$/.exec(line);
        if (!m) throw new Error(`${where}: expected "name: <JSON value>", got: ${line}`);
        if (comment.length === 0) throw new Error(`${where}: ${m[1]} has no comment documenting it`);
        let value: unknown;
        try {
          value = JSON.parse(m[2]!);
        } catch {
          throw new Error(`${where}: the value of ${m[1]} is not JSON-style YAML: ${m[2]}`);
        }
        if (vars.has(m[1]!)) throw new Error(`${where}: ${m[1]} is defined twice`);
        vars.set(m[1]!, { value, doc: comment.join(' ') });
        comment = [];
      }
    });
  return vars;
}

function typeOf(v: unknown): CatalogVar['type'] {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' && Number.isInteger(v)) return 'int';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'string';
  throw new Error(`unsupported default ${JSON.stringify(v)}`);
}

function expectVarsMatch(where: string, catalogVars: CatalogVar[], defaults: Map<string, DefaultVar>): void {
  const names = catalogVars.map((v) => v.name);
  expect(new Set(names).size, `${where}: a variable is listed twice`).toBe(names.length);
  expect([...names].sort(), `${where}: catalog variables vs defaults`).toEqual([...defaults.keys()].sort());
  for (const v of catalogVars) {
    const d = defaults.get(v.name)!;
    expect(v.default, `${where}: default of ${v.name}`).toEqual(d.value);
    expect(v.type, `${where}: type of ${v.name}`).toBe(typeOf(d.value));
    expect(v.doc.trim().length, `${where}: doc of ${v.name}`).toBeGreaterThan(10);
    expect(typeof (v.secret ?? false), `${where}: secret of ${v.name}`).toBe('boolean');
  }
}

describe('ansible/catalog.json', () => {
  const catalog = JSON.parse(fs.readFileSync(path.join(ANSIBLE, 'catalog.json'), 'utf8')) as Catalog;

  it("lists every role directory once, in site.yml's order, with the agreed defaults preselected", () => {
    const dirs = fs
      .readdirSync(path.join(ANSIBLE, 'roles'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...dirs].sort()).toEqual([...ROLE_ORDER].sort());
    expect(catalog.roles.map((r) => r.name)).toEqual(ROLE_ORDER);
    expect(catalog.order).toEqual(ROLE_ORDER);
    const site = fs.readFileSync(path.join(ANSIBLE, 'site.yml'), 'utf8');
    expect(
      /labdeck_role_order: \[([^\]]*)\]/
        .exec(site)?.[1]
        ?.split(',')
        .map((s) => s.trim()),
    ).toEqual(ROLE_ORDER);
    // Each role is included, in that order.
    const includes = [...site.matchAll(/include_role:\s*\n\s*name: (\S+)/g)].map((m) => m[1]);
    expect(includes).toEqual(ROLE_ORDER);
    expect(catalog.roles.filter((r) => r.default).map((r) => r.name)).toEqual(DEFAULT_ON);
    for (const r of catalog.roles) {
      expect(r.title.length, r.name).toBeGreaterThan(2);
      expect(r.description.length, r.name).toBeGreaterThan(20);
    }
  });

  it("has every role's variables with the defaults and documentation of its defaults/main.yml", () => {
    for (const role of catalog.roles) {
      const defaults = parseDefaults(path.join(ANSIBLE, 'roles', role.name, 'defaults/main.yml'));
      expectVarsMatch(role.name, role.vars, defaults);
      const prefix = `${role.name.replace(/-/g, '_')}_`;
      for (const name of defaults.keys())
        expect(name.startsWith(prefix), `${name} in ${role.name}`).toBe(true);
    }
  });

  it('has the shared variables of group_vars/all.yml, and labdeck_roles defaults to the preselected roles', () => {
    const shared = parseDefaults(path.join(ANSIBLE, 'group_vars/all.yml'));
    expect(shared.get('labdeck_roles')?.value).toEqual(DEFAULT_ON);
    shared.delete('labdeck_roles'); // the dialog's role checkboxes, not a variable field
    expectVarsMatch('group_vars/all.yml', catalog.vars, shared);
  });

  it('the defaults parser refuses what it cannot read (so the checks above can fail)', () => {
    const dir = tmp('ldcat-');
    const f = path.join(dir, 'main.yml');
    fs.writeFileSync(f, '# documented\nx_list:\n  - a\n');
    expect(() => parseDefaults(f)).toThrow(/expected "name: <JSON value>"/);
    fs.writeFileSync(f, 'x_undocumented: 1\n');
    expect(() => parseDefaults(f)).toThrow(/no comment/);
    fs.writeFileSync(f, "# documented\nx_single: 'a'\n");
    expect(() => parseDefaults(f)).toThrow(/JSON-style/);
  });
});

// --- ShellCheck and syntax checks ------------------------------------------------------------------

describe('static checks', () => {
  it('bootstrap.sh is ShellCheck-clean as POSIX sh', (ctx) => {
    if (!has('shellcheck')) ctx.skip(missing('shellcheck', 'shellcheck'));
    const r = spawnSync('shellcheck', ['-s', 'sh', path.join(ANSIBLE, 'bootstrap.sh')], { encoding: 'utf8' });
    expect(r.status, output(r)).toBe(0);
  });

  it('site.yml and the roles pass ansible-lint where the distribution provides it', (ctx) => {
    if (!has('ansible-lint') || !has('ansible-playbook')) ctx.skip(missing('ansible-lint', 'ansible-lint'));
    const r = spawnSync('ansible-lint', ['--offline', '-q', '-p', 'site.yml', 'roles/'], {
      cwd: ANSIBLE,
      encoding: 'utf8',
      env: ansibleEnv({ NO_COLOR: '1' }),
      timeout: 300_000,
    });
    expect(r.status, output(r)).toBe(0);
  }, 300_000);

  it('site.yml and every role pass ansible-playbook --syntax-check (and a broken role does not)', (ctx) => {
    if (!has('ansible-playbook')) ctx.skip(missing('ansible-playbook', 'ansible-core'));
    const check = (playbook: string, extra: string[], env: Record<string, string> = {}) =>
      spawnSync('ansible-playbook', ['--syntax-check', '-i', 'localhost,', playbook, ...extra], {
        cwd: ANSIBLE,
        encoding: 'utf8',
        env: ansibleEnv(env),
      });
    for (const role of ROLE_ORDER) {
      const r = check('site.yml', ['-e', JSON.stringify({ labdeck_roles: [role] })]);
      expect(r.status, `site.yml with ${role}: ${output(r)}`).toBe(0);
    }
    // include_role is dynamic: a playbook that imports each role statically makes Ansible parse
    // its tasks and handlers too.
    const dir = tmp('ldsyntax-');
    for (const role of ROLE_ORDER) {
      const pb = path.join(dir, `${role}.yml`);
      fs.writeFileSync(pb, `- hosts: all\n  gather_facts: false\n  roles: [${role}]\n`);
      const r = check(pb, [], { ANSIBLE_ROLES_PATH: path.join(ANSIBLE, 'roles') });
      expect(r.status, `role ${role}: ${output(r)}`).toBe(0);
    }
    // The same check on a copy of base with a misspelt module fails.
    const broken = path.join(dir, 'roles');
    fs.cpSync(path.join(ANSIBLE, 'roles/base'), path.join(broken, 'base'), { recursive: true });
    fs.appendFileSync(
      path.join(broken, 'base/tasks/main.yml'),
      '\n- name: Oops\n  ansible.builtin.aptt:\n    name: x\n',
    );
    const pb = path.join(dir, 'broken.yml');
    fs.writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  roles: [base]\n');
    const bad = check(pb, [], { ANSIBLE_ROLES_PATH: broken });
    expect(bad.status).not.toBe(0);
    expect(output(bad)).toMatch(/aptt/);
    expect(fs.existsSync(path.join(ANSIBLE, 'callback_plugins/__pycache__'))).toBe(false);
  });
});

// --- The callback plugin's event stream ------------------------------------------------------------

interface Ev {
  event: string;
  t: number;
  [k: string]: unknown;
}

function readEvents(file: string): Ev[] {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n'), 'the events file ends with a whole line').toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => {
      const e = JSON.parse(l) as Ev;
      expect(typeof e.event).toBe('string');
      expect(typeof e.t).toBe('number');
      return e;
    });
}

const PROBE = `- name: Callback probe
  hosts: all
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: 'hello "quoted" \\ back'
    - name: Print something
      ansible.builtin.command: printf 'out line\\n'
    - name: Fail but go on
      ansible.builtin.shell: echo to-stderr >&2; exit 3
      ignore_errors: true
    - name: Loop
      ansible.builtin.command: echo {{ item }}
      loop: [alpha, beta]
    - name: Secret
      ansible.builtin.command: echo s3cret-value
      no_log: true
    - name: Skip me
      ansible.builtin.debug:
        msg: never
      when: false
    - name: Write a file
      ansible.builtin.copy:
        dest: "{{ probe_dir }}/file.txt"
        content: "new content\\n"
      notify: Handle it
    - name: Run the handler now
      ansible.builtin.meta: flush_handlers
    - name: Module crash
      labdeck_crash:
      ignore_errors: true
  handlers:
    - name: Handle it
      ansible.builtin.debug:
        msg: handled
`;

function runProbe(check: boolean): { events: Ev[]; status: number | null; log: string } {
  const dir = tmp('ldprobe-');
  fs.writeFileSync(path.join(dir, 'probe.yml'), PROBE);
  fs.mkdirSync(path.join(dir, 'library'));
  fs.writeFileSync(
    path.join(dir, 'library/labdeck_crash.py'),
    '#!/usr/bin/python3\nraise RuntimeError("boom from the module")\n',
  );
  fs.writeFileSync(path.join(dir, 'file.txt'), 'old\n');
  const events = path.join(dir, 'events.jsonl');
  const r = spawnSync(
    'ansible-playbook',
    [
      '-c',
      'local',
      '-i',
      'localhost,',
      path.join(dir, 'probe.yml'),
      '-e',
      JSON.stringify({ probe_dir: dir, ansible_python_interpreter: 'python3' }),
      ...(check ? ['--check', '--diff'] : []),
    ],
    { cwd: dir, encoding: 'utf8', env: ansibleEnv({ LABDECK_EVENTS: events }), timeout: 120_000 },
  );
  return { events: readEvents(events), status: r.status, log: output(r) };
}

describe('callback_plugins/labdeck_events.py', () => {
  it('writes playbook, play, task, result (per loop item too), handler and stats events as JSON lines', (ctx) => {
    if (!has('ansible-playbook')) ctx.skip(missing('ansible-playbook', 'ansible-core'));
    const { events, status, log } = runProbe(false);
    expect(status, log).toBe(0);
    expect(events[0]).toMatchObject({ event: 'playbook_start', playbook: 'probe.yml', check: false });
    expect(events[1]).toMatchObject({ event: 'play_start', play: 'Callback probe' });
    expect(events.at(-2)).toMatchObject({
      event: 'stats',
      hosts: {
        localhost: { ok: 8, changed: 5, failed: 0, skipped: 1, unreachable: 0, rescued: 0, ignored: 2 },
      },
    });
    expect(events.at(-1)!.event).toBe('playbook_end');
    for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);

    const starts = new Map(events.filter((e) => e.event === 'task_start').map((e) => [e.task as string, e]));
    const results = (task: string): Ev[] =>
      events.filter((e) => e.event === 'task_result' && e.id === starts.get(task)?.id);
    for (const s of starts.values()) {
      expect(s).toMatchObject({ role: null });
      expect(typeof s.id).toBe('string');
      expect(typeof s.action).toBe('string');
    }
    expect(starts.get('Say hello')).toMatchObject({ action: 'ansible.builtin.debug', handler: false });
    expect(results('Say hello')).toEqual([
      expect.objectContaining({
        host: 'localhost',
        status: 'ok',
        msg: 'hello "quoted" \\ back',
        ignored: false,
      }),
    ]);
    expect(results('Print something')[0]).toMatchObject({ status: 'changed', stdout: 'out line', rc: 0 });
    const failed = results('Fail but go on')[0]!;
    expect(failed).toMatchObject({ status: 'failed', ignored: true, stderr: 'to-stderr', rc: 3 });
    expect(failed.msg).toBe('non-zero return code 3: to-stderr');
    const loop = results('Loop');
    expect(loop.map((e) => [e.item, e.status, e.stdout])).toEqual([
      ['alpha', 'changed', 'alpha'],
      ['beta', 'changed', 'beta'],
      [undefined, 'changed', undefined],
    ]);
    expect(loop[2]!.msg).toBe('All items completed');
    expect(results('Secret')[0]).toMatchObject({ status: 'changed', censored: true });
    expect(JSON.stringify(events)).not.toContain('s3cret-value');
    expect(results('Skip me')[0]).toMatchObject({ status: 'skipped', msg: 'Conditional result was False' });
    expect(results('Write a file')[0]).toMatchObject({ status: 'changed', diff: null });
    const crash = results('Module crash')[0]!;
    expect(crash).toMatchObject({ status: 'failed', ignored: true });
    expect(crash.msg).toBe('Module failure: RuntimeError: boom from the module');
    expect(crash.exception).toMatch(/Traceback \(most recent call last\)/);
    expect(starts.get('Handle it')).toMatchObject({ handler: true });
    // meta tasks are plumbing: Ansible reports no result for them, so they are not announced.
    expect(starts.has('Run the handler now')).toBe(false);
    const resultIds = new Set(events.filter((e) => e.event === 'task_result').map((e) => e.id));
    for (const s of starts.values()) expect(resultIds.has(s.id), `a result for ${String(s.task)}`).toBe(true);
    // The handler ran where flush_handlers asked, before the crash task.
    expect(events.indexOf(starts.get('Handle it')!)).toBeLessThan(
      events.indexOf(starts.get('Module crash')!),
    );
    expect(results('Handle it')[0]).toMatchObject({ status: 'ok', msg: 'handled' });
    for (const e of events.filter((x) => x.event === 'task_result')) {
      expect(typeof e.duration_ms).toBe('number');
      expect(e.duration_ms as number).toBeGreaterThanOrEqual(0);
    }
    expect(fs.existsSync(path.join(ANSIBLE, 'callback_plugins/__pycache__'))).toBe(false);
  });

  it('in check mode says so and carries the diffs', (ctx) => {
    if (!has('ansible-playbook')) ctx.skip(missing('ansible-playbook', 'ansible-core'));
    const { events, status, log } = runProbe(true);
    expect(status, log).toBe(0);
    expect(events[0]).toMatchObject({ event: 'playbook_start', check: true, diff: true });
    const start = events.find((e) => e.event === 'task_start' && e.task === 'Write a file')!;
    const result = events.find((e) => e.event === 'task_result' && e.id === start.id)!;
    expect(result).toMatchObject({ status: 'changed' });
    expect(result.diff).toEqual([expect.objectContaining({ before: 'old\n', after: 'new content\n' })]);
    const cmd = events.find((e) => e.event === 'task_start' && e.task === 'Print something')!;
    expect(events.find((e) => e.event === 'task_result' && e.id === cmd.id)).toMatchObject({
      status: 'skipped',
      msg: 'Command would have run if not in check mode',
    });
  });
});

// --- bootstrap.sh's refusals ----------------------------------------------------------------------

const SHELLS = [['dash'], ['busybox', 'sh'], ['sh']].filter(([cmd]) => has(cmd!));

function bootstrap(
  shell: string[],
  args: string[],
  env: Record<string, string> = {},
  prefix: string[] = [],
): SpawnSyncReturns<string> {
  const [cmd, ...rest] = [...prefix, ...shell];
  return spawnSync(cmd!, [...rest, path.join(ANSIBLE, 'bootstrap.sh'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

describe('ansible/bootstrap.sh', () => {
  // A name with every character the shell's JSON escaping must handle.
  const pretty = 'Alpine "Linux" v3.19 \\ with\ttab\nand a second line';
  function alpine(dir: string): string {
    const f = path.join(dir, 'os-release');
    fs.writeFileSync(
      f,
      `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="${pretty.replace(/(["\\])/g, '\\$1')}"\n`,
    );
    return f;
  }

  it.each(SHELLS.map((s) => [s.join(' '), s]))(
    'refuses an unsupported system with a clear message, exit 3 and the exit file (%s)',
    (_name, shell) => {
      const dir = tmp('ldboot-');
      const run = path.join(dir, 'run');
      fs.writeFileSync(path.join(dir, 'vars.json'), '{"labdeck_roles": ["base"]}');
      const r = bootstrap(shell, ['--run-dir', run, '--vars', path.join(dir, 'vars.json')], {
        LABDECK_OS_RELEASE: alpine(dir),
      });
      expect(r.status, output(r)).toBe(3);
      expect(fs.readFileSync(path.join(run, 'exit'), 'utf8')).toBe('3\n');
      expect(fs.existsSync(path.join(run, 'exit.tmp'))).toBe(false);
      const events = readEvents(path.join(run, 'events.jsonl'));
      expect(events).toEqual([
        {
          event: 'bootstrap_failed',
          t: expect.any(Number) as number,
          msg: `Labdeck bootstraps Debian and Ubuntu; this host runs ${pretty} (ID=alpine)`,
        },
      ]);
      expect(Math.abs(events[0]!.t - Date.now() / 1000)).toBeLessThan(60);
      expect(fs.readFileSync(path.join(run, 'output.log'), 'utf8')).toContain('bootstrap failed');
    },
  );

  it('refuses a system without an os-release file, and one that is only "like" something else', () => {
    const dir = tmp('ldboot-');
    fs.writeFileSync(path.join(dir, 'vars.json'), '{}');
    const vars = ['--vars', path.join(dir, 'vars.json')];
    const none = bootstrap(['sh'], ['--run-dir', path.join(dir, 'a'), ...vars], {
      LABDECK_OS_RELEASE: path.join(dir, 'nope'),
    });
    expect(none.status).toBe(3);
    expect(readEvents(path.join(dir, 'a/events.jsonl'))[0]!.msg).toMatch(/no .*nope saying what it runs/);
    fs.writeFileSync(
      path.join(dir, 'fedora'),
      'ID=fedora\nID_LIKE="rhel centos"\nPRETTY_NAME="Fedora Linux 40"\n',
    );
    const fedora = bootstrap(['sh'], ['--run-dir', path.join(dir, 'b'), ...vars], {
      LABDECK_OS_RELEASE: path.join(dir, 'fedora'),
    });
    expect(fedora.status).toBe(3);
    expect(readEvents(path.join(dir, 'b/events.jsonl'))[0]!.msg).toBe(
      'Labdeck bootstraps Debian and Ubuntu; this host runs Fedora Linux 40 (ID=fedora)',
    );
  });

  it('needs root (checked after the system, before anything is installed)', (ctx) => {
    const dir = tmp('ldboot-');
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(path.join(dir, 'debian'), 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
    fs.writeFileSync(path.join(dir, 'vars.json'), '{}');
    fs.chmodSync(path.join(dir, 'vars.json'), 0o644);
    let prefix: string[] = [];
    if (process.getuid?.() === 0) {
      // Never run the real thing as root here: drop to nobody, or skip.
      if (!has('setpriv')) ctx.skip('running as root and setpriv (util-linux) is missing');
      prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    }
    const run = path.join(dir, 'run');
    const r = bootstrap(
      ['sh'],
      ['--run-dir', run, '--vars', path.join(dir, 'vars.json')],
      {
        LABDECK_OS_RELEASE: path.join(dir, 'debian'),
      },
      prefix,
    );
    expect(r.status, output(r)).toBe(3);
    expect(readEvents(path.join(run, 'events.jsonl'))[0]!.msg).toMatch(
      /^bootstrap.sh must run as root; it runs as /,
    );
    expect(fs.readFileSync(path.join(run, 'exit'), 'utf8')).toBe('3\n');
  });

  it('refuses bad arguments: no --vars (event + exit file), no --run-dir, unknown options', () => {
    const dir = tmp('ldboot-');
    const run = path.join(dir, 'run');
    const noVars = bootstrap(['sh'], ['--run-dir', run]);
    expect(noVars.status).toBe(2);
    expect(readEvents(path.join(run, 'events.jsonl'))[0]!.msg).toMatch(/without --vars FILE/);
    expect(fs.readFileSync(path.join(run, 'exit'), 'utf8')).toBe('2\n');
    const missingVars = bootstrap(
      ['sh'],
      ['--run-dir', path.join(dir, 'r2'), '--vars', path.join(dir, 'nope.json')],
    );
    expect(missingVars.status).toBe(2);
    expect(readEvents(path.join(dir, 'r2/events.jsonl'))[0]!.msg).toMatch(/nope\.json does not exist/);
    const noRunDir = bootstrap(['sh'], ['--vars', path.join(dir, 'x.json')]);
    expect(noRunDir.status).toBe(2);
    expect(noRunDir.stderr).toMatch(/--run-dir is required/);
    const unknown = bootstrap(['sh'], ['--run-dir', path.join(dir, 'r3'), '--frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown argument: --frobnicate/);
  });
});

// --- The bootstrap record (filter_plugins/labdeck.py) ---------------------------------------------

describe('filter_plugins/labdeck.py', () => {
  it('keeps /etc/labdeck/bootstrap.json unchanged on a re-run and moves only what changed', (ctx) => {
    if (!has('python3')) ctx.skip(missing('python3', 'python3'));
    const roles = tmp('ldroles-');
    fs.cpSync(path.join(ANSIBLE, 'roles'), roles, { recursive: true });
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(path.join(ANSIBLE, 'filter_plugins'))})
from labdeck import labdeck_bootstrap_record as rec
order = ${JSON.stringify(ROLE_ORDER)}
roles = ${JSON.stringify(roles)}
first = rec('', ['docker', 'base'], order, roles, now='2026-01-01T00:00:00Z')
again = rec(json.dumps(first), ['base', 'docker'], order, roles, now='2026-02-02T00:00:00Z')
with open(roles + '/docker/defaults/main.yml', 'a') as f:
    f.write('\\n# changed\\ndocker_x: 1\\n')
later = rec(json.dumps(again), ['docker', 'gitea'], order, roles, now='2026-03-03T00:00:00Z')
print(json.dumps([first, again, later]))
`;
    const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', env: ansibleEnv() });
    expect(r.status, output(r)).toBe(0);
    const [first, again, later] = JSON.parse(r.stdout) as Record<string, Record<string, string>>[];
    expect(first).toMatchObject({
      format: 1,
      managed_by: 'Labdeck',
      roles: ['base', 'docker'],
      applied_at: { base: '2026-01-01T00:00:00Z', docker: '2026-01-01T00:00:00Z' },
    });
    expect(first!.role_versions!.base).toMatch(/^[0-9a-f]{16}$/);
    expect(again).toEqual(first);
    expect(later!.roles).toEqual(['base', 'docker', 'gitea']);
    expect(later!.applied_at).toEqual({
      base: '2026-01-01T00:00:00Z',
      docker: '2026-03-03T00:00:00Z',
      gitea: '2026-03-03T00:00:00Z',
    });
    expect(later!.role_versions!.docker).not.toBe(first!.role_versions!.docker);
  });
});
