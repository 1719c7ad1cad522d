// Activity: the audit history as answers to questions. Filters combine (area or action, result,
// who, host, time, words); built-in and saved questions apply them in one click; rows of one job or
// terminal session can be read as a timeline; a row's details show its hashes and related rows;
// what is on screen can be exported. The filter lives on the tab, so it survives tab switches and
// other pages can open the history already filtered (a host's, a job's).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useRef, useState } from 'react';
import type {
  AuditCursor,
  AuditEvent,
  AuditFilterInput,
  AuditQuestion,
  JobInfo,
} from '../../../shared/api/domain';
import { api } from '../api';
import { AuditDetails, ResultPill } from '../components/AuditDetails';
import { CopyButton } from '../components/CopyButton';
import { follow, JobLine, useAuditJobs } from '../components/JobProgress';
import {
  actionChoice,
  cleanFilter,
  exportedFile,
  fromLocalInput,
  groupActions,
  sameFilter,
  spanLabel,
  TIME_PRESETS,
  timelineLabel,
  timelineOutcome,
  timelines,
  timePresetOf,
  toLocalInput,
  withActionChoice,
  withTimePreset,
  type Timeline,
  type TimePreset,
} from '../lib/audit-view';
import { errorText, fieldError } from '../lib/errors';
import { formatAgo, formatDuration, formatTimestamp } from '../lib/format';
import { openJob, useJobs } from '../state/jobs';
import { useUi } from '../state/ui-store';

const PAGE = 100;
const SEARCH_DEBOUNCE_MS = 300;
const NO_FILTER: AuditFilterInput = {};

/** Words typed here reach the filter once typing pauses, not with every key. */
function SearchBox(props: { value: string; onChange: (q: string) => void }): React.JSX.Element {
  const [text, setText] = useState(props.value);
  const [seen, setSeen] = useState(props.value);
  // A question applied from elsewhere brings its own words; what is being typed is not undone by
  // the echo of its own (trimmed) value.
  if (props.value !== seen) {
    setSeen(props.value);
    if (props.value !== text.trim()) setText(props.value);
  }
  const onChange = useRef(props.onChange);
  useEffect(() => {
    onChange.current = props.onChange;
  }, [props.onChange]);
  useEffect(() => {
    if (text.trim() === props.value) return;
    const t = setTimeout(() => onChange.current(text.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, props.value]);
  return (
    <input
      type="search"
      className="audit-search"
      data-testid="audit-search"
      placeholder="Search words: target, params, error…"
      aria-label="Search the history"
      value={text}
      maxLength={200}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && text) {
          e.stopPropagation();
          setText('');
        }
      }}
    />
  );
}

/** Parts of a filter the selects cannot show (from a question or a link): each removable. */
function chipsOf(f: AuditFilterInput): { key: keyof AuditFilterInput; label: string }[] {
  const chips: { key: keyof AuditFilterInput; label: string }[] = [];
  if (f.jobId) chips.push({ key: 'jobId', label: `job ${f.jobId.slice(0, 8)}` });
  if (f.sessionId) chips.push({ key: 'sessionId', label: `terminal session ${f.sessionId.slice(0, 8)}` });
  if (f.experimentId) chips.push({ key: 'experimentId', label: `experiment #${f.experimentId}` });
  if (f.runAs) chips.push({ key: 'runAs', label: `shells as ${f.runAs}` });
  if (f.targetSuffix) chips.push({ key: 'targetSuffix', label: `target ends “${f.targetSuffix.trim()}”` });
  if (f.secrets) chips.push({ key: 'secrets', label: 'a secret was given' });
  return chips;
}

function Filters(props: {
  filter: AuditFilterInput;
  onChange: (f: AuditFilterInput) => void;
  grouped: boolean;
  onGrouped: (g: boolean) => void;
  summary: string;
}): React.JSX.Element {
  const { filter: f, onChange } = props;
  const actions = useQuery({ queryKey: ['audit', 'actions'], queryFn: () => api.audit.actions() });
  const actors = useQuery({ queryKey: ['audit', 'actors'], queryFn: () => api.audit.actors() });
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const preset = timePresetOf(f);
  // A filter from a link may name an action or area this history has no row of yet.
  const known = actions.data ?? [];
  const choice = actionChoice(f);
  const groups = groupActions(f.action && !known.includes(f.action) ? [...known, f.action] : known);
  if (f.area && !groups.some((g) => g.area === f.area)) groups.push({ area: f.area, actions: [] });
  const actorList =
    f.actor && !actors.data?.includes(f.actor) ? [...(actors.data ?? []), f.actor] : actors.data;
  const chips = chipsOf(f);
  const badRange = f.from !== undefined && f.to !== undefined && f.from > f.to;

  return (
    <>
      <div className="filters audit-filters">
        <label>
          Area / action
          <select
            value={choice}
            onChange={(e) => onChange(withActionChoice(f, e.target.value))}
            data-testid="filter-action"
          >
            <option value="">All actions</option>
            {groups.map((g) => (
              <optgroup key={g.area} label={g.area}>
                <option value={`area:${g.area}`}>all of {g.area}</option>
                {g.actions.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          Result
          <select
            value={f.result ?? ''}
            onChange={(e) =>
              onChange({
                ...f,
                result: e.target.value === '' ? undefined : (e.target.value as 'ok' | 'error'),
              })
            }
            data-testid="filter-result"
          >
            <option value="">Any result</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
        </label>
        <label>
          Who
          <select
            value={f.actor ?? ''}
            onChange={(e) => onChange({ ...f, actor: e.target.value || undefined })}
            data-testid="filter-actor"
          >
            <option value="">Anyone</option>
            {actorList?.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Host
          <select
            value={f.hostId ?? ''}
            onChange={(e) => onChange({ ...f, hostId: e.target.value ? Number(e.target.value) : undefined })}
            data-testid="filter-host"
          >
            <option value="">Any host</option>
            {hosts.data?.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
            {f.hostId !== undefined && hosts.data && !hosts.data.some((h) => h.id === f.hostId) && (
              <option value={f.hostId}>host #{f.hostId} (removed)</option>
            )}
          </select>
        </label>
        <label>
          Time
          <select
            value={preset}
            onChange={(e) => {
              if (e.target.value === 'other') return;
              onChange(withTimePreset(f, e.target.value as TimePreset, Date.now()));
            }}
            data-testid="filter-time"
          >
            {TIME_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            {preset === 'other' && f.sinceMs !== undefined && (
              <option value="other">{spanLabel(f.sinceMs)}</option>
            )}
          </select>
        </label>
        {preset === 'custom' && (
          <>
            <label>
              From
              <input
                type="datetime-local"
                data-testid="filter-from"
                className={badRange ? 'invalid' : ''}
                value={toLocalInput(f.from)}
                onChange={(e) => onChange({ ...f, from: fromLocalInput(e.target.value) })}
              />
            </label>
            <label>
              To
              <input
                type="datetime-local"
                data-testid="filter-to"
                className={badRange ? 'invalid' : ''}
                value={toLocalInput(f.to)}
                onChange={(e) => {
                  // The input picks a minute: "to 10:17" means up to the end of it.
                  const to = fromLocalInput(e.target.value);
                  onChange({ ...f, to: to === undefined ? undefined : to + 59_999 });
                }}
              />
            </label>
          </>
        )}
        <label className="grow">
          Search
          <SearchBox value={f.q ?? ''} onChange={(q) => onChange({ ...f, q: q || undefined })} />
        </label>
      </div>
      <div className="audit-bar">
        <span className="dim audit-count" data-testid="audit-count">
          {props.summary}
        </span>
        <label className="check group-check">
          <input
            type="checkbox"
            data-testid="group-toggle"
            checked={props.grouped}
            onChange={(e) => props.onGrouped(e.target.checked)}
          />
          Group by job/session
        </label>
        {!sameFilter(f, {}) && (
          <button className="link-btn small" data-testid="filter-clear" onClick={() => onChange({})}>
            Clear filters
          </button>
        )}
        {(chips.length > 0 || badRange) && (
          <div className="filter-chips">
            {chips.map((c) => (
              <span key={c.key} className="chip" data-testid="filter-chip">
                {c.label}
                <button
                  className="chip-x"
                  aria-label={`Stop filtering by ${c.label}`}
                  onClick={() => onChange({ ...f, [c.key]: undefined })}
                >
                  ×
                </button>
              </span>
            ))}
            {badRange && <span className="err">“From” is after “To”: nothing can match.</span>}
          </div>
        )}
      </div>
    </>
  );
}

/** Counts stop at 10,001 on the server: past 10,000 the exact number is not worth the wait. */
const countText = (n: number): string => (n > 10_000 ? '10,000+' : n.toLocaleString('en'));

/** Built-in and saved questions with how many rows answer each; one click asks it. */
function Questions(props: {
  filter: AuditFilterInput;
  onApply: (f: AuditFilterInput) => void;
}): React.JSX.Element {
  const qc = useQueryClient();
  // The per-host question ("Changes to this host") is offered while one host is looked at.
  const hostId = props.filter.hostId;
  const questions = useQuery({
    queryKey: ['audit', 'questions', hostId ?? null],
    queryFn: () => api.audit.questions(hostId === undefined ? {} : { hostId }),
    refetchInterval: 10_000,
  });
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const save = useMutation({
    mutationFn: (n: string) => api.audit.saveQuestion({ name: n, filter: cleanFilter(props.filter) }),
    onSuccess: () => {
      setNaming(false);
      setName('');
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const remove = useMutation({
    mutationFn: (key: string) => api.audit.removeQuestion({ key }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const nameProblem = fieldError(save.error, 'name');

  return (
    <div className="questions" data-testid="questions">
      <span className="questions-label">Questions</span>
      {questions.data?.map((q: AuditQuestion) => {
        const on = sameFilter(q.filter, props.filter);
        return (
          <span
            key={q.key}
            className={`question ${on ? 'on' : ''} ${q.builtin ? 'builtin' : 'own'}`}
            data-testid="question"
            data-key={q.key}
            data-count={q.count}
          >
            <button
              className="question-apply"
              aria-pressed={on}
              title={on ? 'Showing this' : `Show the ${countText(q.count)} rows that answer this`}
              onClick={() => props.onApply(cleanFilter(q.filter))}
            >
              {q.name}
              <b className="question-count">{countText(q.count)}</b>
            </button>
            {!q.builtin && (
              <button
                className="question-remove"
                data-testid="question-remove"
                aria-label={`Remove the saved question ${q.name}`}
                title="Remove this saved question"
                disabled={remove.isPending}
                onClick={() => remove.mutate(q.key)}
              >
                ×
              </button>
            )}
          </span>
        );
      })}
      {questions.error && <span className="err">Could not count: {questions.error.message}</span>}
      {naming ? (
        <form
          className="question-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) save.mutate(name.trim());
          }}
        >
          <input
            autoFocus
            data-testid="question-name"
            placeholder="Name this view"
            aria-label="Name of the saved question"
            value={name}
            maxLength={64}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setNaming(false);
            }}
          />
          <button
            className="btn small primary"
            type="submit"
            data-testid="question-save"
            disabled={!name.trim() || save.isPending}
          >
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          <button className="btn small" type="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
          {(nameProblem ?? save.error) && (
            <span className="err" data-testid="question-error">
              {nameProblem ?? errorText(save.error)}
            </span>
          )}
        </form>
      ) : (
        <button
          className="link-btn"
          data-testid="save-question"
          title="Keep the filters on screen as a question of your own"
          onClick={() => {
            save.reset();
            setNaming(true);
          }}
        >
          Save this view…
        </button>
      )}
      {remove.error && <span className="err">Could not remove: {errorText(remove.error)}</span>}
    </div>
  );
}

/** Up and down move between rows, as in a list. */
function moveFocus(from: HTMLElement, dir: 1 | -1): void {
  const rows = [...(from.closest('tbody')?.querySelectorAll<HTMLElement>('tr.audit-row') ?? [])];
  rows[rows.indexOf(from) + dir]?.focus();
}

function Row(props: {
  e: AuditEvent;
  selected: boolean;
  onSelect: (id: number) => void;
  inTimeline?: boolean;
}): React.JSX.Element {
  const { e } = props;
  return (
    <tr
      className={`audit-row ${e.result} ${props.selected ? 'selected' : ''} ${props.inTimeline ? 'in-timeline' : ''}`}
      onClick={() => props.onSelect(e.id)}
      onKeyDown={(ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          props.onSelect(e.id);
        } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
          ev.preventDefault();
          moveFocus(ev.currentTarget, ev.key === 'ArrowDown' ? 1 : -1);
        }
      }}
      tabIndex={0}
      aria-selected={props.selected}
      data-testid="audit-row"
      data-id={e.id}
    >
      <td className="mono col-time" title={formatAgo(e.ts)}>
        {formatTimestamp(e.ts)}
      </td>
      <td className="mono col-action" title={e.action}>
        {e.action}
      </td>
      <td className="col-target" title={e.target}>
        {e.target}
      </td>
      <td className="col-result">
        <ResultPill e={e} />
      </td>
      <td className="num col-dur">{formatDuration(e.durationMs)}</td>
      <td className="dim col-who" title={e.actor}>
        {e.actor}
      </td>
    </tr>
  );
}

function TimelineHead(props: { g: Timeline; onOnly: () => void }): React.JSX.Element {
  const { g } = props;
  const title = useJobs((s) => (g.kind === 'job' ? s.byId[g.id]?.title : undefined));
  const outcome = timelineOutcome(g);
  const first = g.rows[0]!;
  return (
    <tr
      className={`timeline-head ${outcome}`}
      data-testid="timeline"
      data-kind={g.kind}
      data-outcome={outcome}
    >
      <td colSpan={6}>
        <span className="timeline-label">{timelineLabel(g, title)}</span>
        <span className="dim">
          {' '}
          · {g.rows.length} row{g.rows.length === 1 ? '' : 's'} · from {formatTimestamp(first.ts).slice(11)}
        </span>
        <button
          className="link-btn timeline-only"
          data-testid="timeline-only"
          title={`Show only this ${g.kind === 'job' ? 'job' : 'terminal session'}, with no other filter`}
          onClick={props.onOnly}
        >
          only this
        </button>
        {g.kind === 'job' && (
          <button className="link-btn timeline-only" onClick={() => openJob(g.id)}>
            open in Jobs
          </button>
        )}
      </td>
    </tr>
  );
}

/** The export's outcome: a download in browser mode, the path on the desktop. */
function ExportResult({ job, browser }: { job: JobInfo; browser: boolean }): React.JSX.Element {
  if (job.state !== 'succeeded') {
    return <span className="err">{job.message ?? `The export ${job.state}.`}</span>;
  }
  const file = exportedFile(job.message);
  if (!file) return <span>{job.message}</span>;
  return (
    <span className="export-result">
      <span>{job.message?.replace(/ to .+$/, '')}:</span>
      {browser && (
        <a
          className="btn small primary"
          href={`/downloads/${encodeURIComponent(file.name)}`}
          download={file.name}
          data-testid="export-download"
        >
          Download {file.name}
        </a>
      )}
      <code className="export-path" data-testid="export-path" title={file.path}>
        {file.path}
      </code>
      <CopyButton text={file.path} what="the path" testId="export-copy" />
    </span>
  );
}

function ExportButtons({ filter }: { filter: AuditFilterInput }): React.JSX.Element {
  const qc = useQueryClient();
  const start = useMutation({
    mutationFn: (format: 'csv' | 'jsonl') => api.audit.export({ filter: cleanFilter(filter), format }),
    onSuccess: (job) => follow('export', job),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  return (
    <div className="toolbar">
      <button
        className="btn"
        data-testid="export-csv"
        disabled={start.isPending}
        title="Write the rows these filters match (all pages, with their hashes) to a CSV file"
        onClick={() => start.mutate('csv')}
      >
        Export CSV
      </button>
      <button
        className="btn"
        data-testid="export-jsonl"
        disabled={start.isPending}
        title="Write the rows these filters match (all pages, with their hashes) to a JSON Lines file"
        onClick={() => start.mutate('jsonl')}
      >
        Export JSONL
      </button>
      {start.error && <span className="err">Could not export: {errorText(start.error)}</span>}
    </div>
  );
}

export function ActivityPage(): React.JSX.Element {
  const tab = useUi((s) => s.tabs.find((t) => t.id === 'activity'));
  const setView = useUi((s) => s.setActivityView);
  const filter = tab?.filter ?? NO_FILTER;
  const grouped = tab?.grouped ?? false;
  const setFilter = (f: AuditFilterInput): void => setView({ filter: cleanFilter(f) });
  const [selected, setSelected] = useState<number | null>(null);
  const exportJob = useAuditJobs((s) => s.export);
  const info = useQuery({ queryKey: ['app', 'info'], queryFn: () => api.app.info() });

  const badRange = filter.from !== undefined && filter.to !== undefined && filter.from > filter.to;
  const list = useInfiniteQuery({
    queryKey: ['audit', 'list', filter],
    // A relative range ("last hour") is resolved by the server when asked, so refetches slide.
    queryFn: ({ pageParam }) =>
      api.audit.list({ ...filter, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: null as AuditCursor | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: 5000,
    enabled: !badRange,
  });
  const rows = list.data?.pages.flatMap((p) => p.rows) ?? [];
  const items = grouped ? timelines(rows) : rows.map((row) => ({ t: 'row' as const, row }));

  // Escape closes the details, from anywhere on the page.
  useEffect(() => {
    if (selected === null) return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') setSelected(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected]);

  const summary = badRange
    ? '—'
    : list.isPending
      ? 'Loading…'
      : `${rows.length.toLocaleString('en')}${list.hasNextPage ? '+' : ''} ${rows.length === 1 ? 'row' : 'rows'}`;

  return (
    <div className="page activity-page" data-testid="activity-page">
      <div className="page-head">
        <div>
          <h1>Activity</h1>
          <div className="facts">
            <span>Everything Labdeck did: who, what, where, when, and how it went.</span>
          </div>
        </div>
        <ExportButtons filter={filter} />
      </div>
      <Questions filter={filter} onApply={setFilter} />
      <Filters
        filter={filter}
        onChange={setFilter}
        grouped={grouped}
        onGrouped={(g) => setView({ grouped: g })}
        summary={summary}
      />
      {exportJob && (
        <JobLine
          id={exportJob}
          testId="export-job"
          result={(job) => <ExportResult job={job} browser={info.data?.mode === 'browser'} />}
        />
      )}
      {list.error && (
        <div className="banner error">Could not read the audit history: {errorText(list.error)}</div>
      )}
      <div className={`activity-split ${selected !== null ? 'with-details' : ''}`}>
        <div className="table-wrap audit-scroll">
          <table className={`grid audit-grid ${selected !== null ? 'narrow' : ''}`} data-testid="audit-table">
            <thead>
              <tr>
                <th className="col-time">Time</th>
                <th className="col-action">Action</th>
                <th className="col-target">Target</th>
                <th className="col-result">Result</th>
                <th className="num col-dur">Duration</th>
                <th className="col-who">Who</th>
              </tr>
            </thead>
            <tbody>
              {items.map((it) =>
                it.t === 'row' ? (
                  <Row key={it.row.id} e={it.row} selected={selected === it.row.id} onSelect={setSelected} />
                ) : (
                  <Fragment key={`${it.group.kind}:${it.group.id}`}>
                    <TimelineHead
                      g={it.group}
                      onOnly={() =>
                        setFilter(
                          it.group.kind === 'job' ? { jobId: it.group.id } : { sessionId: it.group.id },
                        )
                      }
                    />
                    {it.group.rows.map((e) => (
                      <Row key={e.id} e={e} selected={selected === e.id} onSelect={setSelected} inTimeline />
                    ))}
                  </Fragment>
                ),
              )}
            </tbody>
          </table>
          {!list.isPending && !badRange && rows.length === 0 && (
            <div className="empty">
              {sameFilter(filter, NO_FILTER)
                ? 'Nothing recorded yet. Changes you make (settings, hosts, …) appear here.'
                : 'No rows match these filters.'}
            </div>
          )}
          {list.isPending && !badRange && <div className="empty">Loading the audit history…</div>}
          {list.hasNextPage && (
            <button
              className="btn"
              data-testid="load-older"
              onClick={() => void list.fetchNextPage()}
              disabled={list.isFetchingNextPage}
            >
              {list.isFetchingNextPage ? 'Loading…' : 'Load older rows'}
            </button>
          )}
        </div>
        {selected !== null && (
          <AuditDetails
            id={selected}
            onSelect={setSelected}
            onClose={() => setSelected(null)}
            onFilter={setFilter}
          />
        )}
      </div>
    </div>
  );
}
