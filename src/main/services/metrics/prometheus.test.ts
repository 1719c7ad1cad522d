import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetEntry, HostMetricsSample } from '../../../shared/api/metrics-domain';
import { parseGpuLines } from './nvidia-smi';
import { labelValue, prometheusText } from './prometheus';

const busy = parseGpuLines([
  fs
    .readFileSync(
      path.join(__dirname, '../../../../tests/fixtures/nvidia-smi-h100/query-gpu-busy.csv'),
      'utf8',
    )
    .trim(),
]).gpus;

const sample: HostMetricsSample = {
  hostId: 1,
  ts: 0,
  uptimeSec: 42,
  cpu: { total: 12.5, user: 10, system: 2.5, iowait: 0, steal: 0 },
  cores: [],
  load: [0.5, 0.4, 0.3],
  memory: {
    totalBytes: 536870912,
    usedBytes: 1000,
    cacheBytes: 0,
    availableBytes: 5000,
    swapTotalBytes: 0,
    swapUsedBytes: 0,
  },
  mounts: [{ mount: '/my "data"', totalBytes: 100, usedBytes: 10, availableBytes: 90 }],
  diskReadBps: null,
  diskWriteBps: 0,
  interfaces: [],
  netRxBps: 10,
  netTxBps: 20,
  processes: 7,
  gpus: busy,
  gpuProcesses: [],
  gpuError: null,
  users: [
    { user: 'exp_llama', uid: 1001, cpuPercent: 71.5, memoryBytes: 4096, processes: 2 },
    { user: 'bob', uid: 1002, cpuPercent: null, memoryBytes: 10, processes: 1 },
  ],
  usersFrom: 'proc',
};

describe('Prometheus text', () => {
  it('one gauge family per figure, labelled by host, escaped; hosts down say so and nothing else', () => {
    const entries: FleetEntry[] = [
      { hostId: 1, online: true, lastSeen: 0, latest: sample, alerts: [] },
      {
        hostId: 2,
        online: false,
        lastSeen: 0,
        latest: sample,
        alerts: [{ key: 'offline', message: 'x', since: 0 }],
      },
    ];
    const text = prometheusText(entries, (id) => (id === 1 ? 'gpu\\box' : 'ct1'));
    const lines = text.split('\n');
    expect(lines).toContain('labdeck_host_up{host="gpu\\\\box"} 1');
    expect(lines).toContain('labdeck_host_up{host="ct1"} 0');
    expect(lines).toContain('labdeck_alerts_active{host="ct1"} 1');
    expect(lines).toContain('labdeck_cpu_busy_percent{host="gpu\\\\box"} 12.5');
    expect(lines).toContain('labdeck_memory_total_bytes{host="gpu\\\\box"} 536870912');
    expect(lines).toContain('labdeck_filesystem_avail_bytes{host="gpu\\\\box",mount="/my \\"data\\""} 90');
    expect(lines).toContain(
      'labdeck_gpu_utilization_percent{host="gpu\\\\box",gpu="0",name="NVIDIA H100 80GB HBM3"} 100',
    );
    expect(lines).toContain(`labdeck_gpu_memory_used_bytes{host="gpu\\\\box",gpu="0"} ${1395 * 1048576}`);
    expect(lines).toContain('labdeck_user_cpu_percent{host="gpu\\\\box",user="exp_llama"} 71.5');
    expect(lines).toContain('labdeck_user_memory_bytes{host="gpu\\\\box",user="bob"} 10');
    expect(text).not.toContain('user="bob"} null');
    // Null figures are left out, not written as NaN; the offline host has no figures at all.
    expect(text).not.toContain('labdeck_disk_read_bytes_per_second');
    expect(text).not.toMatch(/NaN|undefined/);
    expect(lines.filter((l) => l.includes('host="ct1"'))).toHaveLength(2);
    expect(lines).toContain('# TYPE labdeck_cpu_busy_percent gauge');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values as the format requires', () => {
    expect(labelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
