// What the renderer makes of job events: the known jobs by id, which of them just ended (for the
// notification), and the words and ordering the pages show.
import type { JobInfo, JobState } from '../../../shared/api/domain';

const FINAL = new Set<JobState>(['succeeded', 'failed', 'cancelled', 'interrupted']);

export const isFinal = (s: JobState): boolean => FINAL.has(s);
export const isActive = (s: JobState): boolean => s === 'queued' || s === 'running';

/** Finished jobs kept beyond this many are forgotten (newest kept), so a long session stays small. */
export const KEEP_JOBS = 200;

export interface MergeResult {
  byId: Record<string, JobInfo>;
  /** Jobs seen not finished before and finished now: these are worth telling the person about. */
  ended: JobInfo[];
}

/**
 * Applies a batch of job changes. A finished job never goes back to running: a late copy (e.g. the
 * reply of the call that started it, arriving after the stream said it ended) is ignored.
 */
export function mergeJobs(byId: Record<string, JobInfo>, events: readonly JobInfo[]): MergeResult {
  const next = { ...byId };
  const ended: JobInfo[] = [];
  for (const j of events) {
    const prev = next[j.id];
    if (prev && isFinal(prev.state) && !isFinal(j.state)) continue;
    next[j.id] = j;
    // Only a change we watched happen counts: the recent jobs sent when the stream opens were
    // finished long ago.
    if (prev && !isFinal(prev.state) && isFinal(j.state)) ended.push(j);
  }
  return { byId: trimJobs(next), ended };
}

/** Adds a job that a call returned, unless the stream already said more about it. */
export function seedJob(byId: Record<string, JobInfo>, job: JobInfo): Record<string, JobInfo> {
  return byId[job.id] ? byId : trimJobs({ ...byId, [job.id]: job });
}

function trimJobs(byId: Record<string, JobInfo>): Record<string, JobInfo> {
  const all = Object.values(byId);
  if (all.length <= KEEP_JOBS) return byId;
  const keep = new Set(
    newestFirst(all.filter((j) => isFinal(j.state)))
      .slice(0, Math.max(0, KEEP_JOBS - all.filter((j) => !isFinal(j.state)).length))
      .map((j) => j.id),
  );
  return Object.fromEntries(all.filter((j) => !isFinal(j.state) || keep.has(j.id)).map((j) => [j.id, j]));
}

export function newestFirst(jobs: readonly JobInfo[]): JobInfo[] {
  return [...jobs].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
}

export const activeCount = (byId: Record<string, JobInfo>): number =>
  Object.values(byId).filter((j) => isActive(j.state)).length;

/** How long it ran (or has been running, or waiting), null when it never started nor waits. */
export function jobDuration(j: JobInfo, now: number): number | null {
  if (j.startedAt) return (j.endedAt ?? now) - j.startedAt;
  return null;
}

const MARK: Record<JobState, string> = {
  queued: '…',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  cancelled: '■',
  interrupted: '⚠',
};

/** One line for a toast or a desktop notification: "✓ Run: uptime on h1 — succeeded". */
export function endedText(j: JobInfo): string {
  const what = j.target ? `${j.title} on ${j.target}` : j.title;
  // A success's message ("Exited with 0.") adds nothing; why it failed or stopped does.
  const said = j.message?.trim().replace(/\.$/, '') ?? '';
  const why = j.state !== 'succeeded' && said && said.toLowerCase() !== j.state ? `: ${said}` : '';
  return `${MARK[j.state]} ${what} — ${j.state}${why}`;
}
