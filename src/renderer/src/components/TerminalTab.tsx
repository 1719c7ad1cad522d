// A terminal tab: one shell, or two side by side (split).
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api';
import { confirmEndShells, useUi, type Tab } from '../state/ui-store';
import { TerminalPane } from './TerminalPane';
import { containerShell } from './shell-backend';

export function TerminalTab({ tab, visible }: { tab: Tab; visible: boolean }): React.JSX.Element {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const hostName = hosts.data?.find((h) => h.id === tab.hostId)?.name;
  const split = useUi((s) => s.split);
  const closePane = useUi((s) => s.closePane);
  const paneStatus = useUi((s) => s.paneStatus);
  const panes = tab.panes ?? [];
  const inContainer = tab.container?.id;
  const backend = useMemo(
    () => (inContainer ? containerShell(tab.hostId!, inContainer) : undefined),
    [inContainer, tab.hostId],
  );
  return (
    <div className="term-tab" style={{ display: visible ? 'flex' : 'none' }} data-testid="terminal-tab">
      <div className="term-toolbar">
        <span className="dim">
          {tab.title} · Ctrl+Shift+C/V copy/paste · Ctrl+Shift+F search · Ctrl+Shift+PgUp/PgDn switch tabs
        </span>
        <span className="spacer" />
        {panes.length < 2 ? (
          <button className="btn small" data-testid="term-split" onClick={() => split(tab.id)}>
            Split
          </button>
        ) : (
          <button
            className="btn small"
            data-testid="term-unsplit"
            title="Close the right-hand shell"
            onClick={() => {
              const right = panes[1]!;
              if (confirmEndShells([right], paneStatus, 'Closing the right-hand shell'))
                closePane(tab.id, right);
            }}
          >
            Unsplit
          </button>
        )}
      </div>
      <div className={`term-panes n${panes.length}`}>
        {panes.map((p, i) => (
          <TerminalPane
            key={p}
            hostId={tab.hostId!}
            hostName={hostName}
            paneId={p}
            asUser={tab.asUser}
            visible={visible}
            settings={settings.data}
            testId={`term-pane-${i}`}
            onClose={() => closePane(tab.id, p)}
            backend={backend}
          />
        ))}
      </div>
    </div>
  );
}
