import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../shared/api/domain';
import { activeCount, endedText, KEEP_JOBS, mergeJobs, newestFirst, seedJob } from './jobs';

const job = (over: Partial<JobInfo> = {}): JobInfo => ({
  id: 'a',
  kind: 'command',
  title: 'Run: uptime',
  target: 'h1',
  hostIds: [1],
  actor: 'me',
  state: 'running',
  steps: [],
  progress: 0,
  message: null,
  createdAt: 1,
  startedAt: 1,
  endedAt: null,
  logBytes: 0,
  logTruncated: false,
  ...over,
});

describe('job events', () => {
  it('says which jobs it saw end, not those that came finished', () => {
    let r = mergeJobs({}, [job({ id: 'old', state: 'succeeded' }), job({ id: 'a' })]);
    expect(r.ended).toEqual([]);
    r = mergeJobs(r.byId, [job({ id: 'a', state: 'failed', message: 'h1: exited with 3' })]);
    expect(r.ended.map((j) => j.id)).toEqual(['a']);
    expect(r.byId['a']!.state).toBe('failed');
    // The same final state again (a reconnect's snapshot) is not a second ending.
    expect(mergeJobs(r.byId, [r.byId['a']!]).ended).toEqual([]);
  });

  it('never moves a finished job back to running', () => {
    const { byId } = mergeJobs({ a: job() }, [job({ state: 'cancelled' })]);
    expect(mergeJobs(byId, [job({ state: 'running' })]).byId['a']!.state).toBe('cancelled');
  });

  it('a started job is seeded only when the stream has not said more', () => {
    const byId = { a: job({ state: 'succeeded' }) };
    expect(seedJob(byId, job({ state: 'queued' }))).toBe(byId);
    expect(seedJob({}, job({ state: 'queued' }))['a']!.state).toBe('queued');
  });

  it('counts running and queued jobs, lists newest first', () => {
    const byId = {
      a: job({ id: 'a', createdAt: 1 }),
      b: job({ id: 'b', state: 'queued', createdAt: 3 }),
      c: job({ id: 'c', state: 'failed', createdAt: 2 }),
    };
    expect(activeCount(byId)).toBe(2);
    expect(newestFirst(Object.values(byId)).map((j) => j.id)).toEqual(['b', 'c', 'a']);
  });

  it('forgets the oldest finished jobs beyond the bound, never an active one', () => {
    const events = [job({ id: 'live', createdAt: 0 })];
    for (let i = 1; i <= KEEP_JOBS + 20; i++)
      events.push(job({ id: `j${i}`, state: 'succeeded', createdAt: i }));
    const { byId } = mergeJobs({}, events);
    expect(Object.keys(byId)).toHaveLength(KEEP_JOBS);
    expect(byId['live']).toBeDefined();
    expect(byId['j1']).toBeUndefined();
    expect(byId[`j${KEEP_JOBS + 20}`]).toBeDefined();
  });

  it('words an ending for a toast', () => {
    expect(endedText(job({ state: 'succeeded', message: 'Exited with 0.' }))).toBe(
      '✓ Run: uptime on h1 — succeeded',
    );
    expect(endedText(job({ state: 'failed', message: 'h1: exited with 3' }))).toBe(
      '✗ Run: uptime on h1 — failed: h1: exited with 3',
    );
    expect(endedText(job({ state: 'cancelled', message: 'Cancelled.' }))).toBe(
      '■ Run: uptime on h1 — cancelled',
    );
  });
});
