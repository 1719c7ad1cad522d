// Left rail: hosts (the workstation first, then the inventory by group, each with its live
// state), then the app's own pages.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Host } from '../../../shared/api/domain';
import { api } from '../api';
import { activeCount } from '../lib/jobs';
import { STATE_LABEL, useHostStates } from '../state/host-states';
import { useJobs } from '../state/jobs';
import { useMetricAlertsStream } from '../state/metric-alerts';
import { useUi, type PageKind } from '../state/ui-store';
import { AlertBadge } from './AlertBadge';
import { HostDialog } from './HostDialog';
import { ImportDialog } from './ImportDialog';

function NavItem(props: {
  kind: PageKind;
  label: string;
  icon: string;
  sub?: string;
  badge?: React.ReactNode;
}): React.JSX.Element {
  const active = useUi((s) => s.activeId === props.kind);
  const open = useUi((s) => s.open);
  return (
    <button
      className={`nav-item ${active ? 'active' : ''}`}
      onClick={() => open(props.kind)}
      data-testid={`nav-${props.kind}`}
    >
      <span className="icon" aria-hidden>
        {props.icon}
      </span>
      <span className="nav-label">{props.label}</span>
      {props.badge}
      {props.sub && <span className="nav-sub">{props.sub}</span>}
    </button>
  );
}

/** How many jobs run or wait, beside "Jobs": work in progress stays visible from any tab. */
function JobsBadge(): React.JSX.Element | null {
  const n = useJobs((s) => activeCount(s.byId));
  if (n === 0) return null;
  return (
    <span
      className="nav-badge"
      data-testid="jobs-running-count"
      title={`${n} job${n === 1 ? '' : 's'} running or queued`}
    >
      {n}
    </span>
  );
}

function HostItem({ host }: { host: Host }): React.JSX.Element {
  const active = useUi((s) => s.activeId === `host:${host.id}`);
  const openHost = useUi((s) => s.openHost);
  const state = useHostStates((s) => s.byId[host.id]?.state ?? 'idle');
  const selected = useUi((s) => s.selectedHosts.includes(host.id));
  const toggle = useUi((s) => s.toggleHostSelected);
  return (
    <button
      className={`nav-item host ${active ? 'active' : ''} ${selected ? 'selected' : ''}`}
      onClick={(e) => {
        // Ctrl/⌘+click picks hosts for something done to several at once (Bootstrap).
        if (e.ctrlKey || e.metaKey) toggle(host.id);
        else openHost(host.id, host.name);
      }}
      aria-pressed={selected || undefined}
      data-testid={`host-item-${host.name}`}
      title={`${host.user}@${host.address}:${host.port} — ${STATE_LABEL[state]} (Ctrl+click to pick several)`}
    >
      <span className={`dot ${state}`} aria-hidden />
      <span className="nav-label">{host.name}</span>
      <AlertBadge hostId={host.id} testId={`host-alerts-${host.name}`} />
      <span className={`nav-sub state-${state}`} data-testid={`host-state-${host.name}`}>
        {STATE_LABEL[state]}
      </span>
    </button>
  );
}

/** What can be done to the hosts picked with Ctrl+click. */
function SelectionBar(): React.JSX.Element | null {
  const selected = useUi((s) => s.selectedHosts);
  const clear = useUi((s) => s.clearHostSelection);
  const askBootstrap = useUi((s) => s.askBootstrap);
  if (!selected.length) return null;
  return (
    <div className="selection-bar" data-testid="host-selection">
      <span>
        {selected.length} host{selected.length === 1 ? '' : 's'} picked
      </span>
      <button
        className="btn small primary"
        data-testid="bootstrap-selected"
        onClick={() => {
          askBootstrap(selected);
          clear();
        }}
      >
        Bootstrap…
      </button>
      <button className="link small" onClick={clear}>
        clear
      </button>
    </div>
  );
}

export function Sidebar(): React.JSX.Element {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const [dialog, setDialog] = useState<'add' | 'import' | null>(null);
  useMetricAlertsStream();
  const groups = new Map<string, Host[]>();
  for (const h of hosts.data ?? []) groups.set(h.group, [...(groups.get(h.group) ?? []), h]);
  const ordered = [...groups.entries()].sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  );
  return (
    <nav className="sidebar">
      <div className="brand">
        <span className="logo" aria-hidden>
          ▦
        </span>
        Labdeck
      </div>
      <div className="group-title with-actions">
        Hosts
        <span className="group-actions">
          <button
            title="Import from ~/.ssh/config"
            data-testid="import-hosts"
            onClick={() => setDialog('import')}
          >
            ⇣
          </button>
          <button title="Add a host" data-testid="add-host" onClick={() => setDialog('add')}>
            +
          </button>
        </span>
      </div>
      <div className="host-list">
        <NavItem kind="local" icon="⌂" label="This computer" sub={settings.data?.workstationName} />
        {ordered.map(([group, list]) => (
          <div key={group || '-'} className="host-group">
            {group && <div className="subgroup-title">{group}</div>}
            {list.map((h) => (
              <HostItem key={h.id} host={h} />
            ))}
          </div>
        ))}
        <SelectionBar />
        {hosts.data?.length === 0 && (
          <button className="add-first" onClick={() => setDialog('add')}>
            Add your first host…
          </button>
        )}
      </div>
      <div className="spacer" />
      <NavItem kind="activity" icon="≡" label="Activity" />
      <NavItem kind="jobs" icon="▶" label="Jobs" badge={<JobsBadge />} />
      <NavItem kind="fleet" icon="▦" label="Fleet" />
      <NavItem kind="bootstrap" icon="⚒" label="Bootstrap" />
      <NavItem kind="docker" icon="▣" label="Containers" />
      <NavItem kind="experiments" icon="⚗" label="Experiments" />
      <NavItem kind="settings" icon="⚙" label="Settings" />
      {dialog === 'add' && <HostDialog host={null} onClose={() => setDialog(null)} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} />}
    </nav>
  );
}
