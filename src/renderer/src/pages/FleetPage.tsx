// Fleet overview: every host as a compact card (CPU, memory, fullest disk, GPU utilisation and
// VRAM, who is using the GPUs), sortable; hosts not connected are greyed with when they were last
// seen. A card opens its host.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { FleetEntry } from '../../../shared/api/metrics-domain';
import { api } from '../api';
import { useNow } from '../hooks/useNow';
import { cardFigures, fleetFilters, passesFilter, sortFleet, type FleetSort } from '../lib/fleet-view';
import { formatAgo } from '../lib/format';
import { STATE_LABEL, useHostStates } from '../state/host-states';
import { useUi } from '../state/ui-store';
import '../styles/metrics.css';

const SORTS: { id: FleetSort; label: string }[] = [
  { id: 'busiest', label: 'Busiest first' },
  { id: 'freeVram', label: 'Most free VRAM' },
  { id: 'name', label: 'By name' },
];

function useFleet(): Map<number, FleetEntry> {
  const [entries, setEntries] = useState(new Map<number, FleetEntry>());
  useEffect(
    () =>
      api.streams.metrics.fleet({}, (events) =>
        setEntries((prev) => {
          const next = new Map(prev);
          for (const e of events) next.set(e.hostId, e);
          return next;
        }),
      ),
    [],
  );
  return entries;
}

function Meter({
  label,
  percent,
  text,
}: {
  label: string;
  percent: number | null;
  text?: string;
}): React.JSX.Element {
  const p = percent === null ? 0 : Math.min(100, Math.max(0, percent));
  return (
    <div className="meter" data-testid={`meter-${label.toLowerCase()}`}>
      <span>{label}</span>
      <div className="track">
        <div className={`fill ${p >= 95 ? 'full' : p >= 80 ? 'high' : ''}`} style={{ width: `${p}%` }} />
      </div>
      <b>{percent === null ? '—' : (text ?? `${percent.toFixed(0)}%`)}</b>
    </div>
  );
}

export function FleetPage(): React.JSX.Element {
  const [sort, setSort] = useState<FleetSort>('busiest');
  const [filter, setFilter] = useState('');
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const states = useHostStates((s) => s.byId);
  const fleet = useFleet();
  const now = useNow(5000);
  const openHost = useUi((s) => s.openHost);
  const filters = fleetFilters(hosts.data ?? []);
  const items = (hosts.data ?? [])
    .filter((h) => passesFilter(h, filter))
    .map((h) => ({
      host: h,
      name: h.name,
      entry: fleet.get(h.id) ?? { hostId: h.id, online: false, lastSeen: null, latest: null, alerts: [] },
    }));
  const sorted = sortFleet(items, sort);
  const online = items.filter((i) => i.entry.online).length;
  return (
    <div className="page" data-testid="fleet-page">
      <div className="page-head">
        <div>
          <h1>Fleet</h1>
          <div className="facts">
            <span>
              {online} of {items.length} hosts connected
            </span>
          </div>
        </div>
        <div className="toolbar">
          {filters.length > 0 && (
            <select value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="fleet-filter">
              <option value="">All hosts</option>
              {filters.map((f) => (
                <option key={f} value={f}>
                  {f.startsWith('group:') ? `group ${f.slice(6)}` : `tag ${f.slice(4)}`}
                </option>
              ))}
            </select>
          )}
          <div className="segmented" role="tablist" data-testid="fleet-sort">
            {SORTS.map((s) => (
              <button key={s.id} className={sort === s.id ? 'on' : ''} onClick={() => setSort(s.id)}>
                {s.label}
              </button>
            ))}
          </div>
        </div>
      </div>
      {items.length === 0 && hosts.isSuccess && (
        <div className="empty">No hosts yet: add one in the sidebar.</div>
      )}
      <div className="fleet-cards">
        {sorted.map(({ host, entry }) => {
          const f = cardFigures(entry.online ? entry.latest : null);
          const state = states[host.id]?.state ?? 'idle';
          return (
            <button
              key={host.id}
              className={`fleet-card ${entry.online ? '' : 'offline'} ${entry.alerts.length ? 'alerting' : ''}`}
              data-testid={`fleet-card-${host.name}`}
              onClick={() => openHost(host.id, host.name)}
            >
              <div className="fleet-card-head">
                {host.name}
                <span data-testid="fleet-card-status">
                  {entry.online
                    ? entry.latest
                      ? 'live'
                      : 'starting…'
                    : entry.lastSeen
                      ? `last seen ${formatAgo(entry.lastSeen, now)}`
                      : STATE_LABEL[state]}
                </span>
              </div>
              {entry.alerts.length > 0 && (
                <div className="fleet-alerts" data-testid="fleet-card-alerts">
                  ⚠ {entry.alerts.map((a) => a.message).join(' · ')}
                </div>
              )}
              {entry.online && (
                <>
                  <Meter label="CPU" percent={f.cpu} />
                  <Meter label="Memory" percent={f.memPercent} />
                  <Meter label="Disk" percent={f.diskPercent} />
                  {f.gpuUtil !== null && <Meter label="GPU" percent={f.gpuUtil} />}
                  {f.vramPercent !== null && <Meter label="VRAM" percent={f.vramPercent} />}
                  {f.gpuText && (
                    <div className="fleet-gpu" data-testid="fleet-card-gpu">
                      {f.gpuText}
                    </div>
                  )}
                  {f.cpuText && (
                    <div className="fleet-gpu" data-testid="fleet-card-cpu">
                      {f.cpuText}
                    </div>
                  )}
                </>
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}
