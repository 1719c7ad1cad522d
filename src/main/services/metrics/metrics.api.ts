// The metrics area: a host's live samples, the fleet's latest state, and history for the charts.
import type { FleetEntry, HostAlerts, HostMetricsSample } from '../../../shared/api/metrics-domain';
import type { AreaApi, StreamSource } from '../../lib/area';
import type { MetricHistoryStore } from './history-store';
import type { MetricsService } from './metrics-service';

/**
 * Emits at once while the client keeps up; while it is behind (paused), keeps only the latest
 * event per key and sends those when it resumes: a slow window gets fresh values, not a backlog.
 */
export function coalescing<E>(
  keyOf: (e: E) => number,
  initial: () => E[],
  subscribe: (listener: (e: E) => void) => () => void,
): StreamSource<E> {
  let emit: ((e: E) => void) | null = null;
  let unsubscribe: (() => void) | null = null;
  let paused = false;
  const held = new Map<number, E>();
  return {
    start(e) {
      emit = e;
      for (const ev of initial()) e(ev);
      unsubscribe = subscribe((ev) => {
        if (paused) held.set(keyOf(ev), ev);
        else emit?.(ev);
      });
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      const out = [...held.values()];
      held.clear();
      for (const ev of out) emit?.(ev);
    },
    stop: () => {
      unsubscribe?.();
      emit = null;
    },
  };
}

export function metricsApi(
  metrics: MetricsService,
  history: MetricHistoryStore,
): AreaApi<'metrics.history', 'metrics.host' | 'metrics.fleet' | 'metrics.alerts'> {
  return {
    handlers: {
      'metrics.history': ({ hostId, metric, from, to }) => history.query(hostId, metric, from, to),
    },
    streams: {
      'metrics.host': ({ hostId }) =>
        coalescing<HostMetricsSample>(
          () => 0,
          () => metrics.recent(hostId),
          (l) => metrics.subscribe(hostId, l),
        ),
      'metrics.fleet': () =>
        coalescing<FleetEntry>(
          (e) => e.hostId,
          () => metrics.fleet(),
          (l) => metrics.subscribeFleet(l),
        ),
      'metrics.alerts': () =>
        coalescing<HostAlerts>(
          (e) => e.hostId,
          () => metrics.alerts(),
          (l) => metrics.subscribeAlerts(l),
        ),
    },
  };
}
