// The callback plugin's events (as ansible/callback_plugins/labdeck_events.py writes them) turned
// into a host's tasks and counts, and the follower's output split into lines and markers.
import { describe, expect, it } from 'vitest';
import { applyEvent, diffText, zeroCounts, type HostProgress } from './events';
import { FollowParser, MARK } from './remote';

const host = (): HostProgress => ({
  info: {
    hostId: 1,
    hostName: 'ct1',
    state: 'starting',
    message: null,
    counts: zeroCounts(),
    currentTask: null,
    exitCode: null,
    startedAt: 0,
    endedAt: null,
    expectedTasks: 10,
  },
  tasks: [],
  failure: null,
  stats: false,
});
const line = (o: Record<string, unknown>): string => JSON.stringify({ t: 1_800_000_000.5, ...o });

describe('applyEvent', () => {
  it('builds the task list in order with statuses, messages and durations', () => {
    const h = host();
    applyEvent(h, line({ event: 'bootstrap_step', step: 'install-ansible', msg: 'Installing python3' }), 0);
    expect(h.info).toMatchObject({ state: 'installing', message: 'Installing python3' });
    applyEvent(h, line({ event: 'playbook_start', playbook: 'site.yml', check: false }), 0);
    expect(h.info.state).toBe('running');
    applyEvent(
      h,
      line({ event: 'task_start', id: 'a', task: 'Install packages', role: 'base', action: 'apt' }),
      0,
    );
    expect(h.info.currentTask).toBe('base : Install packages');
    const r = applyEvent(
      h,
      line({
        event: 'task_result',
        id: 'a',
        host: 'localhost',
        status: 'changed',
        duration_ms: 1234,
        msg: '',
      }),
      0,
    );
    expect(r.tasks?.[0]).toMatchObject({
      seq: 0,
      status: 'changed',
      durationMs: 1234,
      startedAt: 1_800_000_000_500,
    });
    applyEvent(
      h,
      line({ event: 'task_start', id: 'b', task: 'Start postgres', role: 'postgresql', action: 'service' }),
      0,
    );
    applyEvent(
      h,
      line({
        event: 'task_result',
        id: 'b',
        status: 'failed',
        msg: 'Unable to start service postgresql',
        exception: 'Traceback (most recent call last): …',
      }),
      0,
    );
    expect(h.tasks[1]).toMatchObject({ status: 'failed', msg: 'Unable to start service postgresql' });
    expect(h.tasks[1]!.detail?.exception).toMatch(/^Traceback/);
    expect(h.failure).toBe(
      'Task “Start postgres” (role postgresql) failed: Unable to start service postgresql',
    );
    expect(h.info.counts).toMatchObject({ changed: 1, failed: 1 });
  });

  it('closes a task that reports no result (a meta task) when the next one starts, and at the end', () => {
    const h = host();
    applyEvent(
      h,
      line({ event: 'task_start', id: 'm', task: 'flush handlers', action: 'ansible.builtin.meta' }),
      0,
    );
    const r = applyEvent(h, line({ event: 'task_start', id: 'n', task: 'next', action: 'command' }), 0);
    expect(r.tasks?.map((t) => [t.taskId, t.status])).toEqual([
      ['m', 'ok'],
      ['n', 'running'],
    ]);
    const end = applyEvent(
      h,
      line({ event: 'stats', hosts: { localhost: { ok: 5, changed: 2, failed: 0, skipped: 1 } } }),
      0,
    );
    expect(end.tasks?.map((t) => t.taskId)).toEqual(['n']);
    expect(h.info.counts).toEqual({ ok: 5, changed: 2, failed: 0, skipped: 1, unreachable: 0 });
    expect(h.stats).toBe(true);
  });

  it('keeps loop items under their task, an ignored failure is not a failure, and a bad line is skipped', () => {
    const h = host();
    applyEvent(h, line({ event: 'task_start', id: 'l', task: 'users', action: 'user' }), 0);
    applyEvent(h, line({ event: 'task_result', id: 'l', status: 'changed', item: 'alice' }), 0);
    applyEvent(h, line({ event: 'task_result', id: 'l', status: 'ok', item: 'bob' }), 0);
    expect(h.tasks[0]!.status).toBe('running');
    applyEvent(h, line({ event: 'task_result', id: 'l', status: 'failed', ignored: true, msg: 'meh' }), 0);
    expect(h.tasks[0]!.detail?.items).toEqual([
      { item: 'alice', status: 'changed' },
      { item: 'bob', status: 'ok' },
    ]);
    expect(h.failure).toBeNull();
    expect(applyEvent(h, '{"event": "task_res', 0)).toEqual({});
    expect(applyEvent(h, line({ event: 'task_result', id: 'nope', status: 'ok' }), 0)).toEqual({});
  });

  it('takes bootstrap.sh’s own failure as the reason', () => {
    const h = host();
    applyEvent(
      h,
      line({ event: 'bootstrap_failed', msg: 'Labdeck bootstraps Debian and Ubuntu; this host runs Alpine' }),
      0,
    );
    expect(h.failure).toMatch(/Alpine/);
    expect(h.info.message).toMatch(/Alpine/);
  });

  it('shows a before/after diff as changed lines, and a prepared one as is', () => {
    expect(
      diffText([{ before: 'a\nb\n', after: 'a\nc\n', before_header: '/etc/x', after_header: '/etc/x' }]),
    ).toBe('--- /etc/x\n+++ /etc/x\n-b\n+c');
    expect(diffText([{ prepared: '+ one package' }])).toBe('+ one package');
    expect(diffText([{ before: 'same', after: 'same' }])).toBeUndefined();
    expect(diffText(null)).toBeUndefined();
  });
});

describe('FollowParser', () => {
  it('counts whole lines in bytes (multi-byte too), across chunks, and reads markers', () => {
    const p = new FollowParser();
    expect(p.push('{"a":"é"}\n{"b"')).toEqual([{ kind: 'line', text: '{"a":"é"}', bytes: 11 }]);
    expect(p.pending).toBe(4);
    expect(p.push(':1}\n')).toEqual([{ kind: 'line', text: '{"b":1}', bytes: 8 }]);
    expect(p.push(`${MARK}labdeck-exit=0\n`)).toEqual([{ kind: 'mark', mark: 'labdeck-exit=0' }]);
  });

  it('drops a partial line cut short by a marker (not counted: the catch-up reads it again)', () => {
    const p = new FollowParser();
    expect(p.push(`{"half":${MARK}labdeck-gone\n`)).toEqual([{ kind: 'mark', mark: 'labdeck-gone' }]);
  });
});
