// The experiment's environment file (every value through the one quoting helper, read back by a
// real sh), the status parser, derived names and the contract's name rules.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentCreateInput, secretName } from '../../../shared/api/contract/experiments';
import type { Experiment, ExperimentUsage } from '../../../shared/api/experiments-domain';
import { HOSTILE } from '../../../../tests/support/hostile-strings';
import { derivedNames, envFile, parseStatus } from './experiment-service';

const exp = (over: Partial<Experiment> = {}): Experiment => ({
  id: 1,
  name: 'demo',
  hostId: 1,
  hostName: 'h',
  description: '',
  template: 'base',
  packages: [],
  limits: { memoryMiB: null, cpuWeight: null },
  ...derivedNames('demo'),
  dbRole: 'exp-demo',
  repo: null,
  status: 'ready',
  message: null,
  operation: 'create',
  failedStep: null,
  doneSteps: [],
  jobId: null,
  secretNames: [],
  createdAt: 0,
  createdBy: 't',
  updatedAt: 0,
  archivedAt: null,
  archive: null,
  ...over,
});

/** Sources the file the way ~/.profile does and prints one variable. */
function readBack(file: string, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-env-'));
  const p = path.join(dir, 'env');
  fs.writeFileSync(p, file);
  try {
    return execFileSync(
      'sh',
      ['-c', 'set -a; . "$1"; set +a; printf %s "$(printenv "$2"; printf x)"', 'sh', p, name],
      {
        encoding: 'utf8',
      },
    ).replace(/x$/, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('envFile', () => {
  it('round-trips every hostile value exactly through a real sh, and runs none of it', () => {
    const values = HOSTILE.filter((v) => v !== '');
    const file = envFile(
      exp(),
      'pw',
      values.map((v, i): [string, string] => [`S${i}`, v]),
    );
    values.forEach((v, i) => {
      // printenv adds a newline; a value ending in \r\n keeps it.
      expect(readBack(file, `S${i}`)).toBe(`${v}\n`);
    });
    expect(fs.existsSync('/tmp/labdeck-pwned')).toBe(false);
  });

  it('sets the database variables, and the venv for python', () => {
    const file = envFile(exp({ template: 'python' }), 'p@ss:/word', []);
    expect(readBack(file, 'DATABASE_URL')).toBe(
      'postgresql://exp-demo:p%40ss%3A%2Fword@localhost:5432/experiment_demo\n',
    );
    expect(readBack(file, 'PGDATABASE')).toBe('experiment_demo\n');
    expect(readBack(file, 'PATH').startsWith('/srv/experiments/demo/.venv/bin:')).toBe(true);
  });
});

describe('derived names and the contract', () => {
  it('derives the user, database and home', () => {
    expect(derivedNames('llm-7b')).toEqual({
      linuxUser: 'exp-llm-7b',
      database: 'experiment_llm_7b',
      home: '/srv/experiments/llm-7b',
    });
    // The longest name still gives a Linux user name Linux accepts (32).
    expect(derivedNames('a'.repeat(28)).linuxUser).toHaveLength(32);
  });

  it('accepts good names and refuses the rest', () => {
    const ok = (name: string): boolean => experimentCreateInput.safeParse({ hostId: 1, name }).success;
    for (const n of ['a', 'demo', 'llm-7b', 'a'.repeat(28)]) expect(ok(n), n).toBe(true);
    for (const n of [
      '',
      'A',
      '1a',
      '-a',
      'a-',
      'a--b',
      'a_b',
      'a.b',
      'a'.repeat(29),
      'dеmo',
      '$(id)',
      '../x',
      ...HOSTILE.filter((s) => s !== 'plain'),
    ]) {
      expect(ok(n), n).toBe(false);
    }
    expect(secretName.safeParse('API_TOKEN').success).toBe(true);
    for (const n of ['api', 'A B', 'PATH', 'DATABASE_URL', 'PGPASSWORD', '1X', 'X;Y']) {
      expect(secretName.safeParse(n).success, n).toBe(false);
    }
  });
});

describe('parseStatus', () => {
  const base: ExperimentUsage = {
    experimentId: 1,
    at: 0,
    lastLogin: null,
    homeBytes: null,
    databaseBytes: null,
    processes: 0,
    cpuPercent: 0,
    memoryBytes: 0,
    gpuMemoryMiB: null,
    error: null,
  };
  it('reads one user out of several', () => {
    const text = [
      'exp-a exists 1',
      'exp-a lastlog exp-a pts/0 10.0.0.1 Wed Nov 25 14:00:00 +0000 2026',
      'exp-a home_bytes 12345',
      'exp-a db_bytes 7654321',
      'exp-a procs 3 12.5 4096000',
      'exp-b exists 1',
      'exp-b lastlog exp-b **Never logged in**',
      'exp-b history 1795600000',
      'exp-b home_bytes 1',
      'exp-b procs 0 0.0 0',
    ].join('\n');
    expect(parseStatus(text, base, 'exp-a')).toMatchObject({
      lastLogin: 'pts/0 10.0.0.1 Wed Nov 25 14:00:00 +0000 2026',
      homeBytes: 12345,
      databaseBytes: 7654321,
      processes: 3,
      cpuPercent: 12.5,
      memoryBytes: 4096000,
      error: null,
    });
    expect(parseStatus(text, base, 'exp-b')).toMatchObject({
      lastLogin: '2026-11-25 09:46 UTC (shell history)',
      homeBytes: 1,
      databaseBytes: null,
    });
    expect(parseStatus('exp-c exists 0', base, 'exp-c').error).toMatch(/does not exist/);
  });
});
