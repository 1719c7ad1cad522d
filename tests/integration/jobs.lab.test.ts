// Jobs against the lab's real sshd, through the real session, flow control and typed client: a
// command on two hosts with its log streamed, a cancel that stops the remote process, and a kill -9
// of the browser-mode server mid-job that leaves the job honestly "interrupted" at the next start.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Api } from '../../src/shared/api/client';
import type { JobInfo, JobLogEvent } from '../../src/shared/api/domain';
import type { ApiSession } from '../../src/main/api/session';
import { shCommand } from '../../src/main/services/ssh/quote';
import { readState } from '../lab/faults';
import type { LabHost } from '../lab/types';
import { harness, labHostInput, type Harness } from '../support/app-harness';
import { memoryLink } from '../support/memory-link';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp-db';
import { connect, type WsClient } from '../support/ws-client';

inject('lab');
const labHost = (name: string): LabHost => readState().hosts.find((x) => x.name === name)!;
let h: Harness;
let api: Api;
let session: ApiSession;
const ids: Record<string, number> = {};

beforeAll(async () => {
  h = harness();
  ({ api, session } = memoryLink(h.app.dispatcher, h.app.streams));
  for (const name of ['h1', 'h2']) {
    const lh = labHost(name);
    const host = await api.hosts.add({ ...labHostInput(lh, lh.user), name: `job-${name}` } as never);
    await api.hosts.connect({ id: host.id }).catch(() => undefined);
    await api.hosts.trustKey({ id: host.id, fingerprint: lh.fingerprint });
    ids[name] = host.id;
  }
});
afterAll(async () => {
  await session.close();
  await h.close();
});

/** Follows a job's log stream until the job ends. */
function follow(id: string): Promise<{ lines: string[]; job: JobInfo }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const off = api.streams.jobs.log({ id }, (events: JobLogEvent[]) => {
      for (const e of events) {
        if (e.t === 'line') lines.push(`${e.stream}:${e.text}`);
        else if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(e.job.state)) {
          off();
          resolve({ lines, job: e.job });
        }
      }
    });
  });
}

const running = async (hostId: number, pattern: string): Promise<boolean> =>
  (await h.app.pool.exec(hostId, shCommand(['pgrep', '-f', pattern]))).code === 0;

describe('jobs', () => {
  it('runs a command on two hosts, streams its log, and records start and end', async () => {
    const job = await api.jobs.runCommand({
      hostIds: [ids['h1']!, ids['h2']!],
      command: 'echo "hello from $(hostname -I | cut -d" " -f1)"; echo warn >&2',
    });
    expect(job.steps.map((s) => s.name)).toEqual(['job-h1', 'job-h2']);
    const { lines, job: done } = await follow(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    expect(lines).toContain(`out:[job-h1] hello from ${labHost('h1').address}`);
    expect(lines).toContain(`out:[job-h2] hello from ${labHost('h2').address}`);
    expect(lines).toContain('err:[job-h1] warn');
    const rows = (await api.audit.list({ limit: 20 })).rows;
    expect(rows.find((r) => r.action === 'jobs.runCommand')).toMatchObject({
      result: 'ok',
      target: 'job-h1, job-h2',
    });
    expect(
      rows.filter(
        (r) => r.action === 'jobs.succeeded' && (JSON.parse(r.params) as { id?: string }).id === job.id,
      ),
    ).toHaveLength(1);
  });

  it('a failing command fails the job with its exit code; a second command on the host waits its turn', async () => {
    const first = await api.jobs.runCommand({ hostIds: [ids['h1']!], command: 'sleep 1; exit 3' });
    const second = await api.jobs.runCommand({ hostIds: [ids['h1']!], command: 'echo second' });
    expect((await api.jobs.get({ id: second.id })).state).toBe('queued');
    expect((await api.jobs.get({ id: second.id })).message).toMatch(
      /Waiting for “Run: sleep 1; exit 3” to finish/,
    );
    const a = await follow(first.id);
    expect(a.job).toMatchObject({ state: 'failed', message: 'job-h1: exited with 3' });
    const b = await follow(second.id);
    expect(b.job.state).toBe('succeeded');
    expect(b.lines).toEqual(['out:second']);
  });

  it('cancel stops the command on the host, and both the cancel and the end are in the history', async () => {
    const job = await api.jobs.runCommand({ hostIds: [ids['h2']!], command: 'sleep 3131 | cat' });
    const ended = follow(job.id);
    for (let i = 0; i < 100 && !(await running(ids['h2']!, 'sleep 313[1]')); i++)
      await new Promise((r) => setTimeout(r, 30));
    expect(await running(ids['h2']!, 'sleep 313[1]')).toBe(true);
    await api.jobs.cancel({ id: job.id });
    const { job: done } = await ended;
    expect(done.state).toBe('cancelled');
    for (let i = 0; i < 50 && (await running(ids['h2']!, 'sleep 313[1]')); i++)
      await new Promise((r) => setTimeout(r, 30));
    expect(await running(ids['h2']!, 'sleep 313[1]')).toBe(false);
    const rows = (await api.audit.list({ limit: 20 })).rows;
    expect(rows.find((r) => r.action === 'jobs.cancel')).toMatchObject({ result: 'ok' });
    expect(rows.find((r) => r.action === 'jobs.cancelled')).toMatchObject({ actor: 'labdeck (automatic)' });
  });
});

describe('jobs after a crash', () => {
  it('kill -9 of the server mid-job: the next start shows the job interrupted, with when it was last seen', async () => {
    const dir = tempDir('labdeck-jobs-');
    const h1 = labHost('h1');
    const call = async (c: WsClient, name: string, input: unknown): Promise<unknown> => {
      const env = await c.call(name, input);
      if (!env.ok) throw new Error(`${name}: ${env.error.message}`);
      return env.result;
    };
    let s = await startServe(dir);
    try {
      let c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      const { id } = (await call(c, 'hosts.add', { ...labHostInput(h1, h1.user), name: 'crash-h1' })) as {
        id: number;
      };
      await c.call('hosts.connect', { id });
      await call(c, 'hosts.trustKey', { id, fingerprint: h1.fingerprint });
      const job = (await call(c, 'jobs.runCommand', {
        hostIds: [id],
        command: 'sleep 3132; echo finished',
      })) as JobInfo;
      for (
        let i = 0;
        i < 100 && ((await call(c, 'jobs.get', { id: job.id })) as JobInfo).state !== 'running';
        i++
      ) {
        await new Promise((r) => setTimeout(r, 30));
      }
      const killedAt = Date.now();
      s.child.kill('SIGKILL');
      await new Promise((r) => s.child.once('exit', r));

      s = await startServe(dir);
      c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      const after = (await call(c, 'jobs.get', { id: job.id })) as JobInfo;
      expect(after.state).toBe('interrupted');
      expect(after.message).toMatch(/Labdeck stopped while this job was running .*last seen at/);
      expect(after.endedAt).toBeLessThanOrEqual(killedAt);
      expect(after.steps[0]!.state).toBe('cancelled');
      const rows = (
        (await call(c, 'audit.list', { action: 'jobs.interrupted', limit: 5 })) as {
          rows: { target: string }[];
        }
      ).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.target).toBe('Run: sleep 3132; echo finished on crash-h1');
      c.close();
    } finally {
      await s.stop();
      // The command itself outlived the killed server (as it would on a real host): clean it up.
      await h.app.pool.exec(ids['h1']!, shCommand(['pkill', '-f', 'sleep 313[2]'])).catch(() => undefined);
    }
  });
});
