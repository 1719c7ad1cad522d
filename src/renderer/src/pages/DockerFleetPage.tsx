// Every host's containers in one table, filtered by host, state, image and Compose project; a
// container with GPU device requests is marked. Hosts without Docker say why, in one line each.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import '../components/docker/docker.css';
import { useNow } from '../hooks/useNow';
import {
  EMPTY_FLEET_FILTER,
  fleetChoices,
  fleetRows,
  gpuText,
  portsText,
  uptimeText,
  type FleetFilter,
} from '../lib/docker-view';
import { errorText } from '../lib/errors';
import { formatTimestamp } from '../lib/format';
import { useUi } from '../state/ui-store';
import { StatePill } from './DockerPanel';

const STATES = ['running', 'paused', 'restarting', 'created', 'exited', 'dead'];

export function DockerFleetPage(): React.JSX.Element {
  const [onlineOnly, setOnlineOnly] = useState(false);
  const [f, setF] = useState<FleetFilter>(EMPTY_FLEET_FILTER);
  const now = useNow(1000);
  const openHost = useUi((s) => s.openHost);
  const q = useQuery({
    queryKey: ['docker', 'fleet', onlineOnly],
    queryFn: () => api.docker.fleet({ onlineOnly }),
    refetchInterval: 15_000,
  });
  const hosts = q.data ?? [];
  const rows = fleetRows(hosts, f);
  const choices = fleetChoices(hosts);
  const without = hosts.filter((h) => !h.ok);
  const total = hosts.reduce((n, h) => n + h.containers.length, 0);
  return (
    <div className="page" data-testid="docker-fleet">
      <div className="page-head">
        <div>
          <h1>Containers</h1>
          <div className="facts">
            <span>
              {total} containers on {hosts.filter((h) => h.ok).length} Docker hosts
            </span>
            {q.dataUpdatedAt > 0 && (
              <span className="dim">as of {formatTimestamp(q.dataUpdatedAt).slice(11)}</span>
            )}
          </div>
        </div>
        <div className="toolbar">
          <label className="check">
            <input type="checkbox" checked={onlineOnly} onChange={(e) => setOnlineOnly(e.target.checked)} />{' '}
            only hosts connected now
          </label>
          <button className="btn" disabled={q.isFetching} onClick={() => void q.refetch()}>
            {q.isFetching ? 'Asking hosts…' : 'Refresh'}
          </button>
        </div>
      </div>
      <div className="filters">
        <label>
          host
          <select
            data-testid="fleet-host"
            value={f.host ?? ''}
            onChange={(e) => setF({ ...f, host: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">all</option>
            {hosts
              .filter((h) => h.ok)
              .map((h) => (
                <option key={h.hostId} value={h.hostId}>
                  {h.hostName}
                </option>
              ))}
          </select>
        </label>
        <label>
          state
          <select
            data-testid="fleet-state"
            value={f.state}
            onChange={(e) => setF({ ...f, state: e.target.value })}
          >
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          image
          <select value={f.image} onChange={(e) => setF({ ...f, image: e.target.value })}>
            <option value="">all</option>
            {choices.images.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          project
          <select value={f.project} onChange={(e) => setF({ ...f, project: e.target.value })}>
            <option value="">all</option>
            {choices.projects.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={f.gpuOnly}
            onChange={(e) => setF({ ...f, gpuOnly: e.target.checked })}
          />{' '}
          GPU only
        </label>
        <input
          placeholder="name, image, project…"
          aria-label="Filter containers"
          value={f.text}
          onChange={(e) => setF({ ...f, text: e.target.value })}
        />
      </div>
      {q.error && <div className="banner error">{errorText(q.error)}</div>}
      {without.length > 0 && (
        <div className="dim small dk-without" data-testid="fleet-without">
          Without Docker here:{' '}
          {without.map((h, i) => (
            <span key={h.hostId} title={h.error ?? ''}>
              {i > 0 && ' · '}
              {h.hostName} (
              {h.errorCode === 'DOCKER_NOT_INSTALLED'
                ? 'not installed'
                : h.errorCode === 'DOCKER_NOT_RUNNING'
                  ? 'daemon not running'
                  : h.errorCode === 'PERMISSION_DENIED'
                    ? 'no socket rights'
                    : 'unreachable'}
              )
            </span>
          ))}
        </div>
      )}
      <div className="table-wrap">
        <table className="grid compact" data-testid="fleet-table">
          <thead>
            <tr>
              <th style={{ width: '11%' }}>Host</th>
              <th style={{ width: '12%' }}>Project</th>
              <th style={{ width: '18%' }}>Name</th>
              <th style={{ width: '18%' }}>Image</th>
              <th style={{ width: '13%' }}>State</th>
              <th style={{ width: '8%' }}>Uptime</th>
              <th>Ports</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ hostId, hostName, c }) => (
              <tr key={`${hostId}:${c.id}`} data-testid="fleet-row" data-name={c.name}>
                <td>
                  <button className="link-btn" onClick={() => openHost(hostId, hostName)}>
                    {hostName}
                  </button>
                </td>
                <td>{c.project ?? <span className="dim">—</span>}</td>
                <td title={c.id}>
                  {c.name}{' '}
                  {gpuText(c.gpus) && (
                    <span className="pill dk-gpu" data-testid="fleet-gpu">
                      {gpuText(c.gpus)}
                    </span>
                  )}
                </td>
                <td className="mono" title={c.image}>
                  {c.image}
                </td>
                <td>
                  <StatePill c={c} />
                </td>
                <td>{uptimeText(c, now)}</td>
                <td className="mono">{portsText(c.ports)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {q.isPending && <div className="empty">Asking every host for its containers…</div>}
        {q.data && rows.length === 0 && <div className="empty">No containers match.</div>}
      </div>
    </div>
  );
}
