import { describe, expect, it } from 'vitest';
import { experimentCreateInput, experimentName, secretName } from '../../../shared/api/contract/experiments';
import type { Experiment, ExperimentArchive, ExperimentUsage } from '../../../shared/api/experiments-domain';
import {
  canResume,
  cloneCommand,
  databaseUrl,
  derivedNames,
  EMPTY_EXPERIMENT_FILTER,
  filterExperiments,
  isBusy,
  limitsText,
  nameProblem,
  nameTaken,
  parseLimit,
  parsePackages,
  secretNameProblem,
  sortArchives,
  sortExperiments,
  statusText,
  statusTone,
  stepsOf,
  stepTitle,
  usageCells,
} from './experiments-view';

const exp = (name: string, o: Partial<Experiment> = {}): Experiment => ({
  id: 1,
  name,
  hostId: 1,
  hostName: 'gpu1',
  description: '',
  template: 'base',
  packages: [],
  limits: { memoryMiB: null, cpuWeight: null },
  repo: null,
  status: 'ready',
  operation: 'create',
  message: null,
  failedStep: null,
  doneSteps: [],
  jobId: null,
  secretNames: [],
  createdAt: 0,
  createdBy: 'me',
  updatedAt: 0,
  archivedAt: null,
  archive: null,
  linuxUser: `exp-${name}`,
  database: `experiment_${name}`,
  dbRole: `exp-${name}`,
  home: `/home/exp-${name}`,
  ...o,
});

describe('experiment names', () => {
  it('derives the Linux user, role and database', () => {
    expect(derivedNames('llm-eval')).toEqual({
      linuxUser: 'exp-llm-eval',
      dbRole: 'exp-llm-eval',
      database: 'experiment_llm_eval',
    });
  });

  it('agrees with the contract on which names are fine', () => {
    const names = [
      '',
      'a',
      'abc-1',
      'Abc',
      '1abc',
      'abc-',
      'a--b',
      'a_b',
      'a b',
      'x'.repeat(28),
      'x'.repeat(29),
      'résumé',
      'gpu-run-2024',
    ];
    for (const n of names) {
      expect(nameProblem(n) === null, n).toBe(experimentName.safeParse(n).success);
    }
    expect(nameProblem('')).toBe('is required');
    expect(nameProblem('x'.repeat(29))).toMatch(/at most 28/);
    expect(nameProblem('a--b')).toMatch(/--/);
  });

  it('agrees with the contract on secret names', () => {
    for (const n of [
      'API_TOKEN',
      'api_token',
      '_X',
      '1X',
      'DATABASE_URL',
      'PGPASSWORD',
      'HOME',
      'HOMEDIR',
      '',
    ]) {
      expect(secretNameProblem(n) === null, n).toBe(secretName.safeParse(n).success);
    }
  });
});

describe('create form fields', () => {
  it('splits packages on commas and spaces and checks each like the contract', () => {
    expect(parsePackages(' numpy, torch==2.4.1  uvicorn[standard]>=0.30,,')).toEqual({
      packages: ['numpy', 'torch==2.4.1', 'uvicorn[standard]>=0.30'],
      problem: null,
    });
    expect(parsePackages('').packages).toEqual([]);
    const bad = parsePackages('numpy rm;-rf');
    expect(bad.problem).toMatch(/"rm;-rf"/);
    for (const text of ['numpy', 'torch==2.4.1', 'a b c', 'rm;-rf', '-x', 'pkg==']) {
      const { packages, problem } = parsePackages(text);
      const ok = experimentCreateInput.safeParse({ hostId: 1, name: 'a', packages }).success;
      expect(problem === null, text).toBe(ok);
    }
    expect(parsePackages(Array.from({ length: 51 }, (_, i) => `p${i}`).join(' ')).problem).toMatch(/50/);
  });

  it('reads limits: empty is none, otherwise a whole number in range', () => {
    expect(parseLimit('', 64, 100)).toBeNull();
    expect(parseLimit(' 80 ', 64, 100)).toBe(80);
    expect(parseLimit('1.5', 1, 100)).toBeInstanceOf(Error);
    expect(parseLimit('10', 64, 100)).toBeInstanceOf(Error);
    expect(limitsText({ memoryMiB: 2048, cpuWeight: 50 })).toBe('memory ≤ 2 GiB, CPU weight 50');
    expect(limitsText({ memoryMiB: null, cpuWeight: null })).toBe('none');
  });
});

describe('statuses', () => {
  it('colours and words', () => {
    expect(statusTone('ready')).toBe('succeeded');
    expect(statusTone('failed')).toBe('failed');
    expect(statusTone('archiving')).toBe('running');
    expect(statusTone('archived')).toBe('exp-dim');
    expect(isBusy('creating')).toBe(true);
    expect(isBusy('ready')).toBe(false);
    expect(statusText({ status: 'failed', failedStep: 'database' })).toBe(
      'failed at PostgreSQL role and database',
    );
    expect(statusText({ status: 'rolling-back', failedStep: null })).toBe('rolling back');
    expect(stepTitle('repo')).toBe('Git repository');
    expect(stepTitle('download')).toBe('Download into the archive folder');
    expect(stepTitle('whatever')).toBe('whatever');
    expect(stepsOf('create')).toEqual(['user', 'database', 'repo', 'environment', 'limits']);
    expect(stepsOf('archive')[0]).toBe('dump');
    expect(canResume({ status: 'failed', operation: 'restore' })).toBe(true);
    expect(canResume({ status: 'failed', operation: 'archive' })).toBe(false);
    expect(canResume({ status: 'ready', operation: 'create' })).toBe(false);
  });
});

describe('list', () => {
  const list = [
    exp('zeta', { id: 1 }),
    exp('alpha', { id: 2, hostId: 2, hostName: 'nas' }),
    exp('old', { id: 3, status: 'archived' }),
    exp('broken', { id: 4, status: 'failed', failedStep: 'repo', description: 'tokenizer sweep' }),
    exp('newbie', { id: 5, status: 'creating' }),
  ];

  it('hides archived and rolled-back ones unless asked, filters by host and words', () => {
    expect(filterExperiments(list, EMPTY_EXPERIMENT_FILTER).map((e) => e.id)).toEqual([1, 2, 4, 5]);
    expect(filterExperiments(list, { ...EMPTY_EXPERIMENT_FILTER, showArchived: true })).toHaveLength(5);
    expect(filterExperiments(list, { ...EMPTY_EXPERIMENT_FILTER, hostId: 2 }).map((e) => e.id)).toEqual([2]);
    expect(
      filterExperiments(list, { ...EMPTY_EXPERIMENT_FILTER, text: 'Tokenizer' }).map((e) => e.id),
    ).toEqual([4]);
    expect(filterExperiments(list, { ...EMPTY_EXPERIMENT_FILTER, text: 'nas alp' }).map((e) => e.id)).toEqual(
      [2],
    );
  });

  it('sorts failed first, then busy, ready, gone; by name within', () => {
    expect(sortExperiments(list).map((e) => e.name)).toEqual(['broken', 'newbie', 'alpha', 'zeta', 'old']);
  });

  it('knows a live name on a host', () => {
    expect(nameTaken(list, 1, 'zeta')).toBe(true);
    expect(nameTaken(list, 2, 'zeta')).toBe(false);
    expect(nameTaken(list, 1, 'old')).toBe(false);
  });

  it('sorts archives newest first', () => {
    const a = (id: string, createdAt: number): ExperimentArchive => ({
      id,
      path: `/x/${id}`,
      totalBytes: 1,
      manifest: {
        format: 1,
        experiment: {
          name: id,
          description: '',
          template: 'base',
          packages: [],
          limits: { memoryMiB: null, cpuWeight: null },
          secretNames: [],
        },
        host: 'gpu1',
        createdAt,
        createdBy: 'me',
        files: [],
        versions: {},
      },
    });
    expect(sortArchives([a('a', 1), a('b', 3), a('c', 2)]).map((x) => x.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('facts', () => {
  it('shows DATABASE_URL without a password', () => {
    expect(databaseUrl(exp('x'))).toBe('postgresql://exp-x@localhost/experiment_x');
  });

  it('builds a clone command for a bare repo on the host or a URL remote', () => {
    const bare = exp('x', { repo: { kind: 'bare', remote: '/srv/git/x.git', workTree: '/home/exp-x/x' } });
    expect(cloneCommand(bare, { address: 'gpu1.lan', port: 22 })).toBe(
      'git clone exp-x@gpu1.lan:/srv/git/x.git x',
    );
    expect(cloneCommand(bare, { address: '10.0.0.5', port: 2222 })).toBe(
      'git clone ssh://exp-x@10.0.0.5:2222/srv/git/x.git x',
    );
    expect(cloneCommand(bare, { address: 'fe80::1', port: 22 })).toBe(
      'git clone exp-x@[fe80::1]:/srv/git/x.git x',
    );
    expect(cloneCommand(bare, undefined)).toBeNull();
    const gitea = exp('x', {
      repo: { kind: 'gitea', remote: 'https://git.lan/lab/x.git', workTree: '/home/exp-x/x' },
    });
    expect(cloneCommand(gitea, undefined)).toBe('git clone https://git.lan/lab/x.git');
    expect(cloneCommand(exp('x'), { address: 'a', port: 22 })).toBeNull();
  });

  it('formats usage, with a dash for what could not be read', () => {
    expect(usageCells(undefined).cpu).toBe('—');
    const u: ExperimentUsage = {
      experimentId: 1,
      at: 0,
      lastLogin: null,
      homeBytes: null,
      databaseBytes: 8 * 1024 * 1024,
      processes: 2,
      cpuPercent: 12.34,
      memoryBytes: 1536 * 1024 * 1024,
      gpuMemoryMiB: 2048,
      error: 'du: permission denied',
    };
    expect(usageCells(u)).toEqual({
      cpu: '12.3%',
      memory: '1.5 GiB',
      gpuMemory: '2.0 GiB',
      disk: '—',
      database: '8.0 MiB',
      lastLogin: 'never',
      error: 'du: permission denied',
    });
    expect(usageCells({ ...u, gpuMemoryMiB: null }).gpuMemory).toBe('—');
  });
});
