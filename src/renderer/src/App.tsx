import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { api, useConnection } from './api';
import { Sidebar } from './components/Sidebar';
import { TabBar } from './components/TabBar';
import { Toasts } from './components/Toasts';
import { BootstrapDialog } from './components/BootstrapDialog';
import { CommandPalette } from './components/CommandPalette';
import { ActivityPage } from './pages/ActivityPage';
import { BootstrapPage } from './pages/BootstrapPage';
import { DockerFleetPage } from './pages/DockerFleetPage';
import { ExperimentPage } from './pages/ExperimentPage';
import { ExperimentsPage } from './pages/ExperimentsPage';
import { FleetPage } from './pages/FleetPage';
import { JobsPage } from './pages/JobsPage';
import { LocalMachinePage } from './pages/LocalMachinePage';
import { HostPage } from './pages/HostPage';
import { SettingsPage } from './pages/SettingsPage';
import { useHostStatesStream } from './state/host-states';
import { useJobsStream } from './state/jobs';
import { useUi, type Tab } from './state/ui-store';

// xterm.js and its addons load with the first terminal, not at start-up.
const TerminalTab = lazy(() => import('./components/TerminalTab').then((m) => ({ default: m.TerminalTab })));

function Page({ tab }: { tab: Tab }): React.JSX.Element | null {
  switch (tab.kind) {
    case 'local':
      return <LocalMachinePage />;
    case 'activity':
      return <ActivityPage />;
    case 'jobs':
      return <JobsPage />;
    case 'settings':
      return <SettingsPage />;
    case 'docker':
      return <DockerFleetPage />;
    case 'fleet':
      return <FleetPage />;
    case 'bootstrap':
      return <BootstrapPage runId={tab.runId} hostFilter={tab.hostFilter} />;
    case 'experiments':
      return tab.experimentId !== undefined ? (
        <ExperimentPage key={tab.experimentId} id={tab.experimentId} />
      ) : (
        <ExperimentsPage />
      );
    case 'host':
      return <HostPage key={tab.hostId} hostId={tab.hostId!} />;
    case 'terminal':
      return null; // terminals stay mounted (below) so their scrollback survives tab switches
  }
}

export function App(): React.JSX.Element {
  const { tabs, activeId } = useUi();
  const connection = useConnection((s) => s.state);
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const syncHosts = useUi((s) => s.syncHosts);
  const bootstrapHosts = useUi((s) => s.bootstrapHosts);
  const askBootstrap = useUi((s) => s.askBootstrap);
  useHostStatesStream();
  useJobsStream();
  useEffect(() => {
    document.documentElement.dataset['theme'] = settings.data?.theme ?? 'dark';
  }, [settings.data?.theme]);
  useEffect(() => {
    if (hosts.data) syncHosts(hosts.data);
  }, [hosts.data, syncHosts]);

  const active = tabs.find((t) => t.id === activeId);
  return (
    <div className="app">
      <Sidebar />
      <main className="main">
        {connection === 'lost' && (
          <div className="banner error" role="alert">
            Lost the connection to the Labdeck server. Reconnecting… (is <code>npm run serve</code> still
            running?)
          </div>
        )}
        <TabBar />
        <div className="content">
          {active ? (
            <Page tab={active} />
          ) : (
            <div className="empty">No tab open. Pick a host or a page on the left.</div>
          )}
          <Suspense fallback={<div className="empty">Loading the terminal…</div>}>
            {tabs
              .filter((t) => t.kind === 'terminal')
              .map((t) => (
                <TerminalTab key={t.id} tab={t} visible={t.id === activeId} />
              ))}
          </Suspense>
        </div>
      </main>
      <Toasts />
      {bootstrapHosts && <BootstrapDialog hostIds={bootstrapHosts} onClose={() => askBootstrap(null)} />}
      <CommandPalette />
    </div>
  );
}
