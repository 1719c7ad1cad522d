// The bootstrap area: the roles catalog, starting a preview or an apply, approving a preview,
// re-running, cancelling, the history of runs (per host too), a run's tasks and raw log, comparing
// two runs, and the live events of a run being followed.
import type { BootstrapEvent } from '../../../shared/api/bootstrap-domain';
import type { BootstrapCallName, BootstrapStreamName } from '../../../shared/api/contract/bootstrap.names';
import type { AreaApi, StreamSource } from '../../lib/area';
import type { BootstrapService } from './bootstrap-service';

/**
 * One run's events. While the viewer is behind, only the latest state of each host and each task
 * is kept (bounded by the run's size), and sent when it catches up.
 */
function eventsSource(service: BootstrapService, runId: string): StreamSource<BootstrapEvent> {
  let emit: (e: BootstrapEvent) => void = () => {};
  let paused = false;
  const held = new Map<string, BootstrapEvent>();
  const keyOf = (e: BootstrapEvent): string =>
    e.t === 'task' ? `task:${e.hostId}:${e.task.seq}` : e.t === 'host' ? `host:${e.host.hostId}` : e.t;
  const on = (e: BootstrapEvent): void => {
    if (e.runId !== runId) return;
    if (paused) {
      const k = keyOf(e);
      held.delete(k); // re-inserted last: order of the latest changes is kept
      held.set(k, e);
    } else emit(e);
  };
  return {
    start(e) {
      emit = e;
      service.events.on('event', on);
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      const all = [...held.values()];
      held.clear();
      for (const e of all) emit(e);
    },
    stop: () => void service.events.off('event', on),
  };
}

export function bootstrapApi(service: BootstrapService): AreaApi<BootstrapCallName, BootstrapStreamName> {
  const ref = (runId: string): { target: string; refs: { jobId: string; hostId: number | null } } => {
    const s = service.summary(runId);
    return {
      target: `${s.mode === 'check' ? 'preview' : 'bootstrap'} of ${s.roles.join(', ')} on ${s.hosts.map((h) => h.hostName).join(', ')}`,
      refs: { jobId: s.jobId, hostId: s.hosts.length === 1 ? s.hosts[0]!.hostId : null },
    };
  };
  return {
    handlers: {
      'bootstrap.catalog': () => service.roles(),
      'bootstrap.start': (input, ctx) => {
        const run = service.start(input, ctx.actor);
        Object.assign(ctx, ref(run.id));
        return run;
      },
      'bootstrap.approve': ({ runId }, ctx) => {
        const run = service.approve(runId, ctx.actor);
        Object.assign(ctx, ref(run.id));
        ctx.auditDetails = { preview: runId, run: run.id };
        return run;
      },
      'bootstrap.rerun': ({ runId, onlyFailed }, ctx) => {
        const run = service.rerun(runId, onlyFailed, ctx.actor);
        Object.assign(ctx, ref(run.id));
        ctx.auditDetails = { of: runId, run: run.id };
        return run;
      },
      'bootstrap.cancel': ({ runId }, ctx) => {
        Object.assign(ctx, ref(runId));
        return service.cancel(runId);
      },
      'bootstrap.runs': ({ limit, hostId }) => service.list(limit, hostId),
      'bootstrap.get': ({ runId }) => service.get(runId),
      'bootstrap.log': ({ runId, hostId }) => service.log(runId, hostId),
      'bootstrap.compare': ({ a, b }) => service.compare(a, b),
      'bootstrap.hostSummary': ({ hostId }) => service.hostSummary(hostId),
      'bootstrap.setSkipPreview': ({ hostId, skip }) => service.setSkipPreview(hostId, skip),
    },
    streams: {
      'bootstrap.events': ({ runId }) => eventsSource(service, runId),
    },
  };
}
