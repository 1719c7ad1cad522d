// Jobs: long operations, newest first on the left (live from the app-wide jobs store); the picked
// one on the right with its steps, progress, cancel and its log, followed live.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { JobInfo, JobLogLine, JobStep } from '../../../shared/api/domain';
import { api } from '../api';
import { Progress } from '../components/JobProgress';
import { RunCommandDialog } from '../components/RunCommandDialog';
import { useNow } from '../hooks/useNow';
import { errorText, nextStep } from '../lib/errors';
import { formatAgo, formatBytes, formatDuration, formatTimestamp } from '../lib/format';
import { isActive, jobDuration, newestFirst } from '../lib/jobs';
import { appendLog, chunkLines, EMPTY_LOG, LOG_KEEP, type LogBuffer } from '../lib/log-buffer';
import { afterPaint, selectJob, useJobs } from '../state/jobs';
import { useUi } from '../state/ui-store';

/** "14:03:12" today, the full date and time otherwise. */
function clock(ts: number): string {
  const full = formatTimestamp(ts);
  return full.slice(0, 10) === formatTimestamp(Date.now()).slice(0, 10) ? full.slice(11) : full;
}

function StatePill({ state, testId }: { state: JobInfo['state']; testId?: string }): React.JSX.Element {
  return (
    <span className={`pill job-st ${state}`} data-testid={testId}>
      {state}
    </span>
  );
}

/** How long a job ran, ticking while it runs (only these re-render every second). */
function Duration({ job }: { job: JobInfo }): React.JSX.Element {
  return isActive(job.state) ? (
    <LiveDuration job={job} />
  ) : (
    <>{durationText(job, job.endedAt ?? job.createdAt)}</>
  );
}

function LiveDuration({ job }: { job: JobInfo }): React.JSX.Element {
  const now = useNow(1000);
  return <>{durationText(job, now)}</>;
}

function durationText(job: JobInfo, now: number): string {
  const d = jobDuration(job, now);
  if (d !== null) return formatDuration(Math.max(0, d));
  return job.state === 'queued' ? `waiting ${formatDuration(Math.max(0, now - job.createdAt))}` : '—';
}

function JobRow({ job, selected }: { job: JobInfo; selected: boolean }): React.JSX.Element {
  const started = job.startedAt ?? job.createdAt;
  return (
    <button
      className={`job-row ${selected ? 'active' : ''}`}
      data-testid="job-row"
      data-state={job.state}
      data-job-id={job.id}
      aria-current={selected}
      onClick={() => selectJob(job.id)}
    >
      <span className="job-row-top">
        <span className="job-row-title mono" title={job.title}>
          {job.title}
        </span>
        <StatePill state={job.state} />
      </span>
      <span className="job-row-sub">
        <span className="job-row-target" title={job.target}>
          {job.target}
        </span>
        <span title={`${formatTimestamp(started)} (${formatAgo(started)})`}>{clock(started)}</span>
        <span>
          <Duration job={job} />
        </span>
        <span className="job-row-actor" title={`started by ${job.actor}`}>
          {job.actor}
        </span>
      </span>
      {job.state === 'running' && <Progress value={job.progress} state={job.state} mini />}
    </button>
  );
}

function stepDuration(s: JobStep, now: number): string {
  if (!s.startedAt) return '—';
  return formatDuration(Math.max(0, (s.endedAt ?? now) - s.startedAt));
}

function Steps({ job }: { job: JobInfo }): React.JSX.Element {
  const now = useNow(isActive(job.state) ? 1000 : 3_600_000);
  return (
    <div className="table-wrap job-steps">
      <table className="grid compact">
        <thead>
          <tr>
            <th style={{ width: '28%' }}>Step</th>
            <th style={{ width: 100 }}>State</th>
            <th style={{ width: 84 }} className="num">
              Duration
            </th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {job.steps.map((s) => (
            <tr key={s.name} className={`job-step ${s.state}`} data-testid="job-step" data-state={s.state}>
              <td title={s.name}>{s.name}</td>
              <td>
                <span className={`pill step-st ${s.state}`}>{s.state}</span>
              </td>
              <td className="num">{stepDuration(s, now)}</td>
              <td className={s.state === 'failed' ? 'err' : 'dim'} title={s.detail ?? undefined}>
                {s.detail ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A run of lines; lines never change, so a run re-renders only while it still grows. */
const LogChunk = memo(
  function LogChunk({ lines }: { lines: readonly JobLogLine[] }): React.JSX.Element {
    return (
      <>
        {lines.map((l) => (
          <div key={l.seq} className={`ll ${l.stream}`} data-stream={l.stream}>
            {l.text}
          </div>
        ))}
      </>
    );
  },
  (a, b) =>
    a.lines.length === b.lines.length &&
    a.lines[0]?.seq === b.lines[0]?.seq &&
    a.lines.at(-1)?.seq === b.lines.at(-1)?.seq,
);

function JobLog(props: { id: string; job: JobInfo | null; onJob: (j: JobInfo) => void }): React.JSX.Element {
  const { id, job, onJob } = props;
  const [buf, setBuf] = useState<LogBuffer>(EMPTY_LOG);
  const [failure, setFailure] = useState<string | null>(null);
  const [following, setFollowing] = useState(true);
  const follow = useRef(true);
  /** When the person last touched the log (wheel, key, pointer): only they can stop the following. */
  const touchedAt = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const onJobRef = useRef(onJob);
  useEffect(() => {
    onJobRef.current = onJob;
  }, [onJob]);

  useEffect(() => {
    let b = EMPTY_LOG;
    return api.streams.jobs.log(
      { id },
      (events) => {
        const lines: JobLogLine[] = [];
        for (const e of events) {
          if (e.t === 'line') lines.push(e);
          else onJobRef.current(e.job);
        }
        b = appendLog(b, lines);
        setBuf(b);
        // The next batch waits until this one is on screen: a flood slows the stream, not the page.
        return afterPaint();
      },
      (err) => {
        if (err) setFailure(err.message);
      },
    );
  }, [id]);

  // Follow the end unless the person scrolled up to read.
  useLayoutEffect(() => {
    if (follow.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [buf]);
  // The box shrinks when the job's message or steps appear above it; the end must stay in view.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      if (follow.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const toEnd = (): void => {
    follow.current = true;
    setFollowing(true);
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  };

  return (
    <section className="job-log-panel">
      <div className="job-log-head">
        <h2>Log</h2>
        <span className="dim small" data-testid="job-log-stats">
          {buf.lines.length + buf.dropped} line{buf.lines.length + buf.dropped === 1 ? '' : 's'}
          {buf.dropped > 0 ? ` (last ${buf.lines.length.toLocaleString('en')} shown)` : ''}
          {job ? ` · ${formatBytes(job.logBytes)} kept` : ''}
        </span>
        {job?.logTruncated && (
          <span
            className="pill job-st failed"
            data-testid="job-log-cut"
            title="The job's log reached its size cap"
          >
            log cut
          </span>
        )}
        <span className="spacer" />
        {!following && (
          <button className="btn small" data-testid="job-log-follow" onClick={toEnd}>
            ↓ Follow the end
          </button>
        )}
      </div>
      <div
        ref={box}
        className="job-log mono"
        data-testid="job-log"
        tabIndex={0}
        onWheel={() => (touchedAt.current = performance.now())}
        onPointerDown={() => (touchedAt.current = performance.now())}
        onKeyDown={() => (touchedAt.current = performance.now())}
        onScroll={(e) => {
          // Scroll events also come from our own jumps to the end (arriving after more lines were
          // added) and from old lines dropped at the top: those must not stop the following.
          const el = e.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
          const byPerson = performance.now() - touchedAt.current < 1000;
          const next = atEnd || (follow.current && !byPerson);
          if (next !== follow.current) {
            follow.current = next;
            setFollowing(next);
          }
        }}
      >
        {buf.dropped > 0 && (
          <div className="ll info" data-testid="job-log-dropped">
            … {buf.dropped} earlier line{buf.dropped === 1 ? '' : 's'} not shown (this view keeps the last{' '}
            {LOG_KEEP.toLocaleString('en')})
          </div>
        )}
        {chunkLines(buf.lines).map((c) => (
          <LogChunk key={c.key} lines={c.lines} />
        ))}
        {failure && <div className="ll err">Could not follow the log: {failure}</div>}
        {!failure && buf.lines.length === 0 && (
          <div className="ll info">{job && isActive(job.state) ? 'No output yet…' : 'No output.'}</div>
        )}
      </div>
    </section>
  );
}

function JobDetail({ id }: { id: string }): React.JSX.Element {
  const qc = useQueryClient();
  const openActivity = useUi((s) => s.openActivity);
  const stored = useJobs((s) => s.byId[id]);
  // A job the store no longer holds (it keeps the recent ones) is still shown from its log stream.
  const [fromLog, setFromLog] = useState<JobInfo | null>(null);
  const job = stored ?? fromLog;
  const cancel = useMutation({
    mutationFn: () => api.jobs.cancel({ id }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });

  if (!job) {
    return (
      <div className="job-detail" data-testid="job-detail">
        <div className="empty">Loading the job…</div>
        <JobLog id={id} job={null} onJob={setFromLog} />
      </div>
    );
  }
  const active = isActive(job.state);
  const stepsDone = job.steps.filter((s) => s.state !== 'pending' && s.state !== 'running').length;
  const cancelling = active && (cancel.isPending || cancel.isSuccess);
  return (
    <div className="job-detail" data-testid="job-detail" data-job-id={job.id}>
      <div className="job-detail-head">
        <div className="job-detail-title">
          <span className="job-title mono" title={job.title}>
            {job.title}
          </span>
          <StatePill state={job.state} testId="job-state" />
        </div>
        {active && (
          <button
            className="btn danger"
            data-testid="job-cancel"
            disabled={cancelling}
            onClick={() => {
              if (window.confirm('Cancel this job? Commands still running on the hosts are stopped.'))
                cancel.mutate();
            }}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <div className="facts">
        <span>
          on <b className="job-target">{job.target}</b>
        </span>
        <span title={formatTimestamp(job.createdAt)}>
          {job.startedAt ? `started ${clock(job.startedAt)}` : `queued ${clock(job.createdAt)}`}
        </span>
        {job.endedAt && <span>ended {clock(job.endedAt)}</span>}
        <span>
          <Duration job={job} />
        </span>
        <span>by {job.actor}</span>
        <span className="mono small" title="Job id">
          {job.id.slice(0, 8)}
        </span>
        <button
          className="link-btn"
          data-testid="job-history"
          title="What the history recorded about this job"
          onClick={() => openActivity({ jobId: job.id })}
        >
          History
        </button>
      </div>
      {job.message && (
        <div className={`job-message ${job.state}`} data-testid="job-message">
          {job.message}
        </div>
      )}
      <div className="job-progress-line">
        <Progress value={job.progress} state={job.state} testId="job-progress" />
        <span className="dim small">
          {stepsDone}/{job.steps.length} step{job.steps.length === 1 ? '' : 's'} ·{' '}
          {Math.round(job.progress * 100)}%
        </span>
      </div>
      {cancel.error && (
        <div className="banner error" data-testid="job-cancel-error">
          {errorText(cancel.error)}
          {nextStep(cancel.error) && <div className="next">{nextStep(cancel.error)}</div>}
        </div>
      )}
      {job.steps.length > 0 && <Steps job={job} />}
      <JobLog id={id} job={job} onJob={setFromLog} />
    </div>
  );
}

function NotifyControl(): React.JSX.Element | null {
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'undefined' ? null : Notification.permission,
  );
  // The desktop app notifies from its main process (the page itself may not).
  if (window.api) return <span>desktop notifications on</span>;
  if (permission === null) return null;
  if (permission === 'granted') return <span>desktop notifications on</span>;
  if (permission === 'denied')
    return <span title="Allow them in the browser's site settings">desktop notifications blocked</span>;
  return (
    <button
      className="link-btn"
      data-testid="jobs-notify"
      onClick={() => void Notification.requestPermission().then(setPermission)}
    >
      Notify me on the desktop too
    </button>
  );
}

export function JobsPage(): React.JSX.Element {
  const byId = useJobs((s) => s.byId);
  const loaded = useJobs((s) => s.loaded);
  const selectedId = useJobs((s) => s.selectedId);
  const [dialog, setDialog] = useState(false);
  const list = newestFirst(Object.values(byId));
  const running = list.filter((j) => j.state === 'running').length;
  const queued = list.filter((j) => j.state === 'queued').length;
  const newest = list[0]?.id;

  // Nothing picked yet: show the newest, rather than an empty half.
  useEffect(() => {
    if (!selectedId && newest) selectJob(newest);
  }, [selectedId, newest]);

  return (
    <div className="page jobs-page" data-testid="jobs-page">
      <div className="page-head">
        <div>
          <h1>Jobs</h1>
          <div className="facts">
            <span>Long operations on hosts: their steps, progress and live log.</span>
            <span data-testid="jobs-summary">
              {running} running · {queued} queued
            </span>
            <NotifyControl />
          </div>
        </div>
        <div className="toolbar">
          <button className="btn primary" data-testid="jobs-run-command" onClick={() => setDialog(true)}>
            Run command…
          </button>
        </div>
      </div>
      <div className="jobs-split">
        <div className="job-list" data-testid="job-list">
          {list.map((j) => (
            <JobRow key={j.id} job={j} selected={j.id === selectedId} />
          ))}
          {list.length === 0 && (
            <div className="empty">
              {loaded
                ? 'No jobs yet. Run a command on hosts (the button above, or on a host’s page): it shows up here with its steps and log.'
                : 'Loading the jobs…'}
            </div>
          )}
        </div>
        {selectedId ? (
          <JobDetail key={selectedId} id={selectedId} />
        ) : (
          <div className="job-detail empty">
            The job you pick shows here: its steps, progress and live log.
          </div>
        )}
      </div>
      {dialog && <RunCommandDialog onClose={() => setDialog(false)} />}
    </div>
  );
}
