import { describe, expect, it } from 'vitest';
import type { FleetEntry, GpuFigures, HostMetricsSample } from '../../../shared/api/metrics-domain';
import {
  alertBadgeText,
  cardFigures,
  cpuUse,
  fleetFilters,
  gpuUse,
  passesFilter,
  sortFleet,
  userRows,
} from './fleet-view';

const gpu = (index: number, util: number | null, used: number, total = 81559): GpuFigures => ({
  index,
  uuid: `GPU-${index}`,
  name: 'NVIDIA H100 80GB HBM3',
  utilPercent: util,
  memUtilPercent: null,
  memTotalMiB: total,
  memUsedMiB: used,
  tempC: 40,
  powerW: 100,
  powerLimitW: 700,
  fanPercent: null,
  smClockMHz: null,
  pstate: 'P0',
});

function sample(hostId: number, patch: Partial<HostMetricsSample> = {}): HostMetricsSample {
  return {
    hostId,
    ts: 1,
    uptimeSec: 10,
    cpu: { total: 10, user: 10, system: 0, iowait: 0, steal: 0 },
    cores: [10],
    load: [0, 0, 0],
    memory: {
      totalBytes: 1000,
      usedBytes: 200,
      cacheBytes: 100,
      availableBytes: 750,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    mounts: [
      { mount: '/', totalBytes: 100, usedBytes: 50, availableBytes: 50 },
      { mount: '/data', totalBytes: 100, usedBytes: 91, availableBytes: 9 },
    ],
    diskReadBps: 0,
    diskWriteBps: 0,
    interfaces: [],
    netRxBps: 0,
    netTxBps: 0,
    processes: 5,
    gpus: [],
    gpuProcesses: [],
    gpuError: null,
    users: [],
    usersFrom: null,
    ...patch,
  };
}

const entry = (hostId: number, online: boolean, latest: HostMetricsSample | null): FleetEntry => ({
  hostId,
  online,
  lastSeen: latest?.ts ?? null,
  latest,
  alerts: [],
});

describe('fleet cards', () => {
  it('names who is using the GPUs, heaviest first', () => {
    const s = sample(1, {
      gpus: [gpu(0, 71, 40000), gpu(1, 71, 1000)],
      gpuProcesses: [
        { pid: 5, name: 'python3', usedMiB: 1000, gpuUuid: 'GPU-1', user: 'bob' },
        { pid: 4, name: 'python3', usedMiB: 40000, gpuUuid: 'GPU-0', user: 'exp_llama' },
      ],
    });
    expect(gpuUse(s)).toBe('GPU busy: 71% by exp_llama, bob');
    expect(gpuUse(sample(1, { gpus: [gpu(0, 0, 0)] }))).toBe('GPU idle');
    expect(gpuUse({ ...s, gpus: [gpu(0, 0, 40000)] })).toBe('GPU idle · memory held by exp_llama, bob');
    expect(gpuUse(sample(1))).toBeNull();
    expect(gpuUse(sample(1, { gpuError: 'Driver/library version mismatch' }))).toContain('mismatch');
  });

  it('names the user using the most CPU, and lists users with their GPU memory', () => {
    const s = sample(1, {
      users: [
        { user: 'root', uid: 0, cpuPercent: 3, memoryBytes: 500, processes: 80 },
        { user: 'exp_llama', uid: 1001, cpuPercent: 71.4, memoryBytes: 100, processes: 2 },
        { user: 'bob', uid: 1002, cpuPercent: null, memoryBytes: 900, processes: 1 },
      ],
      gpus: [gpu(0, 90, 3000)],
      gpuProcesses: [
        { pid: 4, name: 'python3', usedMiB: 2000, gpuUuid: 'GPU-0', user: 'exp_llama' },
        { pid: 5, name: 'python3', usedMiB: 1000, gpuUuid: 'GPU-0', user: 'exp_llama' },
        { pid: 6, name: 'gone', usedMiB: 5, gpuUuid: 'GPU-0', user: null },
      ],
    });
    expect(cpuUse(s)).toBe('busy: 71% CPU by exp_llama');
    expect(cardFigures(s).cpuText).toBe('busy: 71% CPU by exp_llama');
    // Nobody above a few percent: nothing to say.
    expect(
      cpuUse(sample(1, { users: [{ user: 'root', uid: 0, cpuPercent: 2, memoryBytes: 1, processes: 1 }] })),
    ).toBeNull();
    expect(cpuUse(sample(1))).toBeNull();
    expect(userRows(s)).toEqual([
      {
        user: 'exp_llama',
        cpuPercent: 71.4,
        memoryBytes: 100,
        gpuMemMiB: 3000,
        gpuProcesses: 2,
        processes: 2,
      },
      { user: 'root', cpuPercent: 3, memoryBytes: 500, gpuMemMiB: null, gpuProcesses: 0, processes: 80 },
      { user: 'bob', cpuPercent: null, memoryBytes: 900, gpuMemMiB: null, gpuProcesses: 0, processes: 1 },
      { user: 'pid 6', cpuPercent: null, memoryBytes: null, gpuMemMiB: 5, gpuProcesses: 1, processes: null },
    ]);
  });

  it('shows the fullest disk, memory that is not available, and free VRAM', () => {
    const f = cardFigures(sample(1, { gpus: [gpu(0, 50, 1559, 81559)] }));
    expect(f.diskPercent).toBeCloseTo(91);
    expect(f.diskMount).toBe('/data');
    expect(f.memPercent).toBe(25);
    expect(f.freeVramMiB).toBe(80000);
    expect(cardFigures(null).cpu).toBeNull();
  });

  it('sorts busiest first or by free VRAM, offline hosts last', () => {
    const items = [
      { name: 'a', entry: entry(1, true, sample(1)) },
      { name: 'b', entry: entry(2, true, sample(2, { gpus: [gpu(0, 95, 80000)] })) },
      { name: 'c', entry: entry(3, false, null) },
      { name: 'd', entry: entry(4, true, sample(4, { gpus: [gpu(0, 5, 100)] })) },
    ];
    expect(sortFleet(items, 'busiest').map((i) => i.name)).toEqual(['b', 'a', 'd', 'c']);
    expect(sortFleet(items, 'freeVram').map((i) => i.name)).toEqual(['d', 'b', 'a', 'c']);
    expect(sortFleet(items, 'name').map((i) => i.name)).toEqual(['a', 'b', 'd', 'c']);
  });
});

describe('fleet filters', () => {
  it('offers each group and tag once, and narrows to them', () => {
    const hosts = [
      { group: 'gpu', tags: ['lab', 'a100'] },
      { group: '', tags: ['lab'] },
      { group: 'gpu', tags: [] },
    ];
    expect(fleetFilters(hosts)).toEqual(['group:gpu', 'tag:a100', 'tag:lab']);
    expect(hosts.filter((h) => passesFilter(h, 'group:gpu'))).toHaveLength(2);
    expect(hosts.filter((h) => passesFilter(h, 'tag:lab'))).toHaveLength(2);
    expect(hosts.filter((h) => passesFilter(h, ''))).toHaveLength(3);
  });
});

describe('alert badge', () => {
  it('counts the alerts and names them in its title; nothing when all is well', () => {
    expect(alertBadgeText([])).toBeNull();
    expect(
      alertBadgeText([
        { key: 'disk:/data', message: 'disk /data 93% full', since: 1 },
        { key: 'gpu0.mem', message: 'GPU 0 memory 98% used', since: 2 },
      ]),
    ).toEqual({ text: '⚠ 2', title: '2 metric alerts: disk /data 93% full · GPU 0 memory 98% used' });
    expect(alertBadgeText([{ key: 'offline', message: 'offline for over a minute', since: 1 }])?.title).toBe(
      '1 metric alert: offline for over a minute',
    );
  });
});
