// The system area: the workstation's description and its live metrics stream.
import type { LocalMetricsSample } from '../../../shared/api/domain';
import type { AreaApi, StreamSource } from '../../lib/area';
import type { LocalMetricsService } from './local-metrics-service';

function metricsSource(metrics: LocalMetricsService): StreamSource<LocalMetricsSample> {
  let unsubscribe: (() => void) | null = null;
  let paused = false;
  return {
    start(emit) {
      for (const s of metrics.recent()) emit(s);
      unsubscribe = metrics.subscribe((s) => {
        // A client that is behind misses samples rather than queueing them.
        if (!paused) emit(s);
      });
    },
    pause: () => (paused = true),
    resume: () => (paused = false),
    stop: () => unsubscribe?.(),
  };
}

export function systemApi(metrics: LocalMetricsService): AreaApi<'system.static', 'system.metrics'> {
  return {
    handlers: { 'system.static': () => metrics.describe() },
    streams: { 'system.metrics': () => metricsSource(metrics) },
  };
}
