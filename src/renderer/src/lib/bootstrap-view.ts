// Keeping a run on screen up to date from its stream: each event replaces a host's state or one
// task (by its place), so an event seen twice or after the fetch changes nothing.
import type {
  BootstrapEvent,
  BootstrapRun,
  BootstrapTask,
  TaskStatus,
} from '../../../shared/api/bootstrap-domain';

export function mergeEvents(run: BootstrapRun, events: BootstrapEvent[]): BootstrapRun {
  let out = run;
  for (const e of events) {
    if (e.runId !== run.id) continue;
    if (e.t === 'run') {
      out = { ...out, state: e.state, endedAt: e.endedAt };
    } else if (e.t === 'host') {
      out = {
        ...out,
        hostRuns: out.hostRuns.map((h) => (h.hostId === e.host.hostId ? { ...h, ...e.host } : h)),
        hosts: out.hosts.map((h) =>
          h.hostId === e.host.hostId ? { ...h, state: e.host.state, counts: e.host.counts } : h,
        ),
      };
    } else if (e.t === 'task') {
      out = {
        ...out,
        hostRuns: out.hostRuns.map((h) => {
          if (h.hostId !== e.hostId) return h;
          const tasks = [...h.tasks];
          tasks[e.task.seq] = e.task;
          // A gap (an event missed while behind) is filled when the run is read again.
          return { ...h, tasks: tasks.filter((t): t is BootstrapTask => Boolean(t)) };
        }),
      };
    }
  }
  return out;
}

/** How far a host is: tasks ended of those expected (never 100% before the run ends). */
export function hostProgress(h: BootstrapRun['hostRuns'][number]): number {
  const done = h.tasks.filter((t) => t.status !== 'running').length;
  if (['succeeded', 'failed', 'cancelled', 'interrupted', 'unreachable'].includes(h.state)) return 1;
  const expected = Math.max(h.expectedTasks ?? 0, h.tasks.length, 1);
  return Math.min(0.99, done / expected);
}

/** A task's outcome in words; a preview's "changed" is what would change. */
export function statusLabel(s: TaskStatus, preview: boolean): string {
  if (s === 'changed') return preview ? 'would change' : 'changed';
  if (s === 'running') return 'running…';
  return s;
}
