// Turning the callback plugin's events (one JSON object per line, see ansible/README.md) into a
// host's state and task list. Pure: the service stores and streams what this returns.
import type {
  BootstrapCounts,
  BootstrapHostRun,
  BootstrapTask,
  TaskStatus,
} from '../../../shared/api/bootstrap-domain';

export type HostInfo = Omit<BootstrapHostRun, 'tasks'>;

export interface HostProgress {
  info: HostInfo;
  tasks: BootstrapTask[];
  /** Why the run failed on this host, in a person's words (the first failed task, or bootstrap.sh). */
  failure: string | null;
  /** The final stats arrived (the playbook ran to its end). */
  stats: boolean;
}

export interface Applied {
  /** Tasks started or ended by this event. */
  tasks?: BootstrapTask[];
  host?: boolean;
}

/**
 * Tasks still open when the next one starts or the play ends: with one host and the linear
 * strategy they are done (a meta task such as flush_handlers reports no result of its own).
 */
function closeOpen(h: HostProgress, t: number): BootstrapTask[] {
  const closed: BootstrapTask[] = [];
  for (let i = h.tasks.length - 1; i >= 0 && h.tasks.length - i <= 3; i--) {
    const task = h.tasks[i]!;
    if (task.status !== 'running') continue;
    task.status = 'ok';
    task.durationMs = Math.max(0, t - task.startedAt);
    h.info.counts.ok++;
    closed.push(task);
  }
  return closed;
}

const TEXT_CAP = 16 * 1024;
const cap = (v: unknown, n = TEXT_CAP): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (!s) return undefined;
  return s.length > n ? `${s.slice(0, n)}\n… (${s.length - n} more characters)` : s;
};

export const zeroCounts = (): BootstrapCounts => ({
  ok: 0,
  changed: 0,
  failed: 0,
  skipped: 0,
  unreachable: 0,
});

const STATUSES = new Set<TaskStatus>(['ok', 'changed', 'failed', 'skipped', 'unreachable']);

/** A diff as Ansible's result carries it (a list of before/after or prepared text): one text. */
export function diffText(diff: unknown): string | undefined {
  const parts = Array.isArray(diff) ? diff : diff ? [diff] : [];
  const out: string[] = [];
  for (const d of parts) {
    if (typeof d === 'string') out.push(d);
    else if (d && typeof d === 'object') {
      const o = d as Record<string, unknown>;
      if (typeof o['note'] === 'string') out.push(`(${o['note']})`);
      else if (typeof o['prepared'] === 'string') out.push(o['prepared']);
      else if ('before' in o || 'after' in o) {
        const before = typeof o['before'] === 'string' ? o['before'] : JSON.stringify(o['before'] ?? '');
        const after = typeof o['after'] === 'string' ? o['after'] : JSON.stringify(o['after'] ?? '');
        if (before === after) continue;
        out.push(
          `--- ${typeof o['before_header'] === 'string' ? o['before_header'] : 'before'}\n` +
            `+++ ${typeof o['after_header'] === 'string' ? o['after_header'] : 'after'}\n` +
            lineDiff(before, after),
        );
      }
    }
  }
  return out.length ? cap(out.join('\n')) : undefined;
}

/** A plain line diff (removed lines "-", added "+"), enough to read what a task would change. */
function lineDiff(a: string, b: string): string {
  const A = a.split('\n');
  const B = b.split('\n');
  const setB = new Set(B);
  const setA = new Set(A);
  const lines: string[] = [];
  for (const l of A) if (!setB.has(l)) lines.push(`-${l}`);
  for (const l of B) if (!setA.has(l)) lines.push(`+${l}`);
  return lines.join('\n');
}

/** Applies one event line; returns what changed (nothing for a line it does not know). */
export function applyEvent(h: HostProgress, line: string, now: number): Applied {
  let ev: Record<string, unknown>;
  try {
    ev = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
  const t = typeof ev['t'] === 'number' ? Math.round(ev['t'] * 1000) : now;
  const str = (k: string): string | null => (typeof ev[k] === 'string' ? ev[k] : null);
  switch (ev['event']) {
    case 'bootstrap_step': {
      if (ev['status'] === 'done') {
        h.info.state = 'running';
        h.info.message = null;
      } else if (ev['status'] === 'failed') {
        // A step that could not finish but let the run go on (e.g. repairing dpkg): said, not fatal.
        h.info.state = 'running';
        h.info.message = str('msg');
      } else {
        h.info.state = 'installing';
        h.info.message = str('msg') ?? 'Preparing the host…';
      }
      return { host: true };
    }
    case 'bootstrap_failed': {
      h.failure = str('msg') ?? 'bootstrap.sh stopped';
      h.info.message = h.failure;
      return { host: true };
    }
    case 'playbook_start':
    case 'play_start': {
      h.info.state = 'running';
      h.info.message = null;
      return { host: true };
    }
    case 'task_start': {
      const closed = closeOpen(h, t);
      const task: BootstrapTask = {
        seq: h.tasks.length,
        taskId: str('id') ?? `task-${h.tasks.length}`,
        name: str('task') || str('action') || 'task',
        role: str('role'),
        action: str('action'),
        handler: ev['handler'] === true,
        status: 'running',
        startedAt: t,
        durationMs: null,
        msg: null,
        detail: null,
      };
      h.tasks.push(task);
      h.info.currentTask = task.role ? `${task.role} : ${task.name}` : task.name;
      return { tasks: [...closed, task], host: true };
    }
    case 'task_result': {
      const id = str('id');
      let task: BootstrapTask | undefined;
      for (let i = h.tasks.length - 1; i >= 0; i--) {
        if (h.tasks[i]!.taskId === id) {
          task = h.tasks[i];
          break;
        }
      }
      if (!task) return {};
      const status = STATUSES.has(ev['status'] as TaskStatus) ? (ev['status'] as TaskStatus) : 'ok';
      const msg = cap(ev['msg'], 2000) ?? null;
      const detail = { ...(task.detail ?? {}) };
      if ('item' in ev && ev['item'] !== undefined && ev['item'] !== null) {
        // One item of a loop: kept under the task; the loop's own result follows.
        const items = [...(detail.items ?? [])];
        if (items.length < 200)
          items.push({ item: cap(ev['item'], 200) ?? '', status, ...(msg ? { msg } : {}) });
        detail.items = items;
        task.detail = detail;
        return { tasks: [task] };
      }
      const diff = diffText(ev['diff']);
      if (diff) detail.diff = diff;
      const stdout = cap(ev['stdout']);
      if (stdout) detail.stdout = stdout;
      const stderr = cap(ev['stderr']);
      if (stderr) detail.stderr = stderr;
      const exception = cap(ev['exception'], 4000);
      if (exception) detail.exception = exception;
      task.status = status;
      task.durationMs =
        typeof ev['duration_ms'] === 'number'
          ? Math.round(ev['duration_ms'])
          : Math.max(0, t - task.startedAt);
      task.msg = msg;
      task.detail = Object.keys(detail).length ? detail : null;
      const ignored = ev['ignored'] === true;
      if (status === 'failed' && ignored) h.info.counts.ok++;
      else h.info.counts[status === 'running' ? 'ok' : status]++;
      if ((status === 'failed' && !ignored) || status === 'unreachable') {
        h.failure ??= `Task “${task.name}”${task.role ? ` (role ${task.role})` : ''} failed: ${msg ?? 'no message'}`;
      }
      return { tasks: [task], host: true };
    }
    case 'stats': {
      const closed = closeOpen(h, t);
      const hosts = (ev['hosts'] ?? {}) as Record<string, Partial<Record<keyof BootstrapCounts, number>>>;
      const c = zeroCounts();
      for (const s of Object.values(hosts)) {
        for (const k of Object.keys(c) as (keyof BootstrapCounts)[]) c[k] += Number(s[k] ?? 0);
      }
      h.info.counts = c;
      h.stats = true;
      return { tasks: closed, host: true };
    }
    default:
      return {};
  }
}
