import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalMetricsSample } from '../../../shared/api/domain';
import { LocalMetricsService } from './local-metrics-service';
import type { MetricsProbe, RawSample } from './metrics-probe';

function probe(): MetricsProbe & { n: number } {
  const p = {
    n: 0,
    sample: (): Promise<RawSample> => {
      p.n++;
      return Promise.resolve({
        ts: p.n * 1000,
        cpuPercent: 12.345,
        memUsedBytes: 4 * 1024 ** 3,
        memTotalBytes: 16 * 1024 ** 3,
        disk: { mount: '/', usedBytes: 50, totalBytes: 100 },
        diskReadBytes: p.n * 2048,
        diskWriteBytes: null,
        netRxBytes: p.n * 1000,
        netTxBytes: 500 * p.n * p.n,
      });
    },
    describe: () => Promise.reject(new Error('unused')),
  };
  return p;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('LocalMetricsService', () => {
  it('samples only while watched, turns counters into per-second rates and keeps history', async () => {
    const p = probe();
    const svc = new LocalMetricsService(p, { intervalMs: 1000, historySize: 2 });
    const got: LocalMetricsSample[] = [];
    const off = svc.subscribe((s) => got.push(s));
    await vi.advanceTimersByTimeAsync(2000);
    expect(got).toHaveLength(3);
    expect(got[0]!.netRxBps).toBe(0); // no previous reading yet
    expect(got[0]!.diskReadBps).toBeNull();
    expect(got[2]).toMatchObject({
      cpuPercent: 12.3,
      netRxBps: 1000,
      netTxBps: 2500,
      diskReadBps: 2048,
      diskWriteBps: null,
    });
    expect(svc.recent().map((s) => s.ts)).toEqual([2000, 3000]);
    off();
    const before = p.n;
    await vi.advanceTimersByTimeAsync(5000);
    expect(p.n).toBe(before);
  });

  it('reports probe failures and keeps going', async () => {
    const p = probe();
    const real = p.sample.bind(p);
    let fail = true;
    p.sample = () => (fail ? Promise.reject(new Error('no /proc')) : real());
    const errors: unknown[] = [];
    const svc = new LocalMetricsService(p, { onError: (e) => errors.push(e) });
    const got: LocalMetricsSample[] = [];
    svc.subscribe((s) => got.push(s));
    await vi.advanceTimersByTimeAsync(1000);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors.length).toBeGreaterThan(0);
    expect(got.length).toBeGreaterThan(0);
    svc.stop();
  });
});
