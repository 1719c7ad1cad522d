// Every experiment on every host in one table, with what each uses now (read on its host every
// 10 s while the page shows), filtered by host and text; archived ones on request. Below, the
// archives in the local archive folder, each restorable onto a host.
import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useState } from 'react';
import type { Experiment, ExperimentArchive } from '../../../shared/api/experiments-domain';
import { api, ApiError } from '../api';
import { ExperimentDialog, followJob } from '../components/ExperimentDialog';
import { CancelButton, Modal } from '../components/Modal';
import { useNow } from '../hooks/useNow';
import { errorText, nextStep } from '../lib/errors';
import {
  EMPTY_EXPERIMENT_FILTER,
  filterExperiments,
  isBusy,
  nameProblem,
  nameTaken,
  sortArchives,
  sortExperiments,
  statusText,
  statusTone,
  usageById,
  usageCells,
  type ExperimentFilter,
} from '../lib/experiments-view';
import { formatAgo, formatBytes, formatTimestamp } from '../lib/format';
import { useUi } from '../state/ui-store';

export const USAGE_EVERY_MS = 10_000;

/** Every experiment (archived ones too; the page filters), re-read often while one is busy. */
export function useExperiments(hostId?: number): UseQueryResult<Experiment[]> {
  return useQuery({
    queryKey: ['experiments', 'list', hostId ?? null],
    queryFn: () => api.experiments.list({ includeArchived: true, ...(hostId ? { hostId } : {}) }),
    refetchInterval: (q) => (q.state.data?.some((e) => isBusy(e.status)) ? 3000 : 15_000),
  });
}

export function StatusPill(props: {
  e: Pick<Experiment, 'status' | 'failedStep' | 'message'>;
}): React.JSX.Element {
  const { e } = props;
  return (
    <span
      className={`pill ${statusTone(e.status)}`}
      data-testid="experiment-status"
      data-status={e.status}
      title={e.message ? `${statusText(e)}: ${e.message}` : statusText(e)}
    >
      {statusText(e)}
    </span>
  );
}

export function ExperimentsPage(): React.JSX.Element {
  const [f, setF] = useState<ExperimentFilter>(EMPTY_EXPERIMENT_FILTER);
  const [creating, setCreating] = useState(false);
  const openExperiment = useUi((s) => s.openExperiment);
  const openHost = useUi((s) => s.openHost);
  const now = useNow(30_000);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const list = useExperiments();
  const usage = useQuery({
    queryKey: ['experiments', 'usage', null],
    queryFn: () => api.experiments.usage({}),
    refetchInterval: USAGE_EVERY_MS,
  });
  const byId = usageById(usage.data);
  const all = list.data ?? [];
  const rows = sortExperiments(filterExperiments(all, f));
  const live = all.filter((e) => e.status !== 'archived' && e.status !== 'rolled-back');
  const failed = live.filter((e) => e.status === 'failed').length;
  const hostIds = new Set(all.map((e) => e.hostId));

  return (
    <div className="page" data-testid="experiments-page">
      <div className="page-head">
        <div>
          <h1>Experiments</h1>
          <div className="facts">
            <span>
              {live.length} experiment{live.length === 1 ? '' : 's'} on{' '}
              {new Set(live.map((e) => e.hostId)).size} host
              {new Set(live.map((e) => e.hostId)).size === 1 ? '' : 's'}
            </span>
            {failed > 0 && <span className="err">{failed} failed: open one to resume or roll it back</span>}
            {usage.dataUpdatedAt > 0 && (
              <span className="dim">usage as of {formatTimestamp(usage.dataUpdatedAt).slice(11)}</span>
            )}
          </div>
        </div>
        <div className="toolbar">
          <button
            className="btn primary"
            data-testid="experiment-new"
            disabled={!hosts.data?.length}
            title={
              hosts.data?.length
                ? 'A Linux user with its own database, repo and environment'
                : 'Add a host first'
            }
            onClick={() => setCreating(true)}
          >
            New experiment
          </button>
        </div>
      </div>
      <div className="filters">
        <label>
          host
          <select
            data-testid="experiments-host"
            value={f.hostId ?? ''}
            onChange={(e) => setF({ ...f, hostId: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">all</option>
            {(hosts.data ?? [])
              .filter((h) => hostIds.has(h.id))
              .map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
          </select>
        </label>
        <input
          placeholder="name, description, user…"
          aria-label="Filter experiments"
          data-testid="experiments-text"
          value={f.text}
          onChange={(e) => setF({ ...f, text: e.target.value })}
        />
        <label className="check">
          <input
            type="checkbox"
            data-testid="experiments-show-archived"
            checked={f.showArchived}
            title="Also those archived into the local folder or rolled back"
            onChange={(e) => setF({ ...f, showArchived: e.target.checked })}
          />{' '}
          Show archived
        </label>
      </div>
      {list.error && (
        <div className="banner error">
          Could not list the experiments: {errorText(list.error)}
          {nextStep(list.error) && <div className="next">{nextStep(list.error)}</div>}
        </div>
      )}
      {usage.error && (
        <div className="dim small" data-testid="experiments-usage-error">
          Usage could not be read ({errorText(usage.error)}); the figures show “—” and are asked again every{' '}
          {USAGE_EVERY_MS / 1000} s.
        </div>
      )}
      <div className="table-wrap">
        <table className="grid compact exp-table" data-testid="experiments-table">
          <thead>
            <tr>
              <th style={{ width: '14%' }}>Name</th>
              <th style={{ width: '10%' }}>Host</th>
              <th style={{ width: '19%' }}>Status</th>
              <th style={{ width: '8%' }}>Created</th>
              <th style={{ width: '11%' }}>Last login</th>
              <th className="num">DB size</th>
              <th className="num">Disk</th>
              <th className="num">CPU</th>
              <th className="num">Memory</th>
              <th className="num">GPU mem</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => {
              const u = byId.get(e.id);
              const c = usageCells(e.status === 'archived' || e.status === 'rolled-back' ? undefined : u);
              const tip = c.error ? `Could not read everything on ${e.hostName}: ${c.error}` : undefined;
              return (
                <tr
                  key={e.id}
                  className="clickable"
                  tabIndex={0}
                  data-testid="experiment-row"
                  data-name={e.name}
                  onClick={() => openExperiment(e.id)}
                  onKeyDown={(ev) => {
                    if (ev.key === 'Enter') openExperiment(e.id);
                  }}
                >
                  <td title={e.description || e.linuxUser}>
                    <b>{e.name}</b>
                    {e.description && <span className="dim small"> {e.description}</span>}
                  </td>
                  <td>
                    <button
                      className="link-btn"
                      onClick={(ev) => {
                        ev.stopPropagation();
                        openHost(e.hostId, e.hostName);
                      }}
                    >
                      {e.hostName}
                    </button>
                  </td>
                  <td>
                    <StatusPill e={e} />
                  </td>
                  <td title={formatTimestamp(e.createdAt)}>{formatAgo(e.createdAt, now)}</td>
                  <td title={tip}>{c.lastLogin}</td>
                  <td className="num" title={tip}>
                    {c.database}
                  </td>
                  <td className="num" title={tip}>
                    {c.disk}
                  </td>
                  <td className="num" title={tip}>
                    {c.cpu}
                  </td>
                  <td className="num" title={tip}>
                    {c.memory}
                  </td>
                  <td
                    className="num"
                    title={tip ?? (c.gpuMemory === '—' ? 'No GPU figures for this host' : undefined)}
                  >
                    {c.gpuMemory}
                    {c.error && (
                      <span className="exp-usage-warn" aria-label="some figures unreadable">
                        {' '}
                        ⚠
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {list.isPending && <div className="empty">Reading the experiments…</div>}
        {list.data && all.length === 0 && (
          <div className="empty">
            No experiment yet. Press New experiment: it makes a Linux user <code>exp-&lt;name&gt;</code> on a
            bootstrapped host with its own PostgreSQL database, Git repository and environment.
          </div>
        )}
        {list.data && all.length > 0 && rows.length === 0 && (
          <div className="empty">
            No experiment matches{!f.showArchived ? ' (archived ones are hidden: tick Show archived)' : ''}.
          </div>
        )}
      </div>
      <Archives experiments={all} />
      {creating && (
        <ExperimentDialog
          {...(f.hostId !== null ? { hostId: f.hostId } : {})}
          onClose={() => setCreating(false)}
        />
      )}
    </div>
  );
}

function Archives(props: { experiments: Experiment[] }): React.JSX.Element {
  const archives = useQuery({
    queryKey: ['experiments', 'archives'],
    queryFn: () => api.experiments.archives({}),
  });
  const [restoring, setRestoring] = useState<ExperimentArchive | null>(null);
  const now = useNow(60_000);
  const list = sortArchives(archives.data ?? []);
  return (
    <section className="exp-archives" data-testid="experiment-archives">
      <h2>Archives</h2>
      {archives.error && (
        <div className="banner error">
          Could not read the local archive folder: {errorText(archives.error)}
        </div>
      )}
      {archives.data && list.length === 0 && (
        <div className="dim small">
          No archive yet. Archiving an experiment (on its page) keeps its code, database dump and optionally
          its home here, and removes it from the host.
        </div>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="grid compact">
            <thead>
              <tr>
                <th style={{ width: '20%' }}>Name</th>
                <th style={{ width: '14%' }}>From host</th>
                <th style={{ width: '14%' }}>When</th>
                <th className="num" style={{ width: '10%' }}>
                  Size
                </th>
                <th>Files</th>
                <th style={{ width: 90 }} />
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id} data-testid="archive-row" data-id={a.id}>
                  <td title={a.path}>
                    <b>{a.manifest.experiment.name}</b>
                    {a.manifest.experiment.description && (
                      <span className="dim small"> {a.manifest.experiment.description}</span>
                    )}
                  </td>
                  <td>{a.manifest.host}</td>
                  <td title={formatTimestamp(a.manifest.createdAt)}>
                    {formatAgo(a.manifest.createdAt, now)}{' '}
                    <span className="dim small">by {a.manifest.createdBy}</span>
                  </td>
                  <td className="num">{formatBytes(a.totalBytes)}</td>
                  <td
                    className="mono small"
                    title={a.manifest.files
                      .map((x) => `${x.name}  ${formatBytes(x.bytes)}  sha256 ${x.sha256}`)
                      .join('\n')}
                  >
                    {a.manifest.files.map((x) => x.name).join(', ')}
                  </td>
                  <td>
                    <button
                      className="btn small"
                      data-testid="archive-restore"
                      onClick={() => setRestoring(a)}
                    >
                      Restore…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {restoring && (
        <RestoreDialog
          archive={restoring}
          experiments={props.experiments}
          onClose={() => setRestoring(null)}
        />
      )}
    </section>
  );
}

function RestoreDialog(props: {
  archive: ExperimentArchive;
  experiments: Experiment[];
  onClose: () => void;
}): React.JSX.Element {
  const { archive } = props;
  const qc = useQueryClient();
  const openExperiment = useUi((s) => s.openExperiment);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const from = hosts.data?.find((h) => h.name === archive.manifest.host);
  const [hostId, setHostId] = useState<number | null>(null);
  const [newName, setNewName] = useState('');
  const target = hostId ?? from?.id ?? null;
  const name = newName.trim() || archive.manifest.experiment.name;
  const problem = newName.trim() ? nameProblem(newName.trim()) : null;
  const taken = target !== null && nameTaken(props.experiments, target, name);
  const targetName = hosts.data?.find((h) => h.id === target)?.name;
  const restore = useMutation({
    mutationFn: () =>
      api.experiments.restore({
        archive: archive.id,
        hostId: target!,
        ...(newName.trim() ? { name: newName.trim() } : {}),
      }),
    onSuccess: (r) => {
      void followJob(r.jobId);
      qc.setQueryData(['experiments', 'get', r.experiment.id], r.experiment);
      void qc.invalidateQueries({ queryKey: ['experiments'] });
      openExperiment(r.experiment.id);
      props.onClose();
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const err = restore.error;
  const nameErr = err instanceof ApiError && err.field === 'name' ? errorText(err) : null;
  return (
    <Modal
      title={`Restore ${archive.manifest.experiment.name}`}
      onClose={props.onClose}
      testId="restore-dialog"
    >
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          if (target !== null && !problem && !restore.isPending) restore.mutate();
        }}
      >
        <label htmlFor="f-restore-host">Onto host</label>
        <select
          id="f-restore-host"
          data-testid="restore-host"
          value={target ?? ''}
          onChange={(e) => setHostId(e.target.value ? Number(e.target.value) : null)}
        >
          <option value="">pick a host…</option>
          {(hosts.data ?? []).map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
              {h.name === archive.manifest.host ? ' (where it came from)' : ''}
            </option>
          ))}
        </select>
        <label htmlFor="f-restore-name">New name</label>
        <div>
          <input
            id="f-restore-name"
            className="mono"
            data-testid="restore-name"
            value={newName}
            placeholder={archive.manifest.experiment.name}
            spellCheck={false}
            onChange={(e) => setNewName(e.target.value)}
          />
          {problem && <div className="field-error inline">Name {problem}.</div>}
          {!problem && taken && (
            <div className="field-error inline">
              {targetName} already has an experiment named {name}: give this one a new name.
            </div>
          )}
          {nameErr && <div className="field-error inline">{nameErr}</div>}
          <div className="hint">
            Optional. Restores as Linux user <code>exp-{name}</code>: the user, role and database are made
            again, the code pushed back and the database loaded from its dump
            {archive.manifest.files.some((x) => x.name.includes('home')) ? ', the home unpacked' : ''}.
          </div>
        </div>
        {err && !nameErr && (
          <div className="banner error span2" data-testid="restore-error">
            Could not restore {archive.manifest.experiment.name}
            {targetName ? ` onto ${targetName}` : ''}: {errorText(err)}
            {nextStep(err) && <div className="next">{nextStep(err)}</div>}
          </div>
        )}
        <div className="actions span2">
          <CancelButton />
          <button
            className="btn primary"
            type="submit"
            data-testid="restore-start"
            disabled={target === null || !!problem || taken || restore.isPending}
          >
            {restore.isPending ? 'Starting…' : 'Restore'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
