// Live metrics of every connected host (a collector per host, 1 s) and their history.
import { z } from 'zod';
import type { FleetEntry, HostAlerts, HostMetricsSample, MetricHistory } from '../metrics-domain';
import { call, empty, out, stream } from './define';
import { hostId } from './hosts';

/** The history series names (`cpu`, `net.rx`, `gpu0.util`, ...). */
export const metricNameSchema = z
  .string()
  .regex(
    /^(cpu|load1|mem\.used|mem\.percent|disk\.(read|write)|net\.(rx|tx)|gpu\d{1,2}\.(util|mem|temp|power))$/,
    'is not a known metric',
  );

export const metricsCalls = {
  /** One series between two times (ms), at the finest resolution still kept for that range. */
  'metrics.history': call({
    input: z
      .object({
        hostId,
        metric: metricNameSchema,
        from: z.number().int().nonnegative(),
        to: z.number().int().nonnegative(),
      })
      .strict()
      .refine((i) => i.from <= i.to, 'from must not be after to'),
    output: out<MetricHistory>(),
    mutating: false,
  }),
} as const;

export const metricsStreams = {
  /** A host's samples: the recent ones first, then one per second; while behind, only the latest. */
  'metrics.host': stream({ params: z.object({ hostId }).strict(), event: out<HostMetricsSample>() }),
  /** Every host's latest state: all of them first, then each change; while behind, each host's latest. */
  'metrics.fleet': stream({ params: empty, event: out<FleetEntry>() }),
  /** Every host's active alerts: all hosts first, then a host whenever its alerts start or clear. */
  'metrics.alerts': stream({ params: empty, event: out<HostAlerts>() }),
} as const;
