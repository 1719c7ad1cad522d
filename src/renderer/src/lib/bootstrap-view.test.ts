import { describe, expect, it } from 'vitest';
import type { BootstrapRun, BootstrapTask } from '../../../shared/api/bootstrap-domain';
import { hostProgress, mergeEvents, statusLabel } from './bootstrap-view';

const task = (seq: number, status: BootstrapTask['status']): BootstrapTask => ({
  seq,
  taskId: `t${seq}`,
  name: `task ${seq}`,
  role: 'base',
  action: 'apt',
  handler: false,
  status,
  startedAt: 1,
  durationMs: status === 'running' ? null : 5,
  msg: null,
  detail: null,
});

const run = (): BootstrapRun => ({
  id: 'r1',
  jobId: 'j1',
  mode: 'check',
  roles: ['base'],
  vars: {},
  state: 'running',
  actor: 'me',
  createdAt: 1,
  endedAt: null,
  previewOf: null,
  approvedAs: null,
  hosts: [
    {
      hostId: 1,
      hostName: 'ct1',
      state: 'running',
      counts: { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 },
    },
  ],
  hostRuns: [
    {
      hostId: 1,
      hostName: 'ct1',
      state: 'running',
      message: null,
      counts: { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 },
      currentTask: null,
      exitCode: null,
      startedAt: 1,
      endedAt: null,
      expectedTasks: 4,
      tasks: [task(0, 'ok')],
    },
  ],
});

describe('bootstrap view', () => {
  it('applies task events by their place, so a repeated or late event changes nothing', () => {
    const r = mergeEvents(run(), [
      { t: 'task', runId: 'r1', hostId: 1, task: task(1, 'running') },
      { t: 'task', runId: 'r1', hostId: 1, task: task(1, 'changed') },
      { t: 'task', runId: 'r1', hostId: 1, task: task(1, 'changed') },
      { t: 'task', runId: 'other', hostId: 1, task: task(2, 'failed') },
    ]);
    expect(r.hostRuns[0]!.tasks.map((t) => t.status)).toEqual(['ok', 'changed']);
    expect(hostProgress(r.hostRuns[0]!)).toBe(0.5);
  });

  it('takes a host state into both the summary and the column, and the run end', () => {
    const counts = { ok: 3, changed: 1, failed: 0, skipped: 0, unreachable: 0 };
    const { tasks: _t, ...host } = { ...run().hostRuns[0]!, state: 'succeeded' as const, counts };
    const r = mergeEvents(run(), [
      { t: 'host', runId: 'r1', host },
      { t: 'run', runId: 'r1', state: 'succeeded', endedAt: 9 },
    ]);
    expect(r.hosts[0]).toMatchObject({ state: 'succeeded', counts });
    expect(r.hostRuns[0]!.counts).toEqual(counts);
    expect(r.state).toBe('succeeded');
    expect(hostProgress(r.hostRuns[0]!)).toBe(1);
  });

  it("says what a preview's changed task means", () => {
    expect(statusLabel('changed', true)).toBe('would change');
    expect(statusLabel('changed', false)).toBe('changed');
  });
});
