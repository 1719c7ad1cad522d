// A container's inspect: a readable summary, and the engine's raw JSON to copy.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { errorText } from '../../lib/errors';
import { CopyButton } from '../CopyButton';

export function DockerInspect(props: { hostId: number; containerId: string }): React.JSX.Element {
  const [raw, setRaw] = useState(false);
  const q = useQuery({
    queryKey: ['docker', 'inspect', props.hostId, props.containerId],
    queryFn: () => api.docker.inspect({ hostId: props.hostId, id: props.containerId }),
  });
  if (q.error) return <div className="banner error">{errorText(q.error)}</div>;
  if (!q.data) return <div className="dim">Loading…</div>;
  return (
    <div className="dk-inspect" data-testid="docker-inspect">
      <div className="row">
        <div className="segmented">
          <button className={raw ? '' : 'on'} onClick={() => setRaw(false)}>
            Summary
          </button>
          <button className={raw ? 'on' : ''} data-testid="docker-inspect-raw" onClick={() => setRaw(true)}>
            Raw JSON
          </button>
        </div>
        {raw && <CopyButton text={q.data.raw} what="the JSON" />}
      </div>
      {raw ? (
        <pre className="dk-raw" data-testid="docker-inspect-json">
          {q.data.raw}
        </pre>
      ) : (
        <dl className="kv dk-kv">
          {q.data.summary.map(([k, v]) => (
            <div key={k} className="dk-kv-row">
              <dt>{k}</dt>
              <dd className={k === 'Id' ? 'mono' : ''}>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
