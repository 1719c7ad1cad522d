import { beforeEach, describe, expect, it } from 'vitest';
import { useUi } from './ui-store';

describe('ui store tabs', () => {
  beforeEach(() =>
    useUi.setState({ tabs: [{ id: 'local', kind: 'local', title: 'This computer' }], activeId: 'local' }),
  );

  it('opens a singleton view once and focuses it again', () => {
    useUi.getState().open('activity');
    useUi.getState().activate('local');
    useUi.getState().open('activity');
    expect(useUi.getState().tabs.map((t) => t.id)).toEqual(['local', 'activity']);
    expect(useUi.getState().activeId).toBe('activity');
  });

  it('closing the active tab focuses its neighbour, closing the last leaves none', () => {
    useUi.getState().open('activity');
    useUi.getState().open('settings');
    useUi.getState().activate('activity');
    useUi.getState().close('activity');
    expect(useUi.getState().activeId).toBe('settings');
    useUi.getState().close('settings');
    useUi.getState().close('local');
    expect(useUi.getState().activeId).toBeNull();
  });
});

describe('host tabs', () => {
  beforeEach(() =>
    useUi.setState({
      tabs: [{ id: 'local', kind: 'local', title: 'This computer' }],
      activeId: 'local',
      knownHostIds: [],
    }),
  );

  it('opens one tab per host, follows renames and closes tabs of removed hosts', () => {
    useUi.getState().syncHosts([
      { id: 3, name: 'gpu1' },
      { id: 4, name: 'ct1' },
    ]);
    useUi.getState().openHost(3, 'gpu1');
    useUi.getState().openHost(4, 'ct1');
    useUi.getState().openHost(3, 'gpu1');
    expect(useUi.getState().tabs.map((t) => t.id)).toEqual(['local', 'host:3', 'host:4']);
    expect(useUi.getState().activeId).toBe('host:3');
    useUi.getState().syncHosts([{ id: 4, name: 'ct1-renamed' }]);
    expect(useUi.getState().tabs.map((t) => t.title)).toEqual(['This computer', 'ct1-renamed']);
    expect(useUi.getState().activeId).toBe('local');
  });

  it('keeps the page of a just-added host open when a list fetched before the add arrives', () => {
    useUi.getState().syncHosts([{ id: 1, name: 'old' }]);
    // Save in the host dialog: the new host's page opens at once...
    useUi.getState().openHost(2, 'new-host');
    // ...and a hosts list requested before the save lands afterwards.
    useUi.getState().syncHosts([{ id: 1, name: 'old' }]);
    expect(useUi.getState().tabs.map((t) => t.id)).toEqual(['local', 'host:2']);
    expect(useUi.getState().activeId).toBe('host:2');
    useUi.getState().syncHosts([
      { id: 1, name: 'old' },
      { id: 2, name: 'new-host' },
    ]);
    expect(useUi.getState().activeId).toBe('host:2');
  });
});

describe('terminal tabs', () => {
  beforeEach(() =>
    useUi.setState({ tabs: [{ id: 'local', kind: 'local', title: 'This computer' }], activeId: 'local' }),
  );

  it('opens many terminals, renames, reorders, splits and closes panes', () => {
    useUi.getState().openTerminal(1, 'h1');
    useUi.getState().openTerminal(1, 'h1', 'alice');
    const [, a, b] = useUi.getState().tabs;
    expect(b!.title).toBe('h1 (alice)');
    useUi.getState().rename(a!.id, 'build logs');
    useUi.getState().move(b!.id, a!.id);
    expect(useUi.getState().tabs.map((t) => t.title)).toEqual(['This computer', 'h1 (alice)', 'build logs']);
    useUi.getState().split(a!.id);
    useUi.getState().split(a!.id);
    const panes = useUi.getState().tabs.find((t) => t.id === a!.id)!.panes!;
    expect(panes).toHaveLength(2);
    useUi.getState().closePane(a!.id, panes[0]!);
    expect(useUi.getState().tabs.find((t) => t.id === a!.id)!.panes).toEqual([panes[1]]);
    useUi.getState().closePane(a!.id, panes[1]!);
    expect(useUi.getState().tabs.some((t) => t.id === a!.id)).toBe(false);
    // Host renames leave terminal titles alone.
    useUi.getState().syncHosts([{ id: 1, name: 'renamed' }]);
    expect(useUi.getState().tabs.map((t) => t.title)).toEqual(['This computer', 'h1 (alice)']);
  });

  it('numbers further shells on the same host, and tracks each pane for its tab', () => {
    useUi.getState().openTerminal(2, 'gpu');
    useUi.getState().openTerminal(2, 'gpu');
    useUi.getState().openTerminal(2, 'gpu');
    const titles = useUi.getState().tabs.map((t) => t.title);
    expect(titles.filter((t) => t.startsWith('gpu'))).toEqual(['gpu', 'gpu #2', 'gpu #3']);
    useUi.getState().setPaneStatus('p1', 'lost');
    expect(useUi.getState().paneStatus).toMatchObject({ p1: 'lost' });
    useUi.getState().setPaneStatus('p1', null);
    expect(useUi.getState().paneStatus).not.toHaveProperty('p1');
  });
});

describe('the Activity tab', () => {
  beforeEach(() =>
    useUi.setState({ tabs: [{ id: 'local', kind: 'local', title: 'This computer' }], activeId: 'local' }),
  );

  it('opens filtered from elsewhere, replacing the filter but keeping the grouping', () => {
    useUi.getState().openActivity({ hostId: 3 });
    expect(useUi.getState().activeId).toBe('activity');
    expect(useUi.getState().tabs.find((t) => t.id === 'activity')?.filter).toEqual({ hostId: 3 });
    useUi.getState().setActivityView({ grouped: true, filter: { hostId: 3, result: 'error' } });
    useUi.getState().activate('local');
    useUi.getState().openActivity({ jobId: 'j' });
    const tab = useUi.getState().tabs.find((t) => t.id === 'activity');
    expect(tab).toMatchObject({ filter: { jobId: 'j' }, grouped: true });
    expect(useUi.getState().tabs.filter((t) => t.kind === 'activity')).toHaveLength(1);
    expect(useUi.getState().activeId).toBe('activity');
  });

  it('keeps its filter when opened again from the sidebar', () => {
    useUi.getState().openActivity({ result: 'error' });
    useUi.getState().activate('local');
    useUi.getState().open('activity');
    expect(useUi.getState().tabs.find((t) => t.id === 'activity')?.filter).toEqual({ result: 'error' });
  });
});

describe('experiments tab', () => {
  beforeEach(() =>
    useUi.setState({ tabs: [{ id: 'local', kind: 'local', title: 'This computer' }], activeId: 'local' }),
  );

  it('is one tab: on an experiment, and back on the list from the sidebar', () => {
    useUi.getState().openExperiment(7);
    expect(useUi.getState().tabs.find((t) => t.id === 'experiments')?.experimentId).toBe(7);
    useUi.getState().openExperiment(9);
    expect(useUi.getState().tabs.filter((t) => t.kind === 'experiments')).toHaveLength(1);
    expect(useUi.getState().tabs.find((t) => t.id === 'experiments')?.experimentId).toBe(9);
    useUi.getState().activate('local');
    useUi.getState().open('experiments');
    expect(useUi.getState().activeId).toBe('experiments');
    expect(useUi.getState().tabs.find((t) => t.id === 'experiments')?.experimentId).toBeUndefined();
  });
});
