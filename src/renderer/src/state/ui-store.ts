// Which tabs are open and which is showing. Tabs are views, not data: data lives in react-query.
import { create } from 'zustand';
import type { AuditFilterInput } from '../../../shared/api/domain';

export type TabKind =
  | 'local'
  | 'activity'
  | 'jobs'
  | 'settings'
  | 'host'
  | 'terminal'
  | 'docker'
  | 'bootstrap'
  | 'fleet'
  | 'experiments';
/** The views there is one of, opened from the sidebar. */
export type PageKind =
  'local' | 'activity' | 'jobs' | 'settings' | 'docker' | 'bootstrap' | 'fleet' | 'experiments';

export interface Tab {
  id: string;
  kind: TabKind;
  title: string;
  hostId?: number;
  /** Terminal tabs: the user to open shells as, and the panes (one, or two side by side). */
  asUser?: string;
  panes?: string[];
  /** Terminal tabs with a shell inside a container (docker exec) rather than on the host. */
  container?: { id: string; name: string };
  /** Set when the user renamed the tab; then host renames leave it alone. */
  customTitle?: boolean;
  /** Activity: the question on screen, kept here so it survives switching tabs. */
  filter?: AuditFilterInput;
  /** Activity: rows of one job or terminal session shown together. */
  grouped?: boolean;
  /** Bootstrap: the run on screen (none: the list of runs); `hostFilter`: runs of one host. */
  runId?: string;
  hostFilter?: number;
  /** Experiments: the one on screen (none: the list of all). */
  experimentId?: number;
}

let seq = 0;
const newId = (prefix: string): string => `${prefix}:${Date.now().toString(36)}${(seq++).toString(36)}`;

const TITLES: Record<PageKind, string> = {
  local: 'This computer',
  activity: 'Activity',
  jobs: 'Jobs',
  settings: 'Settings',
  docker: 'Containers',
  bootstrap: 'Bootstrap',
  fleet: 'Fleet',
  experiments: 'Experiments',
};

/** How a terminal pane's shell is doing, so its tab can say so while it is in the background. */
export type PaneStatus = 'opening' | 'open' | 'exited' | 'lost' | 'failed';

/** Whether closing these panes ends running shells; asks the person first if so. */
export function confirmEndShells(panes: string[], status: Record<string, PaneStatus>, what: string): boolean {
  const live = panes.filter((p) => status[p] === 'open' || status[p] === 'opening').length;
  if (live === 0) return true;
  return window.confirm(
    `${what} ends ${live === 1 ? 'a running shell' : `${live} running shells`}. Continue?`,
  );
}

interface UiState {
  tabs: Tab[];
  paneStatus: Record<string, PaneStatus>;
  setPaneStatus: (pane: string, status: PaneStatus | null) => void;
  activeId: string | null;
  open: (kind: PageKind) => void;
  openHost: (hostId: number, title: string) => void;
  /** Activity showing just this (e.g. one host's or one job's history), whatever it showed before. */
  openActivity: (filter: AuditFilterInput) => void;
  setActivityView: (patch: Pick<Tab, 'filter' | 'grouped'>) => void;
  openTerminal: (hostId: number, hostName: string, asUser?: string) => void;
  /** A terminal tab with a shell inside a container on the host. */
  openContainerShell: (hostId: number, hostName: string, container: { id: string; name: string }) => void;
  rename: (id: string, title: string) => void;
  /** Moves tab `id` to where `beforeId` is. */
  move: (id: string, beforeId: string) => void;
  split: (id: string) => void;
  closePane: (id: string, pane: string) => void;
  close: (id: string) => void;
  activate: (id: string) => void;
  /** Keeps tab titles in step with renamed hosts and closes tabs of removed ones. */
  syncHosts: (hosts: { id: number; name: string }[]) => void;
  /** The host ids of the last list seen: only a host that was in it and is gone now was removed. */
  knownHostIds: number[];
  /** Bootstrap page on one run, or on the list of runs (of one host). */
  openBootstrap: (view: { runId?: string; hostFilter?: number }) => void;
  /** Experiments page on one experiment, or on the list of all (null). */
  openExperiment: (experimentId: number | null) => void;
  /** Hosts picked in the sidebar (Ctrl/⌘+click) for something done to several at once. */
  selectedHosts: number[];
  toggleHostSelected: (hostId: number) => void;
  clearHostSelection: () => void;
  /** The Bootstrap dialog, open for these hosts. */
  bootstrapHosts: number[] | null;
  askBootstrap: (hostIds: number[] | null) => void;
}

function closeTab(s: UiState, id: string): Partial<UiState> {
  const index = s.tabs.findIndex((t) => t.id === id);
  if (index < 0) return s;
  const tabs = s.tabs.filter((t) => t.id !== id);
  const activeId = s.activeId === id ? (tabs[Math.min(index, tabs.length - 1)]?.id ?? null) : s.activeId;
  return { tabs, activeId };
}

const focusOrAdd = (s: UiState, tab: Tab): Partial<UiState> =>
  s.tabs.some((t) => t.id === tab.id) ? { activeId: tab.id } : { tabs: [...s.tabs, tab], activeId: tab.id };

/** The Bootstrap tab (one of it) on a run, or on the list of runs (of one host). */
function showBootstrap(s: UiState, view: { runId?: string; hostFilter?: number }): Partial<UiState> {
  const tab: Tab = {
    id: 'bootstrap',
    kind: 'bootstrap',
    title: TITLES.bootstrap,
    ...(view.runId ? { runId: view.runId } : {}),
    ...(view.hostFilter !== undefined ? { hostFilter: view.hostFilter } : {}),
  };
  const exists = s.tabs.some((t) => t.id === 'bootstrap');
  return {
    tabs: exists ? s.tabs.map((t) => (t.id === 'bootstrap' ? tab : t)) : [...s.tabs, tab],
    activeId: 'bootstrap',
  };
}

/** The Experiments tab (one of it) on one experiment, or on the list. */
function showExperiments(s: UiState, experimentId: number | null): Partial<UiState> {
  const tab: Tab = {
    id: 'experiments',
    kind: 'experiments',
    title: TITLES.experiments,
    ...(experimentId !== null ? { experimentId } : {}),
  };
  const exists = s.tabs.some((t) => t.id === 'experiments');
  return {
    tabs: exists ? s.tabs.map((t) => (t.id === 'experiments' ? tab : t)) : [...s.tabs, tab],
    activeId: 'experiments',
  };
}

export const useUi = create<UiState>((set) => ({
  tabs: [{ id: 'local', kind: 'local', title: TITLES.local }],
  activeId: 'local',
  paneStatus: {},
  knownHostIds: [],
  selectedHosts: [],
  bootstrapHosts: null,
  toggleHostSelected: (hostId) =>
    set((s) => ({
      selectedHosts: s.selectedHosts.includes(hostId)
        ? s.selectedHosts.filter((h) => h !== hostId)
        : [...s.selectedHosts, hostId],
    })),
  clearHostSelection: () => set({ selectedHosts: [] }),
  askBootstrap: (hostIds) => set({ bootstrapHosts: hostIds }),
  openBootstrap: (view) => set((s) => showBootstrap(s, view)),
  openExperiment: (experimentId) => set((s) => showExperiments(s, experimentId)),
  setPaneStatus: (pane, status) =>
    set((s) => {
      if ((s.paneStatus[pane] ?? null) === status) return s;
      const paneStatus = { ...s.paneStatus };
      if (status) paneStatus[pane] = status;
      else delete paneStatus[pane];
      return { paneStatus };
    }),
  // Bootstrap (Experiments) from the sidebar shows the list, whatever run (experiment) its tab showed.
  open: (kind) =>
    set((s) =>
      kind === 'bootstrap'
        ? showBootstrap(s, {})
        : kind === 'experiments'
          ? showExperiments(s, null)
          : focusOrAdd(s, { id: kind, kind, title: TITLES[kind] }),
    ),
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
  openActivity: (filter) =>
    set((s) => {
      const existing = s.tabs.find((t) => t.id === 'activity');
      if (!existing) {
        const tab: Tab = { id: 'activity', kind: 'activity', title: TITLES.activity, filter };
        return { tabs: [...s.tabs, tab], activeId: tab.id };
      }
      return {
        tabs: s.tabs.map((t) => (t.id === 'activity' ? { ...t, filter } : t)),
        activeId: 'activity',
      };
    }),
  setActivityView: (patch) =>
    set((s) => ({ tabs: s.tabs.map((t) => (t.id === 'activity' ? { ...t, ...patch } : t)) })),
  openTerminal: (hostId, hostName, asUser) =>
    set((s) => {
      // A second shell on the same host gets a number, so tabs can be told apart.
      const base = asUser ? `${hostName} (${asUser})` : hostName;
      const taken = new Set(s.tabs.filter((t) => t.kind === 'terminal').map((t) => t.title));
      let title = base;
      for (let n = 2; taken.has(title); n++) title = `${base} #${n}`;
      return focusOrAdd(s, {
        id: newId('term'),
        kind: 'terminal',
        title,
        hostId,
        ...(asUser ? { asUser } : {}),
        panes: [newId('pane')],
      });
    }),
  openContainerShell: (hostId, hostName, container) =>
    set((s) => {
      const base = `${container.name} @ ${hostName}`;
      const taken = new Set(s.tabs.filter((t) => t.kind === 'terminal').map((t) => t.title));
      let title = base;
      for (let n = 2; taken.has(title); n++) title = `${base} #${n}`;
      return focusOrAdd(s, {
        id: newId('term'),
        kind: 'terminal',
        title,
        hostId,
        container,
        panes: [newId('pane')],
      });
    }),
  rename: (id, title) =>
    set((s) => ({
      tabs: s.tabs.map((t) =>
        t.id === id && title.trim() ? { ...t, title: title.trim(), customTitle: true } : t,
      ),
    })),
  move: (id, beforeId) =>
    set((s) => {
      if (id === beforeId) return s;
      const tab = s.tabs.find((t) => t.id === id);
      if (!tab) return s;
      const rest = s.tabs.filter((t) => t.id !== id);
      const at = rest.findIndex((t) => t.id === beforeId);
      rest.splice(at < 0 ? rest.length : at, 0, tab);
      return { tabs: rest };
    }),
  split: (id) =>
    set((s) => ({
      tabs: s.tabs.map((t) =>
        t.id === id && t.panes && t.panes.length < 2 ? { ...t, panes: [...t.panes, newId('pane')] } : t,
      ),
    })),
  closePane: (id, pane) =>
    set((s) => {
      const tab = s.tabs.find((t) => t.id === id);
      if (!tab?.panes) return s;
      if (tab.panes.length <= 1) return closeTab(s, id);
      return {
        tabs: s.tabs.map((t) => (t.id === id ? { ...t, panes: t.panes!.filter((p) => p !== pane) } : t)),
      };
    }),
  activate: (id) => set({ activeId: id }),
  syncHosts: (hosts) =>
    set((s) => {
      const names = new Map(hosts.map((h) => [h.id, h.name]));
      // A list fetched before a host was added does not have it yet: only a host that an earlier
      // list had and this one lacks was removed. (A just-added host's page must not be closed by
      // a stale list that arrives after it opened.)
      const removed = new Set(s.knownHostIds.filter((id) => !names.has(id)));
      const knownHostIds = [...names.keys()];
      // Host pages follow renames; terminals keep their title (and their scrollback) either way.
      const tabs = s.tabs
        .filter((t) => t.kind !== 'host' || !removed.has(t.hostId!))
        .map((t) =>
          t.kind === 'host' && !t.customTitle && names.has(t.hostId!)
            ? { ...t, title: names.get(t.hostId!)! }
            : t,
        );
      const changed = tabs.length !== s.tabs.length || tabs.some((t, i) => t.title !== s.tabs[i]!.title);
      if (!changed) return { knownHostIds };
      return {
        knownHostIds,
        tabs,
        activeId: tabs.some((t) => t.id === s.activeId) ? s.activeId : (tabs[0]?.id ?? null),
      };
    }),
}));
