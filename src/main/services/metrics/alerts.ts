// Threshold alerts on host metrics: a disk nearly full, memory nearly gone, GPU memory nearly full,
// a host offline for a while. Each alert is one audit row when it starts and one when it clears
// (not one per sample); a small margin keeps a value hovering at the line from flapping.
import type { ConnectionState } from '../../../shared/api/domain';
import type { HostMetricsSample, MetricAlert } from '../../../shared/api/metrics-domain';
import type { RecordEvent } from '../../lib/area';

export interface AlertThresholds {
  /** Percent of a filesystem used. */
  diskPercent: number;
  /** Percent of memory still available (alert below it). */
  memAvailablePercent: number;
  /** Percent of a GPU's memory used. */
  gpuMemPercent: number;
  /** How long a host may be offline before it counts. */
  offlineMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  diskPercent: 90,
  memAvailablePercent: 5,
  gpuMemPercent: 95,
  offlineMs: 60_000,
};

/** Points a value must come back by before its alert clears. */
const MARGIN = 2;

interface Condition {
  key: string;
  /** Past the line now. */
  over: boolean;
  /** Back inside the line by the margin. */
  clear: boolean;
  message: string;
  value: number;
  threshold: number;
}

function conditions(s: HostMetricsSample, t: AlertThresholds): Condition[] {
  const out: Condition[] = [];
  for (const m of s.mounts) {
    const size = m.usedBytes + m.availableBytes;
    if (size <= 0) continue;
    const p = (100 * m.usedBytes) / size;
    out.push({
      key: `disk:${m.mount}`,
      over: p > t.diskPercent,
      clear: p <= t.diskPercent - MARGIN,
      message: `disk ${m.mount} ${p.toFixed(0)}% full`,
      value: p,
      threshold: t.diskPercent,
    });
  }
  if (s.memory && s.memory.totalBytes > 0) {
    const p = (100 * s.memory.availableBytes) / s.memory.totalBytes;
    out.push({
      key: 'memory',
      over: p < t.memAvailablePercent,
      clear: p >= t.memAvailablePercent + MARGIN,
      message: `memory: only ${p.toFixed(1)}% available`,
      value: p,
      threshold: t.memAvailablePercent,
    });
  }
  for (const g of s.gpus) {
    if (g.memUsedMiB === null || !g.memTotalMiB) continue;
    const p = (100 * g.memUsedMiB) / g.memTotalMiB;
    out.push({
      key: `gpu${g.index}.mem`,
      over: p > t.gpuMemPercent,
      clear: p <= t.gpuMemPercent - MARGIN,
      message: `GPU ${g.index} memory ${p.toFixed(0)}% used`,
      value: p,
      threshold: t.gpuMemPercent,
    });
  }
  return out;
}

export class AlertTracker {
  /** Active alerts by host, then by key. */
  private readonly active = new Map<number, Map<string, MetricAlert>>();
  private readonly offlineTimers = new Map<number, NodeJS.Timeout>();

  /** The thresholds now: a getter (the app's settings) is read at each sample, so a change takes effect live. */
  private readonly thresholds: () => AlertThresholds;

  constructor(
    private readonly record: RecordEvent,
    private readonly nameOf: (hostId: number) => string,
    thresholds: AlertThresholds | (() => AlertThresholds) = DEFAULT_THRESHOLDS,
    private readonly onChange: (hostId: number) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.thresholds = typeof thresholds === 'function' ? thresholds : () => thresholds;
  }

  alerts(hostId: number): MetricAlert[] {
    return [...(this.active.get(hostId)?.values() ?? [])];
  }

  sample(s: HostMetricsSample): void {
    const seen = new Set<string>();
    for (const c of conditions(s, this.thresholds())) {
      seen.add(c.key);
      const on = this.active.get(s.hostId)?.has(c.key) ?? false;
      if (!on && c.over)
        this.start(s.hostId, c.key, c.message, { value: round(c.value), threshold: c.threshold });
      else if (on && c.clear) this.clear(s.hostId, c.key, { value: round(c.value) });
    }
    // A mount or GPU that is gone no longer has a problem.
    for (const key of [...(this.active.get(s.hostId)?.keys() ?? [])]) {
      if (key !== 'offline' && !seen.has(key)) this.clear(s.hostId, key, { gone: true });
    }
  }

  /**
   * The host's link: `lost` (offline, failing) raises the offline alert after the grace; `online`
   * clears it; `idle` (a person disconnected it, or it waits for a person) is no alert at all.
   * While it is redialling ('connecting') nothing changes.
   */
  link(hostId: number, state: ConnectionState): void {
    if (state === 'connecting') return;
    const timer = this.offlineTimers.get(hostId);
    if (state !== 'offline' && state !== 'error') {
      if (timer) clearTimeout(timer);
      this.offlineTimers.delete(hostId);
      if (this.active.get(hostId)?.has('offline')) this.clear(hostId, 'offline', { state });
      return;
    }
    if (timer || this.active.get(hostId)?.has('offline')) return;
    const since = this.now();
    const offlineMs = this.thresholds().offlineMs;
    const t = setTimeout(() => {
      this.offlineTimers.delete(hostId);
      this.start(hostId, 'offline', `offline for over ${offlineText(offlineMs)}`, { since });
    }, offlineMs);
    t.unref();
    this.offlineTimers.set(hostId, t);
  }

  close(): void {
    for (const t of this.offlineTimers.values()) clearTimeout(t);
    this.offlineTimers.clear();
  }

  private start(hostId: number, key: string, message: string, details: Record<string, unknown>): void {
    let map = this.active.get(hostId);
    if (!map) this.active.set(hostId, (map = new Map<string, MetricAlert>()));
    map.set(key, { key, message, since: this.now() });
    this.record({
      // Labdeck did its job (it noticed): the row is ok; the action says what it noticed.
      action: 'metrics.alertStarted',
      target: this.nameOf(hostId),
      ok: true,
      details: { alert: key, message, ...details },
      refs: { hostId },
    });
    this.onChange(hostId);
  }

  private clear(hostId: number, key: string, details: Record<string, unknown>): void {
    const map = this.active.get(hostId);
    const alert = map?.get(key);
    if (!map || !alert) return;
    map.delete(key);
    this.record({
      action: 'metrics.alertCleared',
      target: this.nameOf(hostId),
      ok: true,
      details: { alert: key, message: alert.message, ...details },
      durationMs: this.now() - alert.since,
      refs: { hostId },
    });
    this.onChange(hostId);
  }
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** "a minute", "90 s", "5 min". */
function offlineText(ms: number): string {
  const sec = Math.round(ms / 1000);
  if (sec === 60) return 'a minute';
  return sec % 60 === 0 ? `${sec / 60} min` : `${sec} s`;
}

/** The app's settings as thresholds. */
export function thresholdsFromSettings(s: {
  alertDiskPercent: number;
  alertMemAvailablePercent: number;
  alertGpuMemPercent: number;
  alertOfflineSeconds: number;
}): AlertThresholds {
  return {
    diskPercent: s.alertDiskPercent,
    memAvailablePercent: s.alertMemAvailablePercent,
    gpuMemPercent: s.alertGpuMemPercent,
    offlineMs: s.alertOfflineSeconds * 1000,
  };
}
