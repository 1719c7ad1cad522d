import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, useConnection } from './api';
import { Sidebar } from './components/Sidebar';
import { TabBar } from './components/TabBar';
import { ActivityPage } from './pages/ActivityPage';
import { LocalMachinePage } from './pages/LocalMachinePage';
import { SettingsPage } from './pages/SettingsPage';
import { useUi, type TabKind } from './state/ui-store';

const PAGES: Record<TabKind, () => React.JSX.Element> = {
  local: LocalMachinePage,
  activity: ActivityPage,
  settings: SettingsPage,
};

export function App(): React.JSX.Element {
  const { tabs, activeId } = useUi();
  const connection = useConnection((s) => s.state);
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  useEffect(() => {
    document.documentElement.dataset['theme'] = settings.data?.theme ?? 'dark';
  }, [settings.data?.theme]);

  const active = tabs.find((t) => t.id === activeId);
  const Page = active ? PAGES[active.kind] : null;
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
          {Page ? <Page /> : <div className="empty">No tab open. Pick a host or a page on the left.</div>}
        </div>
      </main>
    </div>
  );
}
