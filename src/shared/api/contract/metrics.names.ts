// The metrics area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { metricsCalls, metricsStreams } from './metrics';

export const METRICS_CALLS = ['metrics.history'] as const satisfies readonly (keyof typeof metricsCalls)[];

export const METRICS_STREAMS = [
  'metrics.host',
  'metrics.fleet',
  'metrics.alerts',
] as const satisfies readonly (keyof typeof metricsStreams)[];
