// Port forwards of a host (or of one experiment on it): a port on the host's loopback (Jupyter Lab,
// TensorBoard, code-server...) reached from 127.0.0.1 here over the host's SSH connection. Open one,
// see its connections, bytes and last failure, open or copy its URL, stop it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { PortForward } from '../../../shared/api/forwards-domain';
import { api } from '../api';
import { errorText, fieldError, nextStep } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { CopyButton } from './CopyButton';
import './forwards.css';

const PRESETS = [
  { label: 'Jupyter', port: 8888 },
  { label: 'TensorBoard', port: 6006 },
  { label: 'code-server', port: 8080 },
] as const;

/** A port as typed: a whole number in range, or null (empty or not a port). */
function portOf(text: string, min = 1): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= min && n <= 65_535 ? n : null;
}

/** Opens a forward's page in the browser (the desktop app hands http links to the system browser). */
function openUrl(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

export function ForwardsPanel({
  hostId,
  experimentId,
}: {
  hostId: number;
  experimentId?: number;
}): React.JSX.Element {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['forwards', hostId],
    queryFn: () => api.forwards.list({ hostId }),
    refetchInterval: 2000,
  });
  const [remotePort, setRemotePort] = useState('');
  const [label, setLabel] = useState('');
  const [localPort, setLocalPort] = useState('');
  const refresh = (): void => void qc.invalidateQueries({ queryKey: ['forwards'] });
  const open = useMutation({
    mutationFn: (o: { remotePort: number; localPort: number | null; label: string }) =>
      api.forwards.open({
        hostId,
        remotePort: o.remotePort,
        ...(o.localPort !== null ? { localPort: o.localPort } : {}),
        ...(o.label ? { label: o.label } : {}),
        ...(experimentId !== undefined ? { experimentId } : {}),
      }),
    onSuccess: () => {
      setRemotePort('');
      setLabel('');
      setLocalPort('');
    },
    onSettled: refresh,
  });
  const stop = useMutation({
    mutationFn: (id: string) => api.forwards.close({ id }),
    onSettled: refresh,
  });

  const rows = (q.data ?? []).filter((f) => experimentId === undefined || f.experimentId === experimentId);
  const port = portOf(remotePort);
  const local = localPort.trim() === '' ? null : portOf(localPort, 1024);
  const localBad = localPort.trim() !== '' && local === null;
  const canOpen = port !== null && !localBad && !open.isPending;
  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (port === null || localBad) return;
    open.mutate({ remotePort: port, localPort: local, label: label.trim() });
  };
  const failure = open.error ?? stop.error;
  const fieldProblem = open.error
    ? (fieldError(open.error, 'localPort') ?? fieldError(open.error, 'remotePort'))
    : null;

  return (
    <section className="panel fw-panel" data-testid="forwards-panel">
      <div className="fw-head">
        <h2>Port forwards</h2>
        <span className="dim small">
          A port on the host's loopback, reached at 127.0.0.1 here over SSH. Closed when this window closes.
        </span>
      </div>
      <form className="fw-form" onSubmit={submit} data-testid="forward-form">
        <label>
          Remote port
          <input
            className="fw-port"
            inputMode="numeric"
            placeholder="8888"
            value={remotePort}
            onChange={(e) => setRemotePort(e.target.value)}
            data-testid="forward-remote-port"
            aria-invalid={remotePort.trim() !== '' && port === null}
          />
        </label>
        <label>
          Label
          <input
            className="fw-label"
            placeholder="optional"
            maxLength={100}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            data-testid="forward-label"
          />
        </label>
        <label>
          Local port
          <input
            className="fw-port"
            inputMode="numeric"
            placeholder="any"
            value={localPort}
            onChange={(e) => setLocalPort(e.target.value)}
            data-testid="forward-local-port"
            aria-invalid={localBad}
            title="A fixed port here (1024–65535); empty: any free one"
          />
        </label>
        <button type="submit" className="btn primary" disabled={!canOpen} data-testid="forward-open">
          {open.isPending ? 'Opening…' : 'Open'}
        </button>
        <span className="fw-presets">
          {PRESETS.map((p) => (
            <button
              key={p.port}
              type="button"
              className="btn small"
              data-testid={`forward-preset-${p.port}`}
              onClick={() => {
                setRemotePort(String(p.port));
                if (!label.trim() || PRESETS.some((x) => x.label === label)) setLabel(p.label);
              }}
            >
              {p.label} {p.port}
            </button>
          ))}
        </span>
      </form>
      {localBad && (
        <div className="field-error inline">Local port: a number from 1024 to 65535, or empty.</div>
      )}
      {failure && (
        <div className="banner error" data-testid="forward-error">
          {fieldProblem ?? errorText(failure)}
          {nextStep(failure) && <div className="next">{nextStep(failure)}</div>}
        </div>
      )}
      {q.error && <div className="banner error">Could not list the forwards: {errorText(q.error)}</div>}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="grid compact fw-table" data-testid="forwards">
            <thead>
              <tr>
                <th style={{ width: '13%' }}>Label</th>
                <th style={{ width: '23%' }}>Forward</th>
                <th className="num" style={{ width: '9%' }} title="open now / since it was opened">
                  Conns
                </th>
                <th className="num" style={{ width: '15%' }} title="sent to the host ↑ / received from it ↓">
                  Bytes
                </th>
                <th>Last error</th>
                <th style={{ width: '180px' }} />
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <ForwardRow
                  key={f.id}
                  f={f}
                  stopping={stop.isPending && stop.variables === f.id}
                  onStop={() => stop.mutate(f.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        q.data && (
          <p className="dim small" data-testid="forwards-empty">
            No forwards open{experimentId !== undefined ? ' for this experiment' : ' to this host'}.
          </p>
        )
      )}
    </section>
  );
}

function ForwardRow(props: { f: PortForward; stopping: boolean; onStop: () => void }): React.JSX.Element {
  const { f } = props;
  const there = f.remoteHost === '127.0.0.1' ? f.hostName : `${f.hostName}→${f.remoteHost}`;
  return (
    <tr data-testid="forward-row" data-local-port={f.localPort} data-remote-port={f.remotePort}>
      <td>{f.label ?? <span className="dim">—</span>}</td>
      <td className="mono">
        127.0.0.1:{f.localPort} → {there}:{f.remotePort}
      </td>
      <td className="num">
        <span className={f.activeConnections > 0 ? 'fw-live' : 'dim'}>{f.activeConnections}</span>
        <span className="dim"> / {f.totalConnections}</span>
      </td>
      <td className="num">
        <span title="sent to the host">↑{formatBytes(f.bytesIn)}</span>{' '}
        <span title="received from the host">↓{formatBytes(f.bytesOut)}</span>
      </td>
      <td className="fw-error" title={f.lastError ?? ''} data-testid="forward-last-error">
        {f.lastError ? <span className="err">{f.lastError}</span> : <span className="dim">—</span>}
      </td>
      <td className="fw-actions">
        <button
          className="btn small"
          onClick={() => openUrl(f.url)}
          data-testid="forward-browse"
          title={f.url}
        >
          Open
        </button>
        <CopyButton text={f.url} what="the URL" testId="forward-copy" />
        <button
          className="btn small danger"
          disabled={props.stopping}
          onClick={props.onStop}
          data-testid="forward-stop"
        >
          {props.stopping ? 'Stopping…' : 'Stop'}
        </button>
      </td>
    </tr>
  );
}
