// Activity: the audit history of everything the app did, newest first, filterable by action,
// result and time range, paged with a cursor.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useMemo, useState } from 'react';
import type { AuditCursor, AuditEvent } from '../../../shared/api/domain';
import { api } from '../api';
import { formatAgo, formatDuration, formatTimestamp } from '../lib/format';

const RANGES = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: 'all', label: 'All time', ms: null },
  { id: 'custom', label: 'Custom…', ms: null },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

const PAGE = 100;

function toMs(local: string): number | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? t : undefined;
}

function Row({
  e,
  open,
  onToggle,
}: {
  e: AuditEvent;
  open: boolean;
  onToggle: () => void;
}): React.JSX.Element {
  return (
    <Fragment>
      <tr
        className={`audit-row ${e.result}`}
        onClick={onToggle}
        onKeyDown={(ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            onToggle();
          }
        }}
        tabIndex={0}
        aria-expanded={open}
        data-testid="audit-row"
      >
        <td className="mono" title={formatAgo(e.ts)}>
          {formatTimestamp(e.ts)}
        </td>
        <td className="mono">{e.action}</td>
        <td>{e.target}</td>
        <td>
          <span className={`pill ${e.result}`}>{e.result === 'ok' ? 'ok' : (e.errorCode ?? 'error')}</span>
        </td>
        <td className="num">{formatDuration(e.durationMs)}</td>
        <td className="dim">{e.actor}</td>
      </tr>
      {open && (
        <tr className="detail">
          <td colSpan={6}>
            <pre>{JSON.stringify(JSON.parse(e.params), null, 2)}</pre>
          </td>
        </tr>
      )}
    </Fragment>
  );
}

export function ActivityPage(): React.JSX.Element {
  const [action, setAction] = useState('');
  const [result, setResult] = useState<'' | 'ok' | 'error'>('');
  const [range, setRange] = useState<RangeId>('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [openId, setOpenId] = useState<number | null>(null);

  const actions = useQuery({ queryKey: ['audit', 'actions'], queryFn: () => api.audit.actions() });

  const filter = useMemo(
    () => ({
      ...(action ? { action } : {}),
      ...(result ? { result } : {}),
      ...(range === 'custom' ? { from: toMs(from), to: toMs(to) } : {}),
    }),
    [action, result, range, from, to],
  );
  const sinceMs = RANGES.find((x) => x.id === range)?.ms ?? null;

  const list = useInfiniteQuery({
    queryKey: ['audit', 'list', filter, sinceMs],
    // A relative range ("last hour") is resolved at fetch time, so refetches slide with the clock.
    queryFn: ({ pageParam }) =>
      api.audit.list({
        ...filter,
        ...(sinceMs ? { from: Date.now() - sinceMs } : {}),
        limit: PAGE,
        ...(pageParam ? { before: pageParam } : {}),
      }),
    initialPageParam: null as AuditCursor | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: 5000,
  });
  const rows = list.data?.pages.flatMap((p) => p.rows) ?? [];

  return (
    <div className="page" data-testid="activity-page">
      <div className="page-head">
        <div>
          <h1>Activity</h1>
          <div className="facts">
            <span>Everything Labdeck did: who, what, where, when, and how it went.</span>
          </div>
        </div>
      </div>
      <div className="filters">
        <label>
          Action
          <select value={action} onChange={(e) => setAction(e.target.value)} data-testid="filter-action">
            <option value="">All actions</option>
            {actions.data?.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Result
          <select
            value={result}
            onChange={(e) => setResult(e.target.value as '' | 'ok' | 'error')}
            data-testid="filter-result"
          >
            <option value="">Any result</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
        </label>
        <label>
          Time
          <select
            value={range}
            onChange={(e) => setRange(e.target.value as RangeId)}
            data-testid="filter-range"
          >
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {range === 'custom' && (
          <>
            <label>
              From
              <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To
              <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
          </>
        )}
        <span className="spacer" />
        <span className="dim">
          {list.isPending
            ? 'Loading…'
            : `${rows.length}${list.hasNextPage ? '+' : ''} ${rows.length === 1 ? 'event' : 'events'}`}
        </span>
      </div>
      {list.error && (
        <div className="banner error">Could not read the audit history: {list.error.message}</div>
      )}
      <div className="table-wrap">
        <table className="grid" data-testid="audit-table">
          <thead>
            <tr>
              <th style={{ width: 172 }}>Time</th>
              <th style={{ width: 180 }}>Action</th>
              <th>Target</th>
              <th style={{ width: 110 }}>Result</th>
              <th style={{ width: 80 }} className="num">
                Duration
              </th>
              <th style={{ width: 220 }}>Who</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <Row
                key={e.id}
                e={e}
                open={openId === e.id}
                onToggle={() => setOpenId(openId === e.id ? null : e.id)}
              />
            ))}
          </tbody>
        </table>
        {!list.isPending && rows.length === 0 && (
          <div className="empty">
            No events match these filters. Changes you make (settings, hosts, …) appear here.
          </div>
        )}
        {list.isPending && <div className="empty">Loading the audit history…</div>}
        {list.hasNextPage && (
          <button
            className="btn"
            onClick={() => void list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Load older events'}
          </button>
        )}
      </div>
    </div>
  );
}
