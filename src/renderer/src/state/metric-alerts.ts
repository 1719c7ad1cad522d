// Every host's active metric alerts (disk, memory, GPU memory, offline), fed by the metrics.alerts
// stream for the app's lifetime: the sidebar and the host header show them as a badge.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { MetricAlert } from '../../../shared/api/metrics-domain';
import { api } from '../api';

export const useMetricAlerts = create<{ byId: Record<number, MetricAlert[]> }>(() => ({ byId: {} }));

export function useMetricAlertsStream(): void {
  useEffect(
    () =>
      api.streams.metrics.alerts({}, (events) => {
        useMetricAlerts.setState((s) => {
          const byId = { ...s.byId };
          for (const e of events) byId[e.hostId] = e.alerts;
          return { byId };
        });
      }),
    [],
  );
}

const NONE: MetricAlert[] = [];

export function useHostAlerts(hostId: number): MetricAlert[] {
  return useMetricAlerts((s) => s.byId[hostId] ?? NONE);
}
