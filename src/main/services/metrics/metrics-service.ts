// Runs one collector per connected host (started when the host comes online, stopped when it goes),
// keeps each host's latest sample and a short live history for new viewers, writes every sample to
// the history store, and restarts a collector that died, with backoff, while its host is online.
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { HostState } from '../../../shared/api/domain';
import type { FleetEntry, HostAlerts, HostMetricsSample } from '../../../shared/api/metrics-domain';
import type { AlertTracker } from './alerts';
import { metricValues, type MetricHistoryStore } from './history-store';
import { HostCollector } from './host-collector';

export interface MetricsDeps {
  /** Opens the collector's channel on the host (its stdin and stdout). */
  open(hostId: number): Promise<Duplex>;
  /** The SSH pool's events ('state' with a HostState) and its current states. */
  events: EventEmitter;
  states(): HostState[];
  store: MetricHistoryStore;
  alerts: AlertTracker;
}

export interface MetricsOptions {
  intervalMs?: number;
  /** How often the history is written (what a crash can lose). */
  flushMs?: number;
  pruneMs?: number;
  /** Live samples kept per host for a viewer that just opened the page. */
  recentSize?: number;
  /** Waits before restarting a collector that died; the last one repeats. */
  backoffMs?: number[];
  onError?: (err: unknown) => void;
}

interface HostEntry {
  collector: HostCollector | null;
  online: boolean;
  lastSeen: number | null;
  latest: HostMetricsSample | null;
  recent: HostMetricsSample[];
  failures: number;
  retry: NodeJS.Timeout | null;
}

export type SampleListener = (s: HostMetricsSample) => void;
export type FleetListener = (e: FleetEntry) => void;
export type AlertsListener = (e: HostAlerts) => void;

export class MetricsService {
  private readonly hosts = new Map<number, HostEntry>();
  private readonly listeners = new Map<number, Set<SampleListener>>();
  private readonly fleetListeners = new Set<FleetListener>();
  private readonly alertListeners = new Set<AlertsListener>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onState = (s: HostState): void => this.stateChanged(s);
  private readonly intervalMs: number;
  private readonly recentSize: number;
  private readonly backoffMs: number[];
  private closed = false;

  constructor(
    private readonly deps: MetricsDeps,
    private readonly options: MetricsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.recentSize = options.recentSize ?? 120;
    this.backoffMs = options.backoffMs ?? [1000, 2000, 5000, 15_000, 30_000];
  }

  start(): void {
    this.deps.events.on('state', this.onState);
    for (const s of this.deps.states()) this.stateChanged(s);
    this.timers.push(setInterval(() => this.flush(), this.options.flushMs ?? 5000));
    this.timers.push(setInterval(() => this.prune(), this.options.pruneMs ?? 10 * 60_000));
    for (const t of this.timers) t.unref();
  }

  close(): void {
    this.closed = true;
    this.deps.events.off('state', this.onState);
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const h of this.hosts.values()) this.halt(h);
    this.deps.alerts.close();
    this.flush();
  }

  fleet(): FleetEntry[] {
    return [...this.hosts.entries()].map(([hostId, h]) => this.entry(hostId, h));
  }

  /** An alert started or cleared: the fleet and the badges hear of it at once. */
  alertsChanged(hostId: number): void {
    const h = this.hosts.get(hostId);
    if (h) this.tellFleet(hostId, h);
    const e = { hostId, alerts: this.deps.alerts.alerts(hostId) };
    for (const l of this.alertListeners) l(e);
  }

  /** Every known host's active alerts. */
  alerts(): HostAlerts[] {
    return [...this.hosts.keys()].map((hostId) => ({ hostId, alerts: this.deps.alerts.alerts(hostId) }));
  }

  subscribeAlerts(listener: AlertsListener): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  recent(hostId: number): HostMetricsSample[] {
    return [...(this.hosts.get(hostId)?.recent ?? [])];
  }

  subscribe(hostId: number, listener: SampleListener): () => void {
    let set = this.listeners.get(hostId);
    if (!set) this.listeners.set(hostId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(hostId);
    };
  }

  subscribeFleet(listener: FleetListener): () => void {
    this.fleetListeners.add(listener);
    return () => this.fleetListeners.delete(listener);
  }

  /** Whether a collector is running for the host now. */
  collecting(hostId: number): boolean {
    return this.hosts.get(hostId)?.collector != null;
  }

  private host(hostId: number): HostEntry {
    let h = this.hosts.get(hostId);
    if (!h) {
      h = {
        collector: null,
        online: false,
        lastSeen: null,
        latest: null,
        recent: [],
        failures: 0,
        retry: null,
      };
      this.hosts.set(hostId, h);
    }
    return h;
  }

  private stateChanged(s: HostState): void {
    if (this.closed) return;
    const h = this.host(s.hostId);
    this.deps.alerts.link(s.hostId, s.state);
    const online = s.state === 'online';
    if (online === h.online) return;
    h.online = online;
    if (online) {
      h.failures = 0;
      void this.launch(s.hostId, h);
    } else {
      this.halt(h);
    }
    this.tellFleet(s.hostId, h);
  }

  private async launch(hostId: number, h: HostEntry): Promise<void> {
    if (h.collector || !h.online || this.closed) return;
    const collector = new HostCollector(hostId, {
      intervalMs: this.intervalMs,
      onSample: (s) => this.sample(h, s),
      onExit: () => {
        if (h.collector === collector) h.collector = null;
        this.retryLater(hostId, h);
      },
    });
    h.collector = collector;
    let channel: Duplex;
    try {
      channel = await this.deps.open(hostId);
    } catch (err) {
      if (h.collector === collector) h.collector = null;
      this.options.onError?.(err);
      this.retryLater(hostId, h);
      return;
    }
    if (h.collector !== collector) {
      channel.destroy(); // stopped while it was opening
      return;
    }
    collector.attach(channel);
  }

  private retryLater(hostId: number, h: HostEntry): void {
    if (!h.online || this.closed || h.retry) return;
    const wait = this.backoffMs[Math.min(h.failures, this.backoffMs.length - 1)]!;
    h.failures++;
    h.retry = setTimeout(() => {
      h.retry = null;
      void this.launch(hostId, h);
    }, wait);
    h.retry.unref();
  }

  private halt(h: HostEntry): void {
    if (h.retry) clearTimeout(h.retry);
    h.retry = null;
    const c = h.collector;
    h.collector = null;
    c?.stop();
  }

  private sample(h: HostEntry, s: HostMetricsSample): void {
    h.failures = 0;
    h.latest = s;
    h.lastSeen = s.ts;
    h.recent.push(s);
    if (h.recent.length > this.recentSize) h.recent.shift();
    try {
      this.deps.store.add(s.hostId, s.ts, metricValues(s));
      this.deps.alerts.sample(s);
    } catch (err) {
      this.options.onError?.(err);
    }
    for (const l of this.listeners.get(s.hostId) ?? []) l(s);
    this.tellFleet(s.hostId, h);
  }

  private tellFleet(hostId: number, h: HostEntry): void {
    if (this.fleetListeners.size === 0) return;
    const e = this.entry(hostId, h);
    for (const l of this.fleetListeners) l(e);
  }

  private entry(hostId: number, h: HostEntry): FleetEntry {
    return {
      hostId,
      online: h.online,
      lastSeen: h.lastSeen,
      latest: h.latest,
      alerts: this.deps.alerts.alerts(hostId),
    };
  }

  private flush(): void {
    try {
      this.deps.store.flush();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private prune(): void {
    try {
      this.deps.store.prune(Date.now());
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
