// A container's log followed live: stdout and stderr told apart, timestamps, search, "since",
// download. Batches are acknowledged after the page has painted them, so a flood pauses the
// container's log stream on the host instead of growing this page.
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { DockerLogEvent } from '../../../../shared/api/docker-domain';
import { api } from '../../api';
import {
  appendDockerLog,
  EMPTY_DOCKER_LOG,
  filterLog,
  LOGS_KEEP,
  logText,
  shortTs,
  sinceSeconds,
  type DockerLog,
  type LogLine,
} from '../../lib/docker-view';
import { afterPaint } from '../../state/jobs';

const SINCE = [
  ['', 'last 500 lines'],
  ['5m', '5 min'],
  ['1h', '1 hour'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
] as const;
/** Lines rendered at most: the rest stay in memory for search and download. */
const RENDER = 3000;

const Line = memo(function Line({ l, ts }: { l: LogLine; ts: boolean }): React.JSX.Element {
  return (
    <div className={`ll ${l.s}`}>
      {ts && <span className="ts">{shortTs(l.ts)}</span>}
      <span className="sd" aria-label={l.s === 'err' ? 'stderr' : 'stdout'}>
        {l.s === 'err' ? 'E' : ' '}
      </span>
      {l.text}
    </div>
  );
});

export function DockerLogs(props: {
  hostId: number;
  containerId: string;
  containerName: string;
}): React.JSX.Element {
  const [since, setSince] = useState('');
  // The log of one subscription (container and "since"); another subscription starts empty.
  const key = `${props.hostId}|${props.containerId}|${since}`;
  const [held, setLog] = useState<{ key: string; log: DockerLog; failure: string | null }>({
    key,
    log: EMPTY_DOCKER_LOG,
    failure: null,
  });
  const log = held.key === key ? held.log : EMPTY_DOCKER_LOG;
  const failure = held.key === key ? held.failure : null;
  const [query, setQuery] = useState('');
  const [stream, setStream] = useState<'all' | 'out' | 'err'>('all');
  const [showTs, setShowTs] = useState(true);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const s = sinceSeconds(since);
    const unsubscribe = api.streams.docker.logs(
      {
        hostId: props.hostId,
        id: props.containerId,
        follow: true,
        ...(s !== undefined ? { since: s } : { tail: 500 }),
      },
      (events: DockerLogEvent[]) => {
        setLog((h) => ({
          key,
          log: appendDockerLog(h.key === key ? h.log : EMPTY_DOCKER_LOG, events),
          failure: h.key === key ? h.failure : null,
        }));
        // Acknowledged once painted: a flood waits on the host, not in this page.
        return afterPaint();
      },
      (err) => {
        if (err)
          setLog((h) => ({ key, log: h.key === key ? h.log : EMPTY_DOCKER_LOG, failure: err.message }));
      },
    );
    return unsubscribe;
  }, [props.hostId, props.containerId, since, key]);

  const shown = useMemo(() => filterLog(log.lines, query, stream), [log.lines, query, stream]);
  const visible = shown.length > RENDER ? shown.slice(-RENDER) : shown;

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [visible, follow]);

  const download = (): void => {
    const blob = new Blob([logText(shown)], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${props.containerName}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <div className="dk-logs" data-testid="docker-logs">
      <div className="dk-logs-bar">
        <input
          className="grow"
          placeholder="Search the log"
          aria-label="Search the log"
          data-testid="docker-logs-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select
          aria-label="Streams"
          value={stream}
          onChange={(e) => setStream(e.target.value as typeof stream)}
        >
          <option value="all">stdout + stderr</option>
          <option value="out">stdout</option>
          <option value="err">stderr</option>
        </select>
        <select
          aria-label="Since"
          data-testid="docker-logs-since"
          value={since}
          onChange={(e) => setSince(e.target.value)}
        >
          {SINCE.map(([v, label]) => (
            <option key={v} value={v}>
              {v ? `since ${label} ago` : label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={showTs} onChange={(e) => setShowTs(e.target.checked)} /> time
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <button className="btn small" data-testid="docker-logs-download" onClick={download}>
          Download
        </button>
      </div>
      <div className="dk-logs-stats dim small" data-testid="docker-logs-stats">
        {log.lines.length + log.dropped} lines
        {log.dropped > 0 && ` (the last ${LOGS_KEEP.toLocaleString('en')} kept)`}
        {query && ` · ${shown.length} match`}
        {shown.length > RENDER && ` · showing the last ${RENDER}`}
        {log.ended === false ? ' · following' : log.ended ? ` · ${log.ended}` : ' · end of log'}
        {failure && <span className="err"> · {failure}</span>}
      </div>
      <div
        ref={box}
        className="job-log dk-log mono"
        data-testid="docker-log-lines"
        tabIndex={0}
        onWheel={(e) => {
          const el = e.currentTarget;
          if (e.deltaY < 0) setFollow(false);
          else if (el.scrollHeight - el.scrollTop - el.clientHeight < 8) setFollow(true);
        }}
      >
        {visible.map((l) => (
          <Line key={l.seq} l={l} ts={showTs} />
        ))}
        {log.lines.length === 0 && <div className="ll info">No log lines yet…</div>}
      </div>
    </div>
  );
}
