// Which tabs are open and which is showing. Tabs are views, not data: data lives in react-query.
import { create } from 'zustand';

export type TabKind = 'local' | 'activity' | 'settings';

export interface Tab {
  id: string;
  kind: TabKind;
  title: string;
}

const TITLES: Record<TabKind, string> = {
  local: 'This computer',
  activity: 'Activity',
  settings: 'Settings',
};

interface UiState {
  tabs: Tab[];
  activeId: string | null;
  open: (kind: TabKind) => void;
  close: (id: string) => void;
  activate: (id: string) => void;
}

export const useUi = create<UiState>((set) => ({
  tabs: [{ id: 'local', kind: 'local', title: TITLES.local }],
  activeId: 'local',
  // Singleton views reuse their tab; later kinds (terminals) will open many.
  open: (kind) =>
    set((s) =>
      s.tabs.some((t) => t.id === kind)
        ? { activeId: kind }
        : { tabs: [...s.tabs, { id: kind, kind, title: TITLES[kind] }], activeId: kind },
    ),
  close: (id) =>
    set((s) => {
      const index = s.tabs.findIndex((t) => t.id === id);
      if (index < 0) return s;
      const tabs = s.tabs.filter((t) => t.id !== id);
      const activeId = s.activeId === id ? (tabs[Math.min(index, tabs.length - 1)]?.id ?? null) : s.activeId;
      return { tabs, activeId };
    }),
  activate: (id) => set({ activeId: id }),
}));
