// Left rail: hosts (for now the workstation itself), then the app's own pages.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { useUi, type TabKind } from '../state/ui-store';

function NavItem(props: { kind: TabKind; label: string; icon: string; sub?: string }): React.JSX.Element {
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
      {props.sub && <span className="nav-sub">{props.sub}</span>}
    </button>
  );
}

export function Sidebar(): React.JSX.Element {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  return (
    <nav className="sidebar">
      <div className="brand">
        <span className="logo" aria-hidden>
          ▦
        </span>
        Labdeck
      </div>
      <div className="group-title">Hosts</div>
      <NavItem kind="local" icon="⌂" label="This computer" sub={settings.data?.workstationName} />
      <div className="spacer" />
      <NavItem kind="activity" icon="≡" label="Activity" />
      <NavItem kind="settings" icon="⚙" label="Settings" />
    </nav>
  );
}
