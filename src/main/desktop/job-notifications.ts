// A desktop notification when a job ends while the window is not focused (the person is elsewhere).
// Listens to the job runner's events; says each job's end once.
import type { EventEmitter } from 'node:events';
import type { JobInfo } from '../../shared/api/domain';

const ENDED: ReadonlySet<JobInfo['state']> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export interface JobNotice {
  title: string;
  body: string;
  jobId: string;
}

export function notifyJobEnds(
  events: EventEmitter,
  o: { windowFocused: () => boolean; notify: (n: JobNotice) => void },
): () => void {
  const told = new Set<string>();
  const onJob = (job: JobInfo): void => {
    if (!ENDED.has(job.state) || told.has(job.id)) return;
    told.add(job.id);
    if (o.windowFocused()) return;
    o.notify({
      title: `Labdeck: job ${job.state}`,
      body: job.message ? `${job.title}: ${job.message}` : job.title,
      jobId: job.id,
    });
  };
  events.on('job', onJob);
  return () => events.off('job', onJob);
}
