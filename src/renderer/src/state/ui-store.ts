// Which tabs are open and which is showing. Tabs are views, not data: data lives in react-query.
import { create } from 'zustand';

export type TabKind = 'local' | 'activity' | 'settings' | 'host';

export interface Tab {
  id: string;
  kind: TabKind;
  title: string;
  hostId?: number;
}

const TITLES: Record<Exclude<TabKind, 'host'>, string> = {
  local: 'This computer',
  activity: 'Activity',
  settings: 'Settings',
};

interface UiState {
  tabs: Tab[];
  activeId: string | null;
  open: (kind: Exclude<TabKind, 'host'>) => void;
  openHost: (hostId: number, title: string) => void;
  close: (id: string) => void;
  activate: (id: string) => void;
  /** Keeps tab titles in step with renamed hosts and closes tabs of removed ones. */
  syncHosts: (hosts: { id: number; name: string }[]) => void;
}

const focusOrAdd = (s: UiState, tab: Tab): Partial<UiState> =>
  s.tabs.some((t) => t.id === tab.id) ? { activeId: tab.id } : { tabs: [...s.tabs, tab], activeId: tab.id };

export const useUi = create<UiState>((set) => ({
  tabs: [{ id: 'local', kind: 'local', title: TITLES.local }],
  activeId: 'local',
  open: (kind) => set((s) => focusOrAdd(s, { id: kind, kind, title: TITLES[kind] })),
  openHost: (hostId, title) =>
    set((s) => focusOrAdd(s, { id: `host:${hostId}`, kind: 'host', title, hostId })),
  close: (id) =>
    set((s) => {
      const index = s.tabs.findIndex((t) => t.id === id);
      if (index < 0) return s;
      const tabs = s.tabs.filter((t) => t.id !== id);
      const activeId = s.activeId === id ? (tabs[Math.min(index, tabs.length - 1)]?.id ?? null) : s.activeId;
      return { tabs, activeId };
    }),
  activate: (id) => set({ activeId: id }),
  syncHosts: (hosts) =>
    set((s) => {
      const names = new Map(hosts.map((h) => [h.id, h.name]));
      const tabs = s.tabs
        .filter((t) => t.kind !== 'host' || names.has(t.hostId!))
        .map((t) => (t.kind === 'host' ? { ...t, title: names.get(t.hostId!)! } : t));
      const changed = tabs.length !== s.tabs.length || tabs.some((t, i) => t.title !== s.tabs[i]!.title);
      if (!changed) return s;
      return { tabs, activeId: tabs.some((t) => t.id === s.activeId) ? s.activeId : (tabs[0]?.id ?? null) };
    }),
}));
