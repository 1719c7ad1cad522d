// A job's progress where it was started (Activity's export, Settings' verify and archive), fed by
// the app-wide jobs store, with the way to its full story on the Jobs page.
import { useEffect, type ReactNode } from 'react';
import { create } from 'zustand';
import type { JobInfo } from '../../../shared/api/domain';
import { isActive } from '../lib/jobs';
import { addStartedJob, openJob, showInline, useJobs } from '../state/jobs';

export function Progress(props: {
  value: number;
  state: JobInfo['state'];
  testId?: string;
  mini?: boolean;
}): React.JSX.Element {
  const pct = Math.round(Math.max(0, Math.min(1, props.value)) * 100);
  const unknown = props.state === 'running' && pct === 0;
  return (
    <span
      className={`job-bar ${props.state} ${props.mini ? 'mini' : ''} ${unknown ? 'indeterminate' : ''}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={unknown ? undefined : pct}
      data-testid={props.testId}
    >
      <i style={{ width: `${pct}%` }} />
    </span>
  );
}

/** The audit jobs last started from each place: the pages unmount with their tab, these stay. */
export type AuditJobSlot = 'export' | 'verify' | 'archive';
export const useAuditJobs = create<Record<AuditJobSlot, string | null>>(() => ({
  export: null,
  verify: null,
  archive: null,
}));

/** Shows a job a call just started, and remembers it as the one this place follows. */
export function follow(slot: AuditJobSlot, job: JobInfo): void {
  addStartedJob(job);
  useAuditJobs.setState({ [slot]: job.id });
}

/**
 * One line: the bar, the percentage or how it ended, and "open in Jobs"; `result` adds what a
 * finished job produced (a download, a verdict).
 */
export function JobLine(props: {
  id: string;
  testId: string;
  result?: (job: JobInfo) => ReactNode;
}): React.JSX.Element | null {
  const job = useJobs((s) => s.byId[props.id]);
  // Its end shows right here: a toast about it would say it twice.
  useEffect(() => showInline(props.id), [props.id]);
  if (!job) return null;
  const active = isActive(job.state);
  return (
    <div className={`job-line ${job.state}`} data-testid={props.testId} data-state={job.state}>
      <span className="job-line-title">{job.title}</span>
      <Progress value={job.state === 'succeeded' ? 1 : job.progress} state={job.state} />
      <span className="job-line-state">
        {active ? `${job.state} · ${Math.round(job.progress * 100)}%` : job.state}
      </span>
      <button className="link-btn" data-testid={`${props.testId}-open`} onClick={() => openJob(job.id)}>
        open in Jobs
      </button>
      {!active && props.result && <div className="job-line-result">{props.result(job)}</div>}
    </div>
  );
}
