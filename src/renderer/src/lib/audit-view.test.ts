import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/api/domain';
import {
  actionChoice,
  cleanFilter,
  exportedFile,
  fromLocalInput,
  groupActions,
  prettyParams,
  sameFilter,
  shortHash,
  spanLabel,
  timelineLabel,
  timelineOutcome,
  timelines,
  timePresetOf,
  toLocalInput,
  withActionChoice,
  withTimePreset,
  type Timeline,
} from './audit-view';

const DAY = 86_400_000;
let nextId = 1;
function row(p: Partial<AuditEvent>): AuditEvent {
  return {
    id: nextId++,
    ts: 0,
    actor: 'me',
    action: 'settings.update',
    target: 'settings',
    params: '{}',
    result: 'ok',
    errorCode: null,
    durationMs: 1,
    hostId: null,
    jobId: null,
    sessionId: null,
    experimentId: null,
    ...p,
  };
}

describe('time presets', () => {
  it('maps a filter to the choice it shows as', () => {
    expect(timePresetOf({})).toBe('all');
    expect(timePresetOf({ sinceMs: 3_600_000 })).toBe('1h');
    expect(timePresetOf({ sinceMs: 7 * DAY, result: 'error' })).toBe('7d');
    expect(timePresetOf({ sinceMs: 30 * DAY })).toBe('30d');
    expect(timePresetOf({ from: 5 })).toBe('custom');
    expect(timePresetOf({ to: 5 })).toBe('custom');
    // A saved question's own span is named, not shown as "all time".
    expect(timePresetOf({ sinceMs: 3 * DAY })).toBe('other');
    expect(spanLabel(3 * DAY)).toBe('Last 3 days');
    expect(spanLabel(2 * 3_600_000)).toBe('Last 2 hours');
    expect(spanLabel(90 * 60_000)).toBe('Last 90 min');
  });

  it('changes the time choice and keeps the rest of the filter', () => {
    const now = 10 * DAY;
    expect(withTimePreset({ result: 'error' }, '24h', now)).toEqual({ result: 'error', sinceMs: DAY });
    expect(withTimePreset({ sinceMs: DAY, actor: 'a' }, 'all', now)).toEqual({ actor: 'a' });
    // Custom starts from what was on screen, as absolute times.
    expect(withTimePreset({ sinceMs: 7 * DAY }, 'custom', now)).toEqual({ from: 3 * DAY });
    expect(withTimePreset({}, 'custom', now)).toEqual({ from: 9 * DAY });
    expect(withTimePreset({ from: 1, to: 2 }, 'custom', now)).toEqual({ from: 1, to: 2 });
    expect(withTimePreset({ from: 1, to: 2 }, '1h', now)).toEqual({ sinceMs: 3_600_000 });
    for (const p of ['1h', '24h', '7d', '30d', 'all'] as const) {
      expect(timePresetOf(withTimePreset({}, p, now))).toBe(p);
    }
  });

  it('round-trips datetime-local values in local time, to the minute', () => {
    const t = new Date(2026, 10, 25, 9, 5).getTime();
    expect(toLocalInput(t)).toBe('2026-11-25T09:05');
    expect(fromLocalInput('2026-11-25T09:05')).toBe(t);
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('not a date')).toBeUndefined();
    expect(toLocalInput(undefined)).toBe('');
  });
});

describe('filters', () => {
  it('drops empty parts and compares what is left', () => {
    expect(cleanFilter({ q: '', result: undefined, secrets: false, actor: 'a' })).toEqual({ actor: 'a' });
    expect(
      sameFilter({ result: 'error', sinceMs: 7 * DAY }, { sinceMs: 7 * DAY, result: 'error', q: '' }),
    ).toBe(true);
    expect(sameFilter({ result: 'error' }, { result: 'error', hostId: 3 })).toBe(false);
    expect(sameFilter({}, {})).toBe(true);
  });

  it('groups actions by area and picks an area or one action', () => {
    expect(groupActions(['hosts.remove', 'settings.update', 'hosts.add', 'audit.verify'])).toEqual([
      { area: 'audit', actions: ['audit.verify'] },
      { area: 'hosts', actions: ['hosts.add', 'hosts.remove'] },
      { area: 'settings', actions: ['settings.update'] },
    ]);
    expect(withActionChoice({ action: 'hosts.add', result: 'ok' }, 'area:hosts')).toEqual({
      area: 'hosts',
      result: 'ok',
    });
    expect(withActionChoice({ area: 'hosts' }, 'hosts.add')).toEqual({ action: 'hosts.add' });
    expect(withActionChoice({ area: 'hosts', q: 'x' }, '')).toEqual({ q: 'x' });
    expect(actionChoice({ area: 'jobs' })).toBe('area:jobs');
    expect(actionChoice({ action: 'jobs.run' })).toBe('jobs.run');
    expect(actionChoice({})).toBe('');
  });
});

describe('timelines', () => {
  const job = '11111111-1111-4111-8111-111111111111';
  const session = '22222222-2222-4222-8222-222222222222';

  it('gathers rows of a job or session where the newest of them is, oldest first inside', () => {
    const rows = [
      row({ ts: 50, action: 'terminals.close', sessionId: session, target: 'gpu1 as root' }),
      row({ ts: 40, action: 'jobs.failed', jobId: job, target: 'Run: make on gpu1', durationMs: 4200 }),
      row({ ts: 30, action: 'settings.update' }),
      row({ ts: 20, action: 'jobs.run', jobId: job, target: 'gpu1' }),
      row({ ts: 10, action: 'terminals.open', sessionId: session, target: 'gpu1 as root' }),
    ];
    const items = timelines(rows);
    expect(
      items.map((i) => (i.t === 'row' ? i.row.action : `${i.group.kind}:${i.group.rows.length}`)),
    ).toEqual(['session:2', 'job:2', 'settings.update']);
    const [s, j] = items as { t: 'group'; group: Timeline }[];
    expect(s!.group.rows.map((r) => r.action)).toEqual(['terminals.open', 'terminals.close']);
    expect(j!.group.rows.map((r) => r.action)).toEqual(['jobs.run', 'jobs.failed']);
  });

  it('keeps equal timestamps in the order they were written', () => {
    const a = row({ ts: 5, jobId: job, action: 'jobs.run' });
    const b = row({ ts: 5, jobId: job, action: 'jobs.succeeded' });
    const [g] = timelines([b, a]);
    expect(g?.t === 'group' && g.group.rows.map((r) => r.id)).toEqual([a.id, b.id]);
  });

  it('leaves rows of neither as they are', () => {
    const rows = [row({ ts: 2 }), row({ ts: 1 })];
    expect(timelines(rows)).toEqual(rows.map((r) => ({ t: 'row', row: r })));
  });

  it('says what a session was and how long it lasted', () => {
    const g: Timeline = {
      kind: 'session',
      id: session,
      rows: [
        row({ ts: 0, action: 'terminals.open', target: 'gpu1 as root' }),
        row({ ts: 12 * 60_000, action: 'terminals.close', target: 'gpu1 as root' }),
      ],
    };
    expect(timelineLabel(g)).toBe('Terminal session · gpu1 as root · 12 min 0 s');
    expect(timelineOutcome(g)).toBe('closed');
    const open: Timeline = { ...g, rows: [g.rows[0]!] };
    expect(timelineLabel(open)).toBe('Terminal session · gpu1 as root · open');
    const refused: Timeline = { ...g, rows: [row({ action: 'terminals.open', result: 'error' })] };
    expect(timelineOutcome(refused)).toBe('failed');
  });

  it('says what a job was and how it ended', () => {
    const g: Timeline = {
      kind: 'job',
      id: job,
      rows: [
        row({ ts: 0, action: 'jobs.run', target: 'gpu1' }),
        row({
          ts: 4200,
          action: 'jobs.failed',
          target: 'Run: make on gpu1',
          durationMs: 4200,
          result: 'error',
        }),
      ],
    };
    expect(timelineLabel(g)).toBe('Job · Run: make on gpu1 · failed · 4.20 s');
    expect(timelineLabel(g, 'Run: make')).toBe('Job · Run: make · failed · 4.20 s');
    const running: Timeline = { ...g, rows: [row({ ts: 0, action: 'jobs.run', target: 'gpu1' })] };
    expect(timelineOutcome(running)).toBe('running');
    expect(timelineLabel(running, 'Run: make')).toBe('Job · Run: make · running');
  });
});

describe('exports and details', () => {
  it("finds the file an export wrote at the end of the job's message", () => {
    expect(exportedFile('Wrote 1,234 rows to /data/exports/labdeck-audit-2026.csv')).toEqual({
      path: '/data/exports/labdeck-audit-2026.csv',
      name: 'labdeck-audit-2026.csv',
    });
    expect(exportedFile('Wrote 3 rows to /my data/to do/x.jsonl')).toEqual({
      path: '/my data/to do/x.jsonl',
      name: 'x.jsonl',
    });
    expect(exportedFile('Wrote 0 rows to C:\\Users\\me\\x.csv')?.name).toBe('x.csv');
    expect(exportedFile(null)).toBeNull();
    expect(exportedFile('Cancelled.')).toBeNull();
  });

  it('shortens hashes and lays params out', () => {
    const h = 'a'.repeat(60) + 'beef';
    expect(shortHash(h)).toBe(`${'a'.repeat(12)}…beef`);
    expect(shortHash('abc')).toBe('abc');
    expect(prettyParams('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyParams('not json')).toBe('not json');
  });
});
