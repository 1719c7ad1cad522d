// One experiment: its state and the job working on it (live steps), what to do when creating it
// failed (resume from the failed step, or roll back), the names it has on its host, a terminal as
// its user, its secrets (names only), what it uses now, port forwards, and archiving it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Experiment, ExperimentJobStarted } from '../../../shared/api/experiments-domain';
import type { JobInfo } from '../../../shared/api/domain';
import { api } from '../api';
import { CopyButton } from '../components/CopyButton';
import { followJob } from '../components/ExperimentDialog';
import { ForwardsPanel } from '../components/ForwardsPanel';
import { JobLine } from '../components/JobProgress';
import { CancelButton, Modal } from '../components/Modal';
import { useNow } from '../hooks/useNow';
import { errorText, nextStep } from '../lib/errors';
import {
  canResume,
  cloneCommand,
  databaseUrl,
  isBusy,
  isGone,
  limitsText,
  OPERATION_LABEL,
  secretNameProblem,
  stepsOf,
  stepTitle,
  usageCells,
} from '../lib/experiments-view';
import { formatAgo, formatBytes, formatDuration, formatTimestamp } from '../lib/format';
import { isActive } from '../lib/jobs';
import { useJobs } from '../state/jobs';
import { useUi } from '../state/ui-store';
import { StatusPill, USAGE_EVERY_MS } from './ExperimentsPage';

/** The error of a call about this experiment: what failed, where, and what to do next. */
function ErrorBanner(props: {
  what: string;
  e: Experiment;
  err: unknown;
  testId?: string;
}): React.JSX.Element {
  return (
    <div className="banner error" data-testid={props.testId}>
      Could not {props.what} {props.e.name} on {props.e.hostName}: {errorText(props.err)}
      {nextStep(props.err) && <div className="next">{nextStep(props.err)}</div>}
    </div>
  );
}

/** The job's steps as they go; before the job is known, its kind's steps from the experiment. */
function Steps(props: { e: Experiment; job: JobInfo | undefined }): React.JSX.Element {
  const { e, job } = props;
  const now = useNow(job && isActive(job.state) ? 1000 : 3_600_000);
  const rows = job?.steps.length
    ? job.steps.map((s) => ({
        name: s.name,
        state: s.state,
        took: s.startedAt ? formatDuration(Math.max(0, (s.endedAt ?? now) - s.startedAt)) : '—',
        detail: s.detail,
      }))
    : stepsOf(e.operation).map((s) => ({
        name: s,
        state: e.doneSteps.includes(s) ? 'succeeded' : e.failedStep === s ? 'failed' : 'pending',
        took: '—',
        detail: e.failedStep === s ? e.message : null,
      }));
  return (
    <div className="table-wrap exp-steps">
      <table className="grid compact" data-testid="experiment-steps">
        <thead>
          <tr>
            <th style={{ width: '32%' }}>Step</th>
            <th style={{ width: 100 }}>State</th>
            <th style={{ width: 84 }} className="num">
              Duration
            </th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr
              key={s.name}
              className={`job-step ${s.state}`}
              data-testid="experiment-step"
              data-step={s.name}
              data-state={s.state}
            >
              <td title={s.name}>{stepTitle(s.name)}</td>
              <td>
                <span className={`pill step-st ${s.state}`}>{s.state}</span>
              </td>
              <td className="num">{s.took}</td>
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

/** "step 2 of 5: " for a failed step of its job's kind. */
function stepPlace(e: Experiment): string {
  const steps = stepsOf(e.operation);
  const i = e.failedStep ? steps.indexOf(e.failedStep) : -1;
  return i < 0 ? '' : `step ${i + 1} of ${steps.length}: `;
}

export function ExperimentPage({ id }: { id: number }): React.JSX.Element {
  const qc = useQueryClient();
  const openExperiment = useUi((s) => s.openExperiment);
  const openHost = useUi((s) => s.openHost);
  const openTerminal = useUi((s) => s.openTerminal);
  const openActivity = useUi((s) => s.openActivity);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const key = ['experiments', 'get', id];
  const q = useQuery({
    queryKey: key,
    queryFn: () => api.experiments.get({ id }),
    refetchInterval: (qq) => (qq.state.data && isBusy(qq.state.data.status) ? 2000 : 15_000),
  });
  const e = q.data;
  const jobId = e?.jobId ?? null;
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));
  const jobKnown = job !== undefined;
  // A job from before this session: ask for it once, so its steps and outcome show.
  const [lostJob, setLostJob] = useState<string | null>(null);
  useEffect(() => {
    if (jobId && !jobKnown)
      void followJob(jobId).then((found) => {
        if (!found) setLostJob(jobId);
      });
  }, [jobId, jobKnown]);
  // The job's end changes the experiment (ready, failed, archived): read it again then.
  const jobState = job?.state;
  useEffect(() => {
    if (jobState && !isActive(jobState)) void qc.invalidateQueries({ queryKey: ['experiments'] });
  }, [jobState, qc]);

  const started = (r: ExperimentJobStarted): void => {
    void followJob(r.jobId);
    qc.setQueryData(key, r.experiment);
    void qc.invalidateQueries({ queryKey: ['experiments'] });
  };
  const act = useMutation({
    mutationFn: (what: 'resume' | 'rollback') =>
      what === 'resume' ? api.experiments.resume({ id }) : api.experiments.rollback({ id }),
    onSuccess: started,
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const [archiving, setArchiving] = useState(false);

  if (q.error)
    return (
      <div className="page">
        <div className="banner error">
          Could not read experiment #{id}: {errorText(q.error)}
          {nextStep(q.error) && <div className="next">{nextStep(q.error)}</div>}
        </div>
        <div>
          <button className="btn" onClick={() => openExperiment(null)}>
            All experiments
          </button>
        </div>
      </div>
    );
  if (!e)
    return (
      <div className="page">
        <div className="empty">Loading the experiment…</div>
      </div>
    );

  const host = hosts.data?.find((h) => h.id === e.hostId);
  const gone = isGone(e.status);
  // While its user is being made (or removed) a shell as it may not work yet (or any more).
  const hasUser =
    !gone &&
    e.status !== 'rolling-back' &&
    ((e.status !== 'creating' && e.status !== 'restoring') || e.doneSteps.includes('user'));
  const clone = cloneCommand(e, host);

  return (
    <div className="page exp-page" data-testid="experiment-page" data-status={e.status}>
      <div className="page-head">
        <div>
          <h1>
            {e.name} <StatusPill e={e} />
          </h1>
          <div className="facts">
            <button
              className="link-btn"
              data-testid="experiment-host-link"
              onClick={() => openHost(e.hostId, e.hostName)}
            >
              {e.hostName}
            </button>
            <span>
              template {e.template}
              {e.packages.length > 0 && ` (${e.packages.join(' ')})`}
            </span>
            <span>limits: {limitsText(e.limits)}</span>
            <span title={formatTimestamp(e.createdAt)}>
              created {formatAgo(e.createdAt)} by {e.createdBy}
            </span>
            {e.archivedAt && (
              <span title={formatTimestamp(e.archivedAt)}>archived {formatAgo(e.archivedAt)}</span>
            )}
          </div>
          {e.description && <p className="exp-desc">{e.description}</p>}
        </div>
        <div className="toolbar">
          <button className="btn" onClick={() => openExperiment(null)}>
            All experiments
          </button>
          <button
            className="btn primary"
            data-testid="experiment-terminal"
            disabled={!hasUser}
            title={
              hasUser
                ? `A shell on ${e.hostName} as ${e.linuxUser} (via su or sudo -i)`
                : 'Its Linux user does not exist on the host'
            }
            onClick={() => openTerminal(e.hostId, e.hostName, e.linuxUser)}
          >
            Open terminal
          </button>
          <button
            className="btn"
            data-testid="experiment-history"
            title="What the history recorded about this experiment"
            onClick={() => openActivity({ experimentId: e.id })}
          >
            History
          </button>
          <button
            className="btn danger"
            data-testid="experiment-archive"
            disabled={e.status !== 'ready'}
            title={
              e.status === 'ready'
                ? 'Keep it in a local folder and remove it from the host'
                : 'Only a ready experiment can be archived'
            }
            onClick={() => setArchiving(true)}
          >
            Archive…
          </button>
        </div>
      </div>

      {(job || e.jobId) && (
        <section className="panel" data-testid="experiment-job">
          <h2>{job && isActive(job.state) ? 'Working on it' : 'Last job'}</h2>
          {job ? (
            <JobLine id={job.id} testId="experiment-job-line" />
          ) : (
            <div className="dim small">
              {lostJob === e.jobId
                ? 'Labdeck no longer keeps this job (only the recent ones are kept); the history has what it did.'
                : `Reading job ${e.jobId}…`}
            </div>
          )}
          {job?.message && !isActive(job.state) && (
            <div
              className={job.state === 'succeeded' ? 'dim small' : 'err small'}
              data-testid="experiment-job-message"
            >
              {job.message}
            </div>
          )}
          <Steps e={e} job={job} />
        </section>
      )}
      {!e.jobId && e.status === 'failed' && <Steps e={e} job={undefined} />}

      {e.status === 'failed' && (
        <section className="panel danger" data-testid="experiment-failed">
          <h2>
            {OPERATION_LABEL[e.operation]} failed
            {e.failedStep ? ` at ${stepPlace(e)}${stepTitle(e.failedStep)}` : ''}
          </h2>
          <p className="exp-failed-msg" data-testid="experiment-failed-message">
            {e.message ?? "No message was recorded; the job's log (open in Jobs) says more."}
          </p>
          <p className="dim small">
            {canResume(e)
              ? `Resume runs the steps again from the failed one (each step is idempotent: fix the cause on ${e.hostName} first, e.g. in a terminal). `
              : ''}
            Roll back removes what is left on {e.hostName}: the user, home, role, database, repository and
            slice.
          </p>
          <div className="row">
            {canResume(e) && (
              <button
                className="btn primary"
                data-testid="experiment-resume"
                disabled={act.isPending}
                onClick={() => act.mutate('resume')}
              >
                Resume
              </button>
            )}
            <button
              className="btn danger"
              data-testid="experiment-rollback"
              disabled={act.isPending}
              onClick={() => {
                if (
                  window.confirm(
                    `Roll back ${e.name} on ${e.hostName}? This removes the Linux user ${e.linuxUser} with its home, the database ${e.database} and role, the repository and the slice. It cannot be undone.`,
                  )
                )
                  act.mutate('rollback');
              }}
            >
              Roll back…
            </button>
          </div>
        </section>
      )}
      {act.error && (
        <ErrorBanner
          what={act.variables === 'rollback' ? 'roll back' : 'resume'}
          e={e}
          err={act.error}
          testId="experiment-act-error"
        />
      )}
      {e.status !== 'failed' && e.message && !isBusy(e.status) && (
        // A failed archive leaves it ready, with why: that one is worth a red line.
        <div
          className={job?.state === 'failed' ? 'banner error' : 'dim small'}
          data-testid="experiment-message"
        >
          {e.message}
          {job?.state === 'failed' && e.status === 'ready' && (
            <div className="next">Nothing was removed; fix the cause on {e.hostName} and archive again.</div>
          )}
        </div>
      )}

      {!gone && <UsageTiles e={e} />}

      <div className="two-col">
        <section className="panel" data-testid="experiment-facts">
          <h2>On {e.hostName}</h2>
          <dl className="kv">
            <dt>Linux user</dt>
            <dd className="mono">{e.linuxUser}</dd>
            <dt>Home</dt>
            <dd className="mono">{e.home}</dd>
            <dt>Database</dt>
            <dd className="mono">
              {e.database} <span className="dim">(role {e.dbRole})</span>
            </dd>
            <dt>DATABASE_URL</dt>
            <dd className="mono" title="Set in the user's environment; the password is never shown here">
              {databaseUrl(e)}
            </dd>
            <dt>Repository</dt>
            <dd className="mono">
              {e.repo ? (
                <>
                  {e.repo.remote}{' '}
                  <span className="dim">({e.repo.kind === 'gitea' ? 'Gitea' : 'bare repo on the host'})</span>
                </>
              ) : (
                <span className="dim">none yet</span>
              )}
            </dd>
            {e.repo && (
              <>
                <dt>Work tree</dt>
                <dd className="mono">{e.repo.workTree}</dd>
              </>
            )}
            {clone && (
              <>
                <dt>Clone here</dt>
                <dd className="exp-clone">
                  <code data-testid="experiment-clone">{clone}</code>{' '}
                  <CopyButton text={clone} what="the git clone command" testId="experiment-clone-copy" />
                </dd>
              </>
            )}
            {e.archive && (
              <>
                <dt>Archive</dt>
                <dd className="mono">{e.archive}</dd>
              </>
            )}
          </dl>
          {clone && e.repo?.kind !== 'gitea' && (
            <p className="dim small">
              Cloning as {e.linuxUser} needs your SSH public key in its <code>~/.ssh/authorized_keys</code>{' '}
              (add it from the terminal).
            </p>
          )}
        </section>
        {!gone ? (
          <Secrets e={e} />
        ) : (
          <section className="panel dim">Archived or rolled back: nothing left on the host.</section>
        )}
      </div>

      {!gone && <ForwardsPanel hostId={e.hostId} experimentId={e.id} />}
      {archiving && <ArchiveDialog e={e} onStarted={started} onClose={() => setArchiving(false)} />}
    </div>
  );
}

function UsageTiles({ e }: { e: Experiment }): React.JSX.Element {
  const usage = useQuery({
    queryKey: ['experiments', 'usage', e.hostId],
    queryFn: () => api.experiments.usage({ hostId: e.hostId }),
    refetchInterval: USAGE_EVERY_MS,
  });
  const u = usage.data?.find((x) => x.experimentId === e.id);
  const c = usageCells(u);
  const tiles: { label: string; value: string; sub?: string }[] = [
    {
      label: 'CPU',
      value: c.cpu,
      ...(u ? { sub: `${u.processes} process${u.processes === 1 ? '' : 'es'}` } : {}),
    },
    {
      label: 'Memory',
      value: c.memory,
      ...(e.limits.memoryMiB !== null
        ? { sub: `of ${formatBytes(e.limits.memoryMiB * 1024 * 1024, 0)} max (limit)` }
        : {}),
    },
    {
      label: 'GPU memory',
      value: c.gpuMemory,
      ...(u && u.gpuMemoryMiB === null ? { sub: 'no GPU figures' } : {}),
    },
    { label: 'Disk (home)', value: c.disk },
    { label: 'DB size', value: c.database },
    { label: 'Last login', value: c.lastLogin },
  ];
  return (
    <section data-testid="experiment-usage">
      <div className="exp-usage">
        {tiles.map((t) => (
          <div key={t.label} className="tile" title={c.error ?? undefined}>
            <div className="tile-sub">{t.label}</div>
            <div className={`tile-value ${t.label === 'Last login' ? 'exp-login' : ''}`}>{t.value}</div>
            {t.sub && <div className="tile-sub">{t.sub}</div>}
          </div>
        ))}
      </div>
      {(usage.error || c.error) && (
        <div className="dim small" data-testid="experiment-usage-error">
          {usage.error
            ? `Could not read its usage on ${e.hostName}: ${errorText(usage.error)}. Trying again every ${USAGE_EVERY_MS / 1000} s.`
            : `Some figures could not be read on ${e.hostName}: ${c.error}`}
        </div>
      )}
    </section>
  );
}

function Secrets({ e }: { e: Experiment }): React.JSX.Element {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [multiline, setMultiline] = useState(false);
  const [reveal, setReveal] = useState(false);
  const saved = (x: Experiment): void => {
    qc.setQueryData(['experiments', 'get', e.id], x);
    void qc.invalidateQueries({ queryKey: ['experiments', 'list'] });
  };
  const set = useMutation({
    mutationFn: () => api.experiments.setSecret({ id: e.id, name, secret: value }),
    onSuccess: (x) => {
      saved(x);
      setName('');
      setValue('');
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const remove = useMutation({
    mutationFn: (n: string) => api.experiments.removeSecret({ id: e.id, name: n }),
    onSuccess: saved,
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const problem = name ? secretNameProblem(name) : null;
  const replacing = e.secretNames.includes(name);
  const canSave = !!name && !problem && value.length > 0 && !set.isPending;
  return (
    <section className="panel" data-testid="experiment-secrets">
      <h2>Secrets</h2>
      {e.secretNames.length === 0 ? (
        <p className="dim small">None yet. Each becomes an environment variable in the user's shell.</p>
      ) : (
        <ul className="exp-secrets">
          {e.secretNames.map((n) => (
            <li key={n} data-testid="experiment-secret" data-name={n}>
              <span className="mono">{n}</span>
              <span className="dim small">••••••</span>
              <button
                className="link-btn small"
                onClick={() => {
                  setName(n);
                  setValue('');
                }}
              >
                replace
              </button>
              <button
                className="link-btn small err"
                data-testid="experiment-secret-remove"
                disabled={remove.isPending}
                onClick={() => {
                  if (
                    window.confirm(
                      `Remove the secret ${n} from ${e.name}? New shells of ${e.linuxUser} no longer get it.`,
                    )
                  )
                    remove.mutate(n);
                }}
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="exp-secret-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (canSave) set.mutate();
        }}
      >
        <div className="row">
          <input
            className="mono"
            aria-label="Secret name"
            data-testid="experiment-secret-name"
            placeholder="API_TOKEN"
            autoComplete="off"
            spellCheck={false}
            value={name}
            onChange={(ev) => setName(ev.target.value.toUpperCase())}
          />
          {!multiline && (
            <input
              type={reveal ? 'text' : 'password'}
              aria-label="Secret value"
              data-testid="experiment-secret-value"
              placeholder="value"
              autoComplete="new-password"
              value={value}
              onChange={(ev) => setValue(ev.target.value)}
            />
          )}
          <button className="btn" type="submit" data-testid="experiment-secret-save" disabled={!canSave}>
            {set.isPending ? 'Saving…' : replacing ? 'Replace' : 'Add'}
          </button>
        </div>
        {multiline && (
          <textarea
            className={`mono ${reveal ? '' : 'exp-masked'}`}
            aria-label="Secret value"
            data-testid="experiment-secret-value"
            rows={4}
            spellCheck={false}
            autoComplete="off"
            placeholder="value (several lines, e.g. a key file)"
            value={value}
            onChange={(ev) => setValue(ev.target.value)}
          />
        )}
        <div className="row dim small">
          <label className="check">
            <input type="checkbox" checked={multiline} onChange={(ev) => setMultiline(ev.target.checked)} />{' '}
            several lines
          </label>
          <label className="check">
            <input type="checkbox" checked={reveal} onChange={(ev) => setReveal(ev.target.checked)} /> show
            while typing
          </label>
        </div>
        {problem && <div className="field-error inline">Name {problem}.</div>}
        <div className="hint">
          Kept encrypted by Labdeck and written to the user's 0600 env file on the host; values are never
          shown again.
        </div>
      </form>
      {set.error && <ErrorBanner what={`save the secret ${name} of`} e={e} err={set.error} />}
      {remove.error && (
        <ErrorBanner what={`remove the secret ${remove.variables ?? ''} of`} e={e} err={remove.error} />
      )}
    </section>
  );
}

function ArchiveDialog(props: {
  e: Experiment;
  onStarted: (r: ExperimentJobStarted) => void;
  onClose: () => void;
}): React.JSX.Element {
  const { e } = props;
  const qc = useQueryClient();
  const [includeHome, setIncludeHome] = useState(false);
  const [typed, setTyped] = useState('');
  const archive = useMutation({
    mutationFn: () => api.experiments.archive({ id: e.id, includeHome }),
    onSuccess: (r) => {
      props.onStarted(r);
      void qc.invalidateQueries({ queryKey: ['experiments', 'archives'] });
      props.onClose();
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const confirmed = typed === e.name;
  return (
    <Modal title={`Archive ${e.name}`} onClose={props.onClose} testId="archive-dialog" dirty={typed !== ''}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          if (confirmed && !archive.isPending) archive.mutate();
        }}
      >
        <p>
          Archiving pushes the commits in <code>{e.repo?.workTree ?? `~${e.linuxUser}`}</code> to its
          repository, dumps the database <code>{e.database}</code> with <code>pg_dump -Fc</code>, and
          downloads both{includeHome ? ' and a tarball of the home folder' : ''} with their SHA-256 into the
          local archive folder, with a manifest. Then the Linux user <code>{e.linuxUser}</code>, the role, the
          database and its files are <b>removed from {e.hostName}</b>. It can be restored later from the
          Experiments page.
        </p>
        {!includeHome && (
          <p className="dim small">
            Uncommitted changes and files outside the repository (data, checkpoints, the venv) are only kept
            with the home folder.
          </p>
        )}
        <label className="check exp-archive-home">
          <input
            type="checkbox"
            data-testid="archive-include-home"
            checked={includeHome}
            onChange={(ev) => setIncludeHome(ev.target.checked)}
          />{' '}
          <span>
            Include the home folder as a tarball (<code>{e.home}</code>: data, venv, caches — may be large)
          </span>
        </label>
        <label className="exp-archive-confirm">
          <span>
            Type <b className="mono">{e.name}</b> to confirm
          </span>
          <input
            className="mono"
            data-testid="archive-confirm"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(ev) => setTyped(ev.target.value)}
          />
        </label>
        {archive.error && <ErrorBanner what="archive" e={e} err={archive.error} testId="archive-error" />}
        <div className="actions">
          <CancelButton />
          <button
            className="btn danger"
            type="submit"
            data-testid="archive-start"
            disabled={!confirmed || archive.isPending}
          >
            {archive.isPending ? 'Starting…' : `Archive and remove from ${e.hostName}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}
