import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import type { AutomaticEvent } from '../../lib/area';
import { AlertTracker, DEFAULT_THRESHOLDS } from './alerts';

function sample(diskUsed: number, memAvailable: number, vramUsed: number | null = null): HostMetricsSample {
  return {
    hostId: 1,
    ts: 0,
    uptimeSec: 1,
    cpu: null,
    cores: [],
    load: null,
    memory: {
      totalBytes: 100,
      usedBytes: 100 - memAvailable,
      cacheBytes: 0,
      availableBytes: memAvailable,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    mounts: [{ mount: '/data', totalBytes: 100, usedBytes: diskUsed, availableBytes: 100 - diskUsed }],
    diskReadBps: null,
    diskWriteBps: null,
    interfaces: [],
    netRxBps: null,
    netTxBps: null,
    processes: null,
    gpus:
      vramUsed === null
        ? []
        : [
            {
              index: 0,
              uuid: 'GPU-0',
              name: 'H100',
              utilPercent: 100,
              memUtilPercent: null,
              memTotalMiB: 1000,
              memUsedMiB: vramUsed,
              tempC: null,
              powerW: null,
              powerLimitW: null,
              fanPercent: null,
              smClockMHz: null,
              pstate: null,
            },
          ],
    gpuProcesses: [],
    gpuError: null,
    users: [],
    usersFrom: null,
  };
}

let rows: AutomaticEvent[];
let t: AlertTracker;
beforeEach(() => {
  vi.useFakeTimers();
  rows = [];
  t = new AlertTracker(
    (e) => rows.push(e),
    () => 'box',
    DEFAULT_THRESHOLDS,
  );
});
afterEach(() => {
  t.close();
  vi.useRealTimers();
});

describe('AlertTracker', () => {
  it('one row when a threshold is crossed and one when it clears, not one per sample', () => {
    t.sample(sample(50, 50));
    expect(rows).toEqual([]);
    for (let i = 0; i < 5; i++) t.sample(sample(93, 50));
    expect(rows.map((r) => r.action)).toEqual(['metrics.alertStarted']);
    expect(rows[0]).toMatchObject({
      target: 'box',
      refs: { hostId: 1 },
      details: { alert: 'disk:/data', value: 93, threshold: 90 },
    });
    expect(t.alerts(1).map((a) => a.message)).toEqual(['disk /data 93% full']);
    // Hovering at the line does not flap; back under by the margin clears it.
    t.sample(sample(89, 50));
    t.sample(sample(91, 50));
    expect(rows).toHaveLength(1);
    t.sample(sample(80, 50));
    expect(rows.map((r) => r.action)).toEqual(['metrics.alertStarted', 'metrics.alertCleared']);
    expect(t.alerts(1)).toEqual([]);
  });

  it('memory nearly gone and GPU memory nearly full', () => {
    t.sample(sample(10, 4, 960));
    expect(
      t
        .alerts(1)
        .map((a) => a.key)
        .sort(),
    ).toEqual(['gpu0.mem', 'memory']);
    // The GPU disappears (hot-unplug): its alert clears.
    t.sample(sample(10, 4));
    expect(t.alerts(1).map((a) => a.key)).toEqual(['memory']);
    expect(rows.filter((r) => r.action === 'metrics.alertCleared')).toHaveLength(1);
  });

  it('offline only after a minute of a lost link; a person’s disconnect is no alert', () => {
    t.link(1, 'offline');
    vi.advanceTimersByTime(59_000);
    t.link(1, 'connecting');
    expect(rows).toEqual([]);
    vi.advanceTimersByTime(2000);
    expect(t.alerts(1).map((a) => a.key)).toEqual(['offline']);
    t.link(1, 'online');
    expect(rows.map((r) => r.action)).toEqual(['metrics.alertStarted', 'metrics.alertCleared']);
    expect(rows[1]!.durationMs).toBe(1000);

    rows.length = 0;
    t.link(1, 'offline');
    t.link(1, 'idle');
    vi.advanceTimersByTime(120_000);
    expect(rows).toEqual([]);
  });

  it('takes changed thresholds (the settings) at the next sample, and the offline grace at the next outage', () => {
    const now = { ...DEFAULT_THRESHOLDS };
    const live = new AlertTracker(
      (e) => rows.push(e),
      () => 'box',
      () => now,
    );
    live.sample(sample(85, 50));
    expect(live.alerts(1)).toEqual([]);
    now.diskPercent = 80;
    live.sample(sample(85, 50));
    expect(live.alerts(1).map((a) => a.key)).toEqual(['disk:/data']);
    expect(rows.at(-1)).toMatchObject({ details: { threshold: 80 } });
    // Raised back: the alert clears once the value is inside the new line by the margin.
    now.diskPercent = 95;
    live.sample(sample(85, 50));
    expect(live.alerts(1)).toEqual([]);

    now.offlineMs = 10_000;
    live.link(1, 'offline');
    vi.advanceTimersByTime(10_500);
    expect(live.alerts(1).map((a) => a.message)).toEqual(['offline for over 10 s']);
    live.close();
  });
});
