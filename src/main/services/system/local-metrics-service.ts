// Samples the workstation once per interval while someone is watching, keeps a short history for
// new viewers, and turns cumulative counters into per-second rates.
import type { LocalMetricsSample, SystemStatic } from '../../../shared/api/domain';
import type { MetricsProbe, RawSample } from './metrics-probe';

export type MetricsListener = (sample: LocalMetricsSample) => void;

export interface LocalMetricsOptions {
  intervalMs?: number;
  historySize?: number;
  onError?: (err: unknown) => void;
}

const rate = (now: number | null, prev: number | null, seconds: number): number | null =>
  now === null || prev === null || seconds <= 0 ? null : Math.max(0, (now - prev) / seconds);

export class LocalMetricsService {
  private readonly listeners = new Set<MetricsListener>();
  private readonly history: LocalMetricsSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private previous: RawSample | null = null;
  private inFlight = false;
  private staticInfo: Promise<SystemStatic> | null = null;
  private readonly intervalMs: number;
  private readonly historySize: number;

  constructor(
    private readonly probe: MetricsProbe,
    private readonly options: LocalMetricsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.historySize = options.historySize ?? 300;
  }

  describe(): Promise<SystemStatic> {
    this.staticInfo ??= this.probe.describe().catch((err: unknown) => {
      this.staticInfo = null;
      throw err;
    });
    return this.staticInfo;
  }

  recent(): LocalMetricsSample[] {
    return [...this.history];
  }

  /** Starts sampling with the first listener and stops with the last. */
  subscribe(listener: MetricsListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      void this.tick();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.previous = null;
  }

  private async tick(): Promise<void> {
    if (this.inFlight) return; // a slow probe skips a beat rather than piling up
    this.inFlight = true;
    try {
      const raw = await this.probe.sample();
      const prev = this.previous;
      this.previous = raw;
      if (!this.timer) return;
      const seconds = prev ? (raw.ts - prev.ts) / 1000 : 0;
      const sample: LocalMetricsSample = {
        ts: raw.ts,
        cpuPercent: Math.round(raw.cpuPercent * 10) / 10,
        memUsedBytes: raw.memUsedBytes,
        memTotalBytes: raw.memTotalBytes,
        diskUsedBytes: raw.disk?.usedBytes ?? 0,
        diskTotalBytes: raw.disk?.totalBytes ?? 0,
        diskMount: raw.disk?.mount ?? '',
        diskReadBps: rate(raw.diskReadBytes, prev?.diskReadBytes ?? null, seconds),
        diskWriteBps: rate(raw.diskWriteBytes, prev?.diskWriteBytes ?? null, seconds),
        netRxBps: rate(raw.netRxBytes, prev?.netRxBytes ?? null, seconds) ?? 0,
        netTxBps: rate(raw.netTxBytes, prev?.netTxBytes ?? null, seconds) ?? 0,
      };
      this.history.push(sample);
      if (this.history.length > this.historySize) this.history.shift();
      for (const l of this.listeners) l(sample);
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.inFlight = false;
    }
  }
}
