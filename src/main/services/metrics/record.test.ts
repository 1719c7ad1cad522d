import { describe, expect, it } from 'vitest';
import { cpuFigures, memoryFigures, toSample, userFigures, userPoint } from './rates';
import { distinctMounts, gpuProcesses, parseHeader, parseRecord } from './record';

// As the collector prints them (dash on Debian 12, two cores, nvidia-smi replaying the H100).
const block = (cpu: [number, number], rd: number, rx: number): string[] => [
  'T 12840.30',
  `C cpu ${cpu[0]} 0 100 ${cpu[1]} 50 0 10 5`,
  `C cpu0 ${cpu[0] / 2} 0 50 ${cpu[1] / 2} 25 0 5 2`,
  `C cpu1 ${cpu[0] / 2} 0 50 ${cpu[1] / 2} 25 0 5 3`,
  'L 1.61 1.67 1.52',
  'M MemTotal: 524288',
  'M MemFree: 262144',
  'M MemAvailable: 393216',
  'M Buffers: 1024',
  'M Cached: 65536',
  'M SwapTotal: 0',
  'M SwapFree: 0',
  'M SReclaimable: 1024',
  `D vda 10 ${rd} 20 5000`,
  `N eth0: ${rx}  173445    0    0    0     0          0         0 19082383  138183    0    0    0     0       0          0`,
  `N lo:${rx} 1 0 0 0 0 0 0 ${rx} 1 0 0 0 0 0 0`,
  'P 131',
  'F 264212084 39372896 67018016 /dev/vda /',
  'F 264212084 39372896 67018016 /dev/vda /var/lib/docker',
  'F 1000 10 990 /dev/sdb1 /mnt/my data',
  'G 0, GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a, NVIDIA H100 80GB HBM3, 100, 9, 81559, 1395, 79685, 60, 680.52, 700.00, [N/A], 1980, P0',
  'A 1001 513, /opt/torch/.venv/bin/python3, 1386, GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a',
  'A -1 999, gone, 5, GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a',
  'A -',
];

describe('collector records', () => {
  it('reads the header: users and whether there is a GPU', () => {
    const h = parseHeader(['U 0 root', 'U 1001 expalice', 'H 1']);
    expect(h.users.get(1001)).toBe('expalice');
    expect(h.gpu).toBe(true);
    expect(parseHeader(['H ']).gpu).toBe(false);
  });

  it('parses every part of a record', () => {
    const r = parseRecord(block([1000, 8000], 100, 5000));
    expect(r.skipped).toBe(0);
    expect(r.uptimeSec).toBe(12840.3);
    expect(r.cpu).toMatchObject({ user: 1000, system: 100, idle: 8000, iowait: 50, steal: 5 });
    expect(r.cores).toHaveLength(2);
    expect(r.load).toEqual([1.61, 1.67, 1.52]);
    expect(r.meminfo['MemTotal']).toBe(524288);
    expect(r.disks).toEqual([{ dev: 'vda', readSectors: 100, writeSectors: 5000 }]);
    expect(r.net.map((n) => n.iface)).toEqual(['eth0', 'lo']);
    expect(r.net[0]).toEqual({ iface: 'eth0', rxBytes: 5000, txBytes: 19082383 });
    expect(r.processes).toBe(131);
    expect(distinctMounts(r.mounts!).map((m) => m.mount)).toEqual(['/', '/mnt/my data']);
    expect(r.gpu?.gpus[0]?.utilPercent).toBe(100);
    const procs = gpuProcesses(r, new Map([[1001, 'expalice']]));
    expect(procs).toEqual([
      expect.objectContaining({ pid: 513, user: 'expalice', usedMiB: 1386 }),
      expect.objectContaining({ pid: 999, user: null }),
    ]);
  });

  it('counts and skips damaged lines', () => {
    const r = parseRecord(['C cpu x y', 'M MemTotal 5', 'Q what', 'N nocolon 1 2', 'L 1 2', 'P 3', '']);
    expect(r.skipped).toBe(5);
    expect(r.processes).toBe(3);
    expect(r.cpu).toBeNull();
    // No GPU lines at all: no GPU part, and GPU processes only when they were asked for.
    expect(r.gpu).toBeNull();
    expect(gpuProcesses(r, new Map())).toBeNull();
  });
});

describe('rates between two records', () => {
  it('computes CPU shares, disk and network rates, and leaves out loopback', () => {
    const a = { ts: 1_000, record: parseRecord(block([1000, 8000], 100, 5000)) };
    const b = { ts: 3_000, record: parseRecord(block([1300, 8600], 300, 9000)) };
    const first = toSample(7, null, a, { mounts: [], gpuProcesses: [], users: [], usersFrom: null });
    expect(first.cpu).toBeNull();
    expect(first.netRxBps).toBeNull();
    const s = toSample(7, a, b, { mounts: [], gpuProcesses: [], users: [], usersFrom: null });
    // 300 user jiffies of 900 in all.
    expect(s.cpu).toEqual({ total: 33.3, user: 33.3, system: 0, iowait: 0, steal: 0 });
    expect(s.cores).toEqual([33.3, 33.3]);
    expect(s.diskReadBps).toBe(100 * 512);
    expect(s.diskWriteBps).toBe(0);
    expect(s.interfaces).toEqual([{ iface: 'eth0', rxBps: 2000, txBps: 0 }]);
    expect(s.netRxBps).toBe(2000);
    expect(s.memory).toEqual({
      totalBytes: 512 * 1024 * 1024,
      usedBytes: (524288 - 262144 - 66560 - 1024) * 1024,
      cacheBytes: (66560 + 1024) * 1024,
      availableBytes: 393216 * 1024,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
    expect(s.gpus[0]?.memUsedMiB).toBe(1395);
  });

  it('counts iowait and steal as busy, and survives counters that went backwards', () => {
    const t = (idle: number, iowait: number, steal: number) => ({
      user: 0,
      nice: 0,
      system: 0,
      idle,
      iowait,
      irq: 0,
      softirq: 0,
      steal,
    });
    expect(cpuFigures(t(0, 0, 0), t(50, 30, 20))).toEqual({
      total: 50,
      user: 0,
      system: 0,
      iowait: 30,
      steal: 20,
    });
    expect(cpuFigures(t(100, 0, 0), t(100, 0, 0))).toBeNull();
    expect(memoryFigures({})).toBeNull();
  });
});

// Per-user lines as the collector printed them: dash on this machine (a /proc scan, with a user
// created after the collector started, so named again in the record) and a cgroup v2 host.
const scan = (up: number, rootTicks: number, userTicks: number): string[] => [
  `T ${up}`,
  'C cpu 1 0 1 100 0 0 0 0',
  'C cpu0 1 0 1 50 0 0 0 0',
  'C cpu1 0 0 0 50 0 0 0 0',
  `R 0 ${rootTicks} 473416 86`,
  'R 65534 0 1660 1',
  `R 1001 ${userTicks} 2048 3`,
  'R -',
  'U 0 root',
  'U 1001 exp_llama',
];

describe('per-user figures', () => {
  it('parses /proc scan lines (rss in kB) and users named again', () => {
    const r = parseRecord(scan(100, 29525, 400));
    expect(r.skipped).toBe(0);
    expect(r.users).toEqual({
      source: 'proc',
      users: [
        { uid: 0, cpu: 29525, memBytes: 473416 * 1024, processes: 86 },
        { uid: 65534, cpu: 0, memBytes: 1660 * 1024, processes: 1 },
        { uid: 1001, cpu: 400, memBytes: 2048 * 1024, processes: 3 },
      ],
    });
    expect(r.names).toEqual([
      [0, 'root'],
      [1001, 'exp_llama'],
    ]);
    // A record without a scan has no user part; an empty scan is an empty one.
    expect(parseRecord(['T 1']).users).toBeNull();
    expect(parseRecord(['R -']).users).toEqual({ source: 'proc', users: [] });
  });

  it('parses cgroup slice lines (bytes; usage or pids may be missing) and skips damaged ones', () => {
    const r = parseRecord([
      'S 0 81234567 104857600 12',
      'S 1001 5000000 52428800 -',
      'S 1002 - 4096 1',
      'S x 1 2 3',
      'S 1003 1 2',
      'R 5 1 2 3',
      'S -',
    ]);
    expect(r.skipped).toBe(3);
    expect(r.users).toEqual({
      source: 'cgroup',
      users: [
        { uid: 0, cpu: 81234567, memBytes: 104857600, processes: 12 },
        { uid: 1001, cpu: 5000000, memBytes: 52428800, processes: null },
        { uid: 1002, cpu: null, memBytes: 4096, processes: 1 },
      ],
    });
  });

  it('turns two /proc scans into shares of the whole host, busiest first', () => {
    const names = new Map([
      [0, 'root'],
      [65534, 'nobody'],
    ]);
    const a = userPoint({ ts: 0, record: parseRecord(scan(100, 29525, 400)) })!;
    // 5 s later on 2 cores: 1000 ticks of capacity; exp_llama used 700, root's fell (a process ended).
    const r2 = parseRecord(scan(105, 29000, 1100));
    for (const [uid, name] of r2.names) names.set(uid, name);
    const b = userPoint({ ts: 0, record: r2 })!;
    expect(userFigures(null, a, names).every((u) => u.cpuPercent === null)).toBe(true);
    expect(userFigures(a, b, names)).toEqual([
      { user: 'exp_llama', uid: 1001, cpuPercent: 70, memoryBytes: 2048 * 1024, processes: 3 },
      { user: 'root', uid: 0, cpuPercent: 0, memoryBytes: 473416 * 1024, processes: 86 },
      { user: 'nobody', uid: 65534, cpuPercent: 0, memoryBytes: 1660 * 1024, processes: 1 },
    ]);
  });

  it('cgroup readings in microseconds; a user new since, or a changed source, has no CPU yet', () => {
    const rec = (up: number, usec: number, extra: string[] = []): ReturnType<typeof userPoint> =>
      userPoint({
        ts: 0,
        record: parseRecord([
          `T ${up}`,
          'C cpu0 0 0 0 1',
          'C cpu1 0 0 0 1',
          `S 1001 ${usec} 100 2`,
          ...extra,
          'S -',
        ]),
      });
    const a = rec(10, 1_000_000)!;
    const b = rec(12, 3_000_000, ['S 1002 50 10 1'])!;
    const got = userFigures(a, b, new Map([[1001, 'exp_llama']]));
    // 2 s on 2 cores is 4 s of CPU; 2 s used.
    expect(got).toEqual([
      { user: 'exp_llama', uid: 1001, cpuPercent: 50, memoryBytes: 100, processes: 2 },
      { user: '1002', uid: 1002, cpuPercent: null, memoryBytes: 10, processes: 1 },
    ]);
    const proc = userPoint({ ts: 0, record: parseRecord(['T 14', 'R 1001 5 1 1', 'R -']) })!;
    expect(userFigures(b, proc, new Map())[0]!.cpuPercent).toBeNull();
  });
});
