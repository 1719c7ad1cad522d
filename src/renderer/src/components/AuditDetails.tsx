// One audit row in full, beside the Activity table: every field, the params as recorded (redacted
// by the server), its place in the hash chain, and the other rows of its job or terminal session.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AuditEvent, AuditFilterInput } from '../../../shared/api/domain';
import { api } from '../api';
import { prettyParams, shortHash } from '../lib/audit-view';
import { errorText } from '../lib/errors';
import { formatAgo, formatDuration, formatTimestamp } from '../lib/format';
import { openJob } from '../state/jobs';
import { CopyButton } from './CopyButton';

export function ResultPill({ e }: { e: AuditEvent }): React.JSX.Element {
  const text = e.result === 'ok' ? 'ok' : (e.errorCode ?? 'error');
  return (
    <span className={`pill ${e.result}`} title={text}>
      {text}
    </span>
  );
}

export function AuditDetails(props: {
  id: number;
  onSelect: (id: number) => void;
  onClose: () => void;
  onFilter: (f: AuditFilterInput) => void;
}): React.JSX.Element {
  // The previous row stays on screen while the next loads: moving along related rows does not flash.
  const q = useQuery({
    queryKey: ['audit', 'get', props.id],
    queryFn: () => api.audit.get({ id: props.id }),
    placeholderData: keepPreviousData,
  });
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const r = q.data?.row;
  const related = q.data?.related ?? [];
  const hostName = r?.hostId
    ? (hosts.data?.find((h) => h.id === r.hostId)?.name ?? `#${r.hostId} (removed)`)
    : null;
  return (
    <aside className="audit-details" data-testid="audit-details" data-id={r?.id} aria-label="Row details">
      <div className="audit-details-head">
        <h2>
          Row <span className="mono">#{r?.id ?? props.id}</span>
        </h2>
        <button
          className="tab-close"
          aria-label="Close the details"
          data-testid="details-close"
          onClick={props.onClose}
        >
          ×
        </button>
      </div>
      {q.error && <div className="banner error">Could not read this row: {errorText(q.error)}</div>}
      {!r && !q.error && <div className="dim">Loading…</div>}
      {r && (
        <>
          <dl className="kv details-kv">
            <dt>Time</dt>
            <dd>
              <span className="mono">{formatTimestamp(r.ts)}</span>{' '}
              <span className="dim">({formatAgo(r.ts)})</span>
            </dd>
            <dt>Action</dt>
            <dd className="mono">{r.action}</dd>
            <dt>Target</dt>
            <dd>{r.target}</dd>
            <dt>Result</dt>
            <dd>
              <span className={`pill ${r.result}`}>{r.result === 'ok' ? 'ok' : 'failed'}</span>
            </dd>
            <dt>Error code</dt>
            <dd className="mono" data-testid="details-error">
              {r.errorCode ?? '—'}
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(r.durationMs)}</dd>
            <dt>Who</dt>
            <dd>{r.actor}</dd>
            <dt>Host</dt>
            <dd>
              {hostName && r.hostId ? (
                <button className="link-btn" onClick={() => props.onFilter({ hostId: r.hostId! })}>
                  {hostName}
                </button>
              ) : (
                '—'
              )}
            </dd>
            <dt>Job</dt>
            <dd>
              {r.jobId ? (
                <>
                  <button
                    className="link-btn mono"
                    title={r.jobId}
                    onClick={() => props.onFilter({ jobId: r.jobId! })}
                  >
                    {r.jobId.slice(0, 8)}
                  </button>{' '}
                  <button className="link-btn" onClick={() => openJob(r.jobId!)}>
                    open in Jobs
                  </button>
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Session</dt>
            <dd>
              {r.sessionId ? (
                <button
                  className="link-btn mono"
                  title={r.sessionId}
                  onClick={() => props.onFilter({ sessionId: r.sessionId! })}
                >
                  {r.sessionId.slice(0, 8)}
                </button>
              ) : (
                '—'
              )}
            </dd>
          </dl>
          <h3>Params</h3>
          <pre className="details-params" data-testid="details-params">
            {prettyParams(r.params)}
          </pre>
          <h3>Hash chain</h3>
          <dl className="kv details-kv">
            <dt>Hash</dt>
            <dd className="hash-line">
              <code data-testid="details-hash" data-full={r.hash} title={r.hash}>
                {shortHash(r.hash)}
              </code>
              <CopyButton text={r.hash} what="the hash" testId="copy-hash" />
            </dd>
            <dt>Previous hash</dt>
            <dd className="hash-line">
              <code data-testid="details-prev-hash" data-full={r.prevHash} title={r.prevHash}>
                {shortHash(r.prevHash)}
              </code>
              <CopyButton text={r.prevHash} what="the previous hash" />
            </dd>
          </dl>
          {related.length > 0 && (
            <>
              <h3>
                Same {r.jobId ? 'job' : 'terminal session'} ({related.length})
              </h3>
              <ul className="related" data-testid="details-related">
                {related.map((x) => (
                  <li key={x.id}>
                    <button
                      className={`related-row ${x.id === r.id ? 'current' : ''}`}
                      data-testid="related-row"
                      aria-current={x.id === r.id}
                      onClick={() => props.onSelect(x.id)}
                    >
                      <span className="mono">{formatTimestamp(x.ts).slice(11)}</span>
                      <span className="mono related-action">{x.action}</span>
                      <ResultPill e={x} />
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </aside>
  );
}
