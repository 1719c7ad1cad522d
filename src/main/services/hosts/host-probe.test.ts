import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProbe, PROBE_SCRIPT } from './host-probe';

describe('host probe', () => {
  it('parses a GPU desktop report with nvidia-smi CSV from a real H100', () => {
    const csv = path.resolve(__dirname, '../../../../tests/fixtures/nvidia-smi-h100/query-gpu.csv');
    const gpus = fs
      .readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .map((l) => `gpu=${l}`);
    const r = parseProbe(
      [
        'os=Ubuntu 22.04.4 LTS',
        'kernel=5.15.0-105-generic',
        'cpus=64',
        'mem=528280000',
        'uptime=86400.52',
        'container=',
        'nvidia=1',
        ...gpus,
      ].join('\n'),
    );
    expect(r).toMatchObject({
      os: 'Ubuntu 22.04.4 LTS',
      cpuCount: 64,
      memTotalBytes: 528280000 * 1024,
      nvidiaSmi: true,
      container: null,
      uptimeSeconds: 86401,
    });
    expect(r.gpus[0]).toEqual({ index: 0, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559 });
  });

  it('reports an LXC container without GPUs', () => {
    expect(parseProbe('os=Debian GNU/Linux 12 (bookworm)\ncontainer=lxc\nnvidia=0\n')).toMatchObject({
      container: 'lxc',
      nvidiaSmi: false,
      gpus: [],
    });
    expect(parseProbe('container=none\n').container).toBeNull();
  });

  it('runs under a real POSIX sh and yields a complete report for this machine', () => {
    const r = parseProbe(execFileSync('sh', ['-c', PROBE_SCRIPT], { encoding: 'utf8' }));
    expect(r.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(r.cpuCount).toBeGreaterThan(0);
    expect(r.memTotalBytes).toBeGreaterThan(0);
    expect(r.uptimeSeconds).toBeGreaterThan(0);
  });
});
