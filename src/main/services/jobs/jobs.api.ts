// The jobs area: list, follow, cancel, and start a command on hosts; the live streams of job
// changes and of one job's log (stored lines first, then new ones; while the client is behind,
// the store is the buffer and it catches up from there).
import type { JobInfo, JobLogEvent } from '../../../shared/api/domain';
import type { AreaApi, StreamSource } from '../../lib/area';
import type { HostStore } from '../hosts/host-store';
import type { SshPool } from '../ssh/ssh-pool';
import { commandJob } from './command-job';
import type { JobRunner } from './job-runner';

function changesSource(runner: JobRunner): StreamSource<JobInfo> {
  let paused = false;
  const latest = new Map<string, JobInfo>();
  let emit: (j: JobInfo) => void = () => {};
  const on = (j: JobInfo): void => void (paused ? latest.set(j.id, j) : emit(j));
  return {
    start(e) {
      emit = e;
      for (const j of runner.list(50).reverse()) emit(j);
      runner.events.on('job', on);
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      for (const j of latest.values()) emit(j);
      latest.clear();
    },
    stop: () => void runner.events.off('job', on),
  };
}

function logSource(runner: JobRunner, id: string): StreamSource<JobLogEvent> {
  let emit: (e: JobLogEvent) => void = () => {};
  let sent = -1;
  let paused = false;
  let missed = false;
  const onLine = (jobId: string, line: JobLogEvent & { t: 'line' }): void => {
    if (jobId !== id) return;
    if (paused || missed) {
      missed = true;
      return;
    }
    if (line.seq <= sent) return;
    sent = line.seq;
    emit(line);
  };
  const onJob = (j: JobInfo): void => {
    if (j.id === id && !paused) emit({ t: 'job', job: j });
  };
  const catchUp = (): void => {
    // Lines written while we were behind come back from the store, in order, a page at a time;
    // if the client falls behind again meanwhile, the rest waits for the next resume.
    for (;;) {
      const page = runner.log(id, sent, 2000);
      if (!page.length) break;
      for (const l of page) {
        if (paused) {
          missed = true;
          return;
        }
        sent = l.seq;
        emit({ t: 'line', ...l });
      }
    }
    missed = false;
  };
  const lineListener = (jobId: string, l: Omit<JobLogEvent & { t: 'line' }, 't'>): void =>
    onLine(jobId, { t: 'line', ...l });
  return {
    start(e) {
      emit = e;
      emit({ t: 'job', job: runner.get(id) });
      runner.events.on('log', lineListener);
      runner.events.on('job', onJob);
      catchUp();
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      emit({ t: 'job', job: runner.get(id) });
      if (missed) catchUp();
    },
    stop: () => {
      runner.events.off('log', lineListener);
      runner.events.off('job', onJob);
    },
  };
}

export interface JobsAreaDeps {
  runner: JobRunner;
  pool: SshPool;
  hosts: HostStore;
}

export function jobsApi({
  runner,
  pool,
  hosts,
}: JobsAreaDeps): AreaApi<
  'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'jobs.runCommand',
  'jobs.changes' | 'jobs.log'
> {
  return {
    handlers: {
      'jobs.list': ({ limit }) => runner.list(limit),
      'jobs.get': ({ id }) => runner.get(id),
      'jobs.cancel': ({ id }, ctx) => {
        const job = runner.cancel(id);
        ctx.target = `${job.title} on ${job.target}`;
        ctx.auditDetails = { id };
        ctx.refs = { jobId: id, hostId: job.hostIds.length === 1 ? job.hostIds[0] : null };
        return job;
      },
      'jobs.runCommand': ({ hostIds, command }, ctx) => {
        const picked = [...new Set(hostIds)].map((id) => hosts.get(id));
        const job = runner.start(commandJob(pool, picked, command), ctx.actor);
        ctx.target = job.target;
        ctx.auditDetails = { id: job.id };
        ctx.refs = { jobId: job.id, hostId: job.hostIds.length === 1 ? job.hostIds[0] : null };
        return job;
      },
    },
    streams: {
      'jobs.changes': () => changesSource(runner),
      'jobs.log': ({ id }) => {
        runner.get(id); // NOT_FOUND before subscribing
        return logSource(runner, id);
      },
    },
  };
}
