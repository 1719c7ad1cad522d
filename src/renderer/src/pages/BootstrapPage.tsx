// Bootstrap runs: the history (all hosts or one), and one run live — a column per host with its
// tasks in order as they happen, the current one highlighted, each expandable to its message,
// diff and output; approve a finished preview, cancel, re-run (only the failed hosts), compare two
// runs, read a host's raw Ansible output.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type {
  BootstrapHostRun,
  BootstrapRun,
  BootstrapRunSummary,
  BootstrapTask,
} from '../../../shared/api/bootstrap-domain';
import { api } from '../api';
import { Progress } from '../components/JobProgress';
import { Modal } from '../components/Modal';
import { useNow } from '../hooks/useNow';
import { hostProgress, mergeEvents, statusLabel } from '../lib/bootstrap-view';
import { errorText, nextStep } from '../lib/errors';
import { formatAgo, formatDuration, formatTimestamp } from '../lib/format';
import { openJob } from '../state/jobs';
import { useUi } from '../state/ui-store';

const RUN_LABEL: Record<BootstrapRun['state'], string> = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

function Counts({ c }: { c: BootstrapRunSummary['hosts'][number]['counts'] }): React.JSX.Element {
  return (
    <span className="bs-counts mono small">
      <span className="ok">ok {c.ok}</span> <span className="changed">changed {c.changed}</span>{' '}
      <span className={c.failed ? 'failed' : 'dim'}>failed {c.failed}</span>{' '}
      <span className="dim">skipped {c.skipped}</span>
      {c.unreachable ? <span className="failed"> unreachable {c.unreachable}</span> : null}
    </span>
  );
}

function RunsList(props: { hostFilter?: number }): React.JSX.Element {
  const openBootstrap = useUi((s) => s.openBootstrap);
  const askBootstrap = useUi((s) => s.askBootstrap);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const runs = useQuery({
    queryKey: ['bootstrap', 'runs', props.hostFilter ?? null],
    queryFn: () =>
      api.bootstrap.runs({ limit: 200, ...(props.hostFilter ? { hostId: props.hostFilter } : {}) }),
    refetchInterval: 5000,
  });
  const [compare, setCompare] = useState<string[]>([]);
  const now = useNow(30_000);
  const hostName = hosts.data?.find((h) => h.id === props.hostFilter)?.name;
  return (
    <div className="page" data-testid="bootstrap-runs">
      <div className="page-head">
        <div>
          <h1>Bootstrap{hostName ? ` — ${hostName}` : ''}</h1>
          <div className="facts">
            <span>Runs of the bundled Ansible roles: previews and applies, newest first.</span>
          </div>
        </div>
        <div className="toolbar">
          {props.hostFilter !== undefined && (
            <button className="btn" onClick={() => openBootstrap({})}>
              All hosts
            </button>
          )}
          <button
            className="btn"
            data-testid="bootstrap-compare"
            disabled={compare.length !== 2}
            title="Pick two runs (the boxes on the left) to see which tasks changed between them"
            onClick={() => setCompare((c) => [...c])}
          >
            Compare {compare.length}/2
          </button>
          <button
            className="btn primary"
            data-testid="bootstrap-new"
            disabled={!hosts.data?.length}
            onClick={() => askBootstrap(props.hostFilter !== undefined ? [props.hostFilter] : [])}
          >
            Bootstrap…
          </button>
        </div>
      </div>
      {runs.error && <div className="banner error">{errorText(runs.error)}</div>}
      {runs.data?.length === 0 && (
        <div className="empty">
          No bootstrap run yet. Press Bootstrap… (or pick hosts in the sidebar with Ctrl+click) to preview
          what the roles would do.
        </div>
      )}
      {!!runs.data?.length && (
        <table className="grid bs-runs">
          <thead>
            <tr>
              <th />
              <th>When</th>
              <th>What</th>
              <th>Hosts</th>
              <th>Result</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr
                key={r.id}
                className="clickable"
                data-testid="bootstrap-run-row"
                onClick={() => openBootstrap({ runId: r.id })}
              >
                <td onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    aria-label="pick for comparison"
                    checked={compare.includes(r.id)}
                    onChange={(e) =>
                      setCompare((c) =>
                        e.target.checked ? [...c.slice(-1), r.id] : c.filter((x) => x !== r.id),
                      )
                    }
                  />
                </td>
                <td title={formatTimestamp(r.createdAt)}>{formatAgo(r.createdAt, now)}</td>
                <td>
                  <span className={`pill mode-${r.mode}`}>{r.mode === 'check' ? 'preview' : 'apply'}</span>{' '}
                  {r.roles.join(', ')}
                  {r.approvedAs && <span className="dim small"> · approved</span>}
                  {r.previewOf && <span className="dim small"> · from a preview</span>}
                </td>
                <td>
                  {r.hosts.map((h) => (
                    <span key={h.hostId} className={`bs-host-chip ${h.state}`} title={h.state}>
                      {h.hostName}
                    </span>
                  ))}
                </td>
                <td>
                  <span className={`job-line-state ${r.state}`} data-testid="bootstrap-run-state">
                    {RUN_LABEL[r.state]}
                  </span>{' '}
                  {r.hosts.length === 1 && <Counts c={r.hosts[0]!.counts} />}
                </td>
                <td className="dim small">{r.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {compare.length === 2 && <CompareHint a={compare[0]!} b={compare[1]!} onClose={() => setCompare([])} />}
    </div>
  );
}

function CompareHint(props: { a: string; b: string; onClose: () => void }): React.JSX.Element {
  const [show, setShow] = useState(false);
  return (
    <>
      <div className="banner info">
        Two runs picked.{' '}
        <button className="link" data-testid="bootstrap-compare-show" onClick={() => setShow(true)}>
          Show which tasks differ
        </button>
      </div>
      {show && (
        <CompareDialog
          a={props.a}
          b={props.b}
          onClose={() => {
            setShow(false);
            props.onClose();
          }}
        />
      )}
    </>
  );
}

function CompareDialog(props: { a: string; b: string; onClose: () => void }): React.JSX.Element {
  const cmp = useQuery({
    queryKey: ['bootstrap', 'compare', props.a, props.b],
    queryFn: () => api.bootstrap.compare({ a: props.a, b: props.b }),
  });
  return (
    <Modal title="Compare two runs" onClose={props.onClose} wide testId="bootstrap-compare-dialog">
      {cmp.error && <div className="banner error">{errorText(cmp.error)}</div>}
      {cmp.data && cmp.data.rows.length === 0 && (
        <div className="empty">
          The two runs share no host, or every task ended the same way with nothing changed.
        </div>
      )}
      {cmp.data && cmp.data.rows.length > 0 && (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Host</th>
              <th>Task</th>
              <th>First run</th>
              <th>Second run</th>
            </tr>
          </thead>
          <tbody>
            {cmp.data.rows.map((r, i) => (
              <tr key={i} data-testid="compare-row">
                <td>{r.hostName}</td>
                <td>
                  {r.role && <span className="dim">{r.role} : </span>}
                  {r.task}
                </td>
                <td className={`bs-status ${r.a ?? 'none'}`}>{r.a ?? '—'}</td>
                <td className={`bs-status ${r.b ?? 'none'}`}>{r.b ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Modal>
  );
}

function TaskRow(props: { t: BootstrapTask; preview: boolean; current: boolean }): React.JSX.Element {
  const { t } = props;
  const [open, setOpen] = useState(t.status === 'failed');
  const ref = useRef<HTMLDivElement>(null);
  const current = props.current;
  useEffect(() => {
    if (current) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [current]);
  const hasMore = Boolean(t.msg || t.detail);
  return (
    <div
      ref={ref}
      className={`bs-task ${t.status} ${props.current ? 'current' : ''}`}
      data-testid="bootstrap-task"
      data-status={t.status}
    >
      <button
        className="bs-task-line"
        onClick={() => setOpen(!open)}
        disabled={!hasMore}
        title={hasMore ? 'Details' : undefined}
      >
        <span className={`bs-status ${t.status}`}>{statusLabel(t.status, props.preview)}</span>
        <span className="bs-task-name">
          {t.role && <span className="dim">{t.role} : </span>}
          {t.handler && <span className="dim">handler </span>}
          {t.name}
        </span>
        <span className="dim small mono">{t.durationMs !== null ? formatDuration(t.durationMs) : ''}</span>
      </button>
      {open && hasMore && (
        <div className="bs-task-detail">
          {t.msg && <div className={t.status === 'failed' ? 'field-error' : ''}>{t.msg}</div>}
          {t.detail?.diff && <pre className="bs-diff">{t.detail.diff}</pre>}
          {t.detail?.stdout && (
            <>
              <div className="dim small">stdout</div>
              <pre>{t.detail.stdout}</pre>
            </>
          )}
          {t.detail?.stderr && (
            <>
              <div className="dim small">stderr</div>
              <pre>{t.detail.stderr}</pre>
            </>
          )}
          {t.detail?.items && (
            <ul className="bs-items">
              {t.detail.items.map((it, i) => (
                <li key={i}>
                  <span className={`bs-status ${it.status}`}>{statusLabel(it.status, props.preview)}</span>{' '}
                  {it.item}
                  {it.msg ? <span className="dim"> — {it.msg}</span> : null}
                </li>
              ))}
            </ul>
          )}
          {t.detail?.exception && (
            <details>
              <summary className="dim small">Python traceback</summary>
              <pre>{t.detail.exception}</pre>
            </details>
          )}
        </div>
      )}
    </div>
  );
}

function HostColumn(props: { runId: string; h: BootstrapHostRun; preview: boolean }): React.JSX.Element {
  const { h } = props;
  const [log, setLog] = useState(false);
  const running = h.tasks.findLast((t) => t.status === 'running');
  return (
    <section
      className={`bs-col ${h.state}`}
      data-testid={`bootstrap-host-${h.hostName}`}
      data-state={h.state}
    >
      <header className="bs-col-head">
        <div className="bs-col-title">
          <b>{h.hostName}</b>{' '}
          <span className={`job-line-state ${h.state}`} data-testid="bootstrap-host-state">
            {h.state}
          </span>
        </div>
        <Progress
          value={hostProgress(h)}
          state={h.state === 'succeeded' ? 'succeeded' : FINAL_HOST.has(h.state) ? 'failed' : 'running'}
          mini
        />
        <Counts c={h.counts} />
        {h.message && h.state !== 'succeeded' && (
          <div className={`bs-col-msg ${h.state}`} data-testid="bootstrap-host-message">
            {h.message}
          </div>
        )}
        <div className="bs-col-tools">
          <span className="dim small">
            {h.tasks.length} task{h.tasks.length === 1 ? '' : 's'}
            {h.startedAt && h.endedAt ? ` in ${formatDuration(h.endedAt - h.startedAt)}` : ''}
            {h.exitCode !== null ? ` · exit ${h.exitCode}` : ''}
          </span>
          <button className="link small" data-testid="bootstrap-raw-log" onClick={() => setLog(true)}>
            Raw log
          </button>
        </div>
      </header>
      <div className="bs-tasks">
        {h.tasks.map((t) => (
          <TaskRow key={t.seq} t={t} preview={props.preview} current={t === running} />
        ))}
        {h.tasks.length === 0 && (
          <div className="dim small bs-empty">{h.message ?? 'Waiting for the first task…'}</div>
        )}
      </div>
      {log && (
        <RawLog runId={props.runId} hostId={h.hostId} hostName={h.hostName} onClose={() => setLog(false)} />
      )}
    </section>
  );
}

const FINAL_HOST = new Set(['failed', 'unreachable', 'cancelled', 'interrupted']);

function RawLog(props: {
  runId: string;
  hostId: number;
  hostName: string;
  onClose: () => void;
}): React.JSX.Element {
  const log = useQuery({
    queryKey: ['bootstrap', 'log', props.runId, props.hostId],
    queryFn: () => api.bootstrap.log({ runId: props.runId, hostId: props.hostId }),
  });
  return (
    <Modal
      title={`Ansible's output on ${props.hostName}`}
      onClose={props.onClose}
      wide
      testId="bootstrap-log-dialog"
    >
      {log.error && <div className="banner error">{errorText(log.error)}</div>}
      {log.data?.truncated && <div className="banner info">Only the end of a long output was kept.</div>}
      <pre className="bs-raw-log" data-testid="bootstrap-log-text">
        {log.data ? log.data.text || '(no output)' : 'Loading…'}
      </pre>
    </Modal>
  );
}

function RunView(props: { runId: string }): React.JSX.Element {
  const qc = useQueryClient();
  const openBootstrap = useUi((s) => s.openBootstrap);
  const openActivity = useUi((s) => s.openActivity);
  const key = ['bootstrap', 'run', props.runId];
  const run = useQuery({ queryKey: key, queryFn: () => api.bootstrap.get({ runId: props.runId }) });
  useEffect(() => {
    // Subscribe first, then read again: an event after the read is merged, one before it is in it.
    const off = api.streams.bootstrap.events({ runId: props.runId }, (events) => {
      if (events.some((e) => e.t === 'resync')) {
        void qc.invalidateQueries({ queryKey: key });
        return;
      }
      qc.setQueryData<BootstrapRun>(key, (old) => (old ? mergeEvents(old, events) : old));
      if (events.some((e) => e.t === 'run')) void qc.invalidateQueries({ queryKey: ['bootstrap'] });
    });
    void qc.invalidateQueries({ queryKey: key });
    return off;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.runId]);
  const act = useMutation({
    mutationFn: (what: 'approve' | 'cancel' | 'rerun' | 'rerunFailed') =>
      what === 'approve'
        ? api.bootstrap.approve({ runId: props.runId })
        : what === 'cancel'
          ? api.bootstrap.cancel({ runId: props.runId })
          : api.bootstrap.rerun({ runId: props.runId, onlyFailed: what === 'rerunFailed' }),
    onSuccess: (r, what) => {
      void qc.invalidateQueries({ queryKey: ['bootstrap'] });
      if (what !== 'cancel') openBootstrap({ runId: r.id });
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const r = run.data;
  if (run.error)
    return (
      <div className="page">
        <div className="banner error">{errorText(run.error)}</div>
      </div>
    );
  if (!r)
    return (
      <div className="page">
        <div className="empty">Loading the run…</div>
      </div>
    );
  const preview = r.mode === 'check';
  const done = r.hostRuns.reduce((n, h) => n + h.tasks.filter((t) => t.status !== 'running').length, 0);
  const expected = r.hostRuns.reduce((n, h) => n + Math.max(h.expectedTasks ?? 0, h.tasks.length), 0);
  const failedHosts = r.hosts.filter((h) => h.state !== 'succeeded').length;
  const wouldChange = r.hostRuns.reduce((n, h) => n + h.counts.changed, 0);
  return (
    <div className="page bs-run" data-testid="bootstrap-run" data-state={r.state} data-mode={r.mode}>
      <div className="page-head">
        <div>
          <h1>
            {preview ? 'Preview' : 'Bootstrap'}: {r.roles.join(', ')}{' '}
            <span className={`job-line-state ${r.state}`} data-testid="bootstrap-run-state">
              {RUN_LABEL[r.state]}
            </span>
          </h1>
          <div className="facts">
            <span>{r.hosts.map((h) => h.hostName).join(', ')}</span>
            <span title={formatTimestamp(r.createdAt)}>
              started {formatAgo(r.createdAt)} by {r.actor}
            </span>
            {r.endedAt && <span>took {formatDuration(r.endedAt - r.createdAt)}</span>}
            {Object.keys(r.vars).length > 0 && (
              <span className="mono small">
                {Object.entries(r.vars)
                  .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                  .join(' ')}
              </span>
            )}
            {r.previewOf && (
              <button className="link" onClick={() => openBootstrap({ runId: r.previewOf! })}>
                the preview it was approved from
              </button>
            )}
            {r.approvedAs && (
              <button className="link" onClick={() => openBootstrap({ runId: r.approvedAs! })}>
                applied as
              </button>
            )}
          </div>
        </div>
        <div className="toolbar">
          <button className="btn" onClick={() => openBootstrap({})}>
            All runs
          </button>
          <button className="btn" onClick={() => openJob(r.jobId)} data-testid="bootstrap-open-job">
            Job
          </button>
          <button className="btn" onClick={() => openActivity({ jobId: r.jobId })}>
            History
          </button>
          {r.state === 'running' && (
            <button
              className="btn danger"
              data-testid="bootstrap-cancel"
              disabled={act.isPending}
              onClick={() => {
                if (window.confirm('Stop the run on its hosts? Tasks already done stay done.'))
                  act.mutate('cancel');
              }}
            >
              Cancel
            </button>
          )}
          {r.state !== 'running' && (
            <>
              <button
                className="btn"
                data-testid="bootstrap-rerun"
                disabled={act.isPending}
                onClick={() => act.mutate('rerun')}
              >
                Run again
              </button>
              {r.hosts.length > 1 && failedHosts > 0 && (
                <button className="btn" disabled={act.isPending} onClick={() => act.mutate('rerunFailed')}>
                  Again on the {failedHosts} failed
                </button>
              )}
            </>
          )}
          {preview && r.state === 'succeeded' && !r.approvedAs && (
            <button
              className="btn primary"
              data-testid="bootstrap-approve"
              disabled={act.isPending}
              onClick={() => act.mutate('approve')}
            >
              Approve and apply
            </button>
          )}
        </div>
      </div>
      {act.error && (
        <div className="banner error">
          {errorText(act.error)}
          {nextStep(act.error) && <div className="next">{nextStep(act.error)}</div>}
        </div>
      )}
      {preview && r.state === 'succeeded' && !r.approvedAs && (
        <div className="banner info" data-testid="bootstrap-preview-summary">
          Preview done:{' '}
          {wouldChange === 0
            ? 'nothing would change'
            : `${wouldChange} task${wouldChange === 1 ? '' : 's'} would change something`}
          . Nothing was changed on the host{r.hosts.length === 1 ? '' : 's'} (Ansible itself may have been
          installed to run the preview). Approve to apply exactly these roles and variables.
        </div>
      )}
      <div className="bs-progress">
        <Progress
          value={r.state === 'running' ? Math.min(0.99, expected ? done / expected : 0) : 1}
          state={r.state === 'running' ? 'running' : r.state === 'succeeded' ? 'succeeded' : 'failed'}
          testId="bootstrap-progress"
        />
        <span className="dim small">
          {done} of ~{expected} tasks
        </span>
      </div>
      <div
        className="bs-cols"
        style={{ gridTemplateColumns: `repeat(${Math.min(r.hostRuns.length, 3)}, minmax(320px, 1fr))` }}
      >
        {r.hostRuns.map((h) => (
          <HostColumn key={h.hostId} runId={r.id} h={h} preview={preview} />
        ))}
      </div>
    </div>
  );
}

export function BootstrapPage(props: { runId?: string; hostFilter?: number }): React.JSX.Element {
  return props.runId ? (
    <RunView key={props.runId} runId={props.runId} />
  ) : (
    <RunsList hostFilter={props.hostFilter} />
  );
}
