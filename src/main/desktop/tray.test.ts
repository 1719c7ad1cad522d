import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttle, trayMenuTemplate, trayStatus, trayTooltip, type TrayStatus } from './tray';

const status = (o: Partial<TrayStatus> = {}): TrayStatus => ({ online: 0, total: 0, running: [], ...o });

describe('tray status', () => {
  it('counts online hosts of the inventory only, and running jobs only', () => {
    const s = trayStatus({
      hosts: [{ id: 1 }, { id: 2 }, { id: 3 }],
      states: [
        { hostId: 1, state: 'online' },
        { hostId: 2, state: 'connecting' },
        { hostId: 3, state: 'online' },
        // A removed host still known to the pool does not count.
        { hostId: 9, state: 'online' },
      ],
      jobs: [
        { id: 'a', title: 'Bootstrap h1', state: 'running' },
        { id: 'b', title: 'Pull image', state: 'queued' },
        { id: 'c', title: 'Old', state: 'succeeded' },
        { id: 'd', title: 'Archive', state: 'running' },
      ],
    });
    expect(s).toEqual({
      online: 2,
      total: 3,
      running: [
        { id: 'a', title: 'Bootstrap h1' },
        { id: 'd', title: 'Archive' },
      ],
    });
  });

  it('says the counts in the tooltip, singular where it is one', () => {
    expect(trayTooltip(status({ online: 2, total: 3, running: [{ id: 'a', title: 'x' }] }))).toBe(
      'Labdeck\n2 of 3 hosts online\n1 job running',
    );
    expect(trayTooltip(status({ online: 1, total: 1 }))).toBe('Labdeck\n1 of 1 host online\n0 jobs running');
  });
});

describe('tray menu', () => {
  it('has the counts, each running job (disabled), Show Labdeck and Quit', () => {
    const onShow = vi.fn();
    const onQuit = vi.fn();
    const items = trayMenuTemplate(
      status({
        online: 1,
        total: 2,
        running: [
          { id: 'a', title: 'Bootstrap h1' },
          { id: 'b', title: 'Pull\n  image' },
        ],
      }),
      { onShow, onQuit },
    );
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      '1 of 2 hosts online',
      '2 jobs running',
      'Bootstrap h1',
      'Pull image',
      'separator',
      'Show Labdeck',
      'separator',
      'Quit',
    ]);
    expect(items.slice(0, 4).every((i) => i.enabled === false)).toBe(true);
    items.find((i) => i.label === 'Show Labdeck')!.click!();
    expect(onShow).toHaveBeenCalledTimes(1);
    items.find((i) => i.label === 'Quit')!.click!();
    expect(onQuit).toHaveBeenCalledTimes(1);
  });

  it('lists at most maxJobs jobs, shortens long titles, and says how many more', () => {
    const running = Array.from({ length: 5 }, (_, i) => ({
      id: String(i),
      title: `job ${i} ${'x'.repeat(100)}`,
    }));
    const items = trayMenuTemplate(status({ running }), { onShow: vi.fn(), onQuit: vi.fn(), maxJobs: 3 });
    const jobs = items.filter((i) => i.label?.startsWith('job '));
    expect(jobs).toHaveLength(3);
    for (const j of jobs) expect(j.label!.length).toBeLessThanOrEqual(60);
    expect(jobs[0]!.label!.endsWith('…')).toBe(true);
    expect(items.find((i) => i.label === 'and 2 more')).toEqual({ label: 'and 2 more', enabled: false });
    expect(items.at(-1)!.label).toBe('Quit');
  });
});

describe('throttle', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at once after a quiet period, then once at the end of the window', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    t();
    t();
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(999);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(2);
    t();
    expect(fn).toHaveBeenCalledTimes(3);
    t();
    t.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
