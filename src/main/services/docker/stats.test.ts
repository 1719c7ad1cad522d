import type { ContainerStats } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { cpuPercent, cpuPoint, memoryOf, sampleOf } from './stats';

const stats = (total: number, system: number, mem: Record<string, number> = {}): ContainerStats =>
  ({
    cpu_stats: {
      cpu_usage: { total_usage: total, percpu_usage: [] },
      system_cpu_usage: system,
      online_cpus: 4,
    },
    memory_stats: { usage: 100 * 1024 * 1024, limit: 1024 * 1024 * 1024, stats: mem },
    networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: 'Read', value: 4096 },
        { major: 8, minor: 0, op: 'Write', value: 8192 },
      ],
    },
    pids_stats: { current: 7 },
  }) as unknown as ContainerStats;

describe('container stats', () => {
  it('computes CPU % as docker stats does: share of system time times CPUs', () => {
    const a = cpuPoint(stats(1_000, 10_000));
    const b = cpuPoint(stats(1_500, 12_000));
    // 500 of 2000 system ns on 4 CPUs: one CPU fully busy.
    expect(cpuPercent(a, b)).toBe(100);
    expect(cpuPercent(null, b)).toBeNull();
    expect(cpuPercent(b, b)).toBeNull();
  });

  it('leaves the page cache out of memory (v1 cache, v2 inactive_file)', () => {
    expect(memoryOf(stats(0, 0, { inactive_file: 30 * 1024 * 1024 })).used).toBe(70 * 1024 * 1024);
    expect(memoryOf(stats(0, 0, { cache: 10 * 1024 * 1024 })).used).toBe(90 * 1024 * 1024);
  });

  it('adds up networks and block I/O', () => {
    expect(sampleOf('c1', stats(1, 1), null)).toMatchObject({
      netRxBytes: 11,
      netTxBytes: 22,
      blockReadBytes: 4096,
      blockWriteBytes: 8192,
      pids: 7,
      cpuPct: null,
    });
  });
});
