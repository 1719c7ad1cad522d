import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseComputeApp, parseGpuLine, parseGpuLines, smiNumber } from './nvidia-smi';

const fixture = (name: string): string =>
  fs.readFileSync(path.join(__dirname, '../../../../tests/fixtures/nvidia-smi-h100', name), 'utf8');
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

describe('nvidia-smi --query-gpu (real H100 output)', () => {
  it('reads the idle card, with the fan as [N/A]', () => {
    const { gpus, error, skipped } = parseGpuLines(lines(fixture('query-gpu.csv')));
    expect(error).toBeNull();
    expect(skipped).toBe(0);
    expect(gpus).toEqual([
      {
        index: 0,
        uuid: 'GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a',
        name: 'NVIDIA H100 80GB HBM3',
        utilPercent: 0,
        memUtilPercent: 0,
        memTotalMiB: 81559,
        memUsedMiB: 0,
        tempC: 37,
        powerW: 123.36,
        powerLimitW: 700,
        fanPercent: null,
        smClockMHz: 1980,
        pstate: 'P0',
      },
    ]);
  });

  it('reads the busy card', () => {
    const [g] = parseGpuLines(lines(fixture('query-gpu-busy.csv'))).gpus;
    expect(g).toMatchObject({
      utilPercent: 100,
      memUtilPercent: 9,
      memUsedMiB: 1395,
      tempC: 60,
      powerW: 680.52,
    });
  });

  it('skips the header line of --format=csv and the unit-suffixed values it cannot read', () => {
    const [header, row] = lines(fixture('query-gpu-header.csv'));
    expect(parseGpuLine(header!)).toBeNull();
    // With units ("0 %") the numbers are not numbers: null, never NaN.
    const g = parseGpuLine(row!);
    expect(g?.utilPercent).toBeNull();
    expect(g?.tempC).toBe(37);
  });

  it('accepts [Not Supported] and N/A in any field', () => {
    const g = parseGpuLine(
      '1, GPU-abc, Tesla T4, [Not Supported], [N/A], 15360, N/A, 15000, [N/A], [N/A], 70.00, [N/A], [N/A], [N/A]',
    );
    expect(g).toMatchObject({
      index: 1,
      utilPercent: null,
      memUsedMiB: null,
      tempC: null,
      powerLimitW: 70,
      pstate: null,
    });
  });

  it('keeps a driver/library mismatch message as the error and counts garbage, without crashing', () => {
    const r = parseGpuLines([
      'Failed to initialize NVML: Driver/library version mismatch',
      'NVML library version: 580.95',
      '0, GPU-x, trunc',
      '\u0000\u00ff,,,',
      ...lines(fixture('query-gpu-busy.csv')),
    ]);
    expect(r.gpus).toHaveLength(1);
    expect(r.skipped).toBe(4);
    expect(r.error).toContain('Driver/library version mismatch');
  });

  it('zero GPUs: no lines, no figures, no error', () => {
    expect(parseGpuLines([])).toEqual({ gpus: [], error: null, skipped: 0 });
    expect(parseGpuLines(['No devices were found']).error).toBe('No devices were found');
  });

  it('reads numbers strictly', () => {
    expect(smiNumber(' 680.81 ')).toBe(680.81);
    expect(smiNumber('[N/A]')).toBeNull();
    expect(smiNumber('abc')).toBeNull();
    expect(smiNumber('')).toBeNull();
  });
});

describe('nvidia-smi --query-compute-apps (real H100 output under load)', () => {
  it('reads the pid, name, memory and card of the experiment', () => {
    expect(parseComputeApp(lines(fixture('compute-apps.csv'))[0]!)).toEqual({
      pid: 513,
      name: '/opt/torch/.venv/bin/python3',
      usedMiB: 1386,
      gpuUuid: 'GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a',
    });
  });

  it('keeps commas in a process name and refuses garbage', () => {
    expect(parseComputeApp('77, python, train.py, [N/A], GPU-1')?.name).toBe('python, train.py');
    expect(parseComputeApp('No running processes found')).toBeNull();
    expect(parseComputeApp('-1, x, 3, GPU-1')).toBeNull();
  });
});
