// A host's live metrics while mounted (the host page's Metrics view): the stream sends the recent
// samples first, then one per interval; the last few minutes are kept for the charts. (The page
// is keyed by host, so a new host starts from an empty list.)
import { useEffect, useState } from 'react';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import { api } from '../api';
import { appendSamples } from '../lib/sample-window';

const KEEP = 300;

export function useHostMetrics(hostId: number): { samples: HostMetricsSample[]; error: string | null } {
  const [samples, setSamples] = useState<HostMetricsSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    return api.streams.metrics.host(
      { hostId },
      (events) => {
        setError(null);
        setSamples((prev) => appendSamples(prev, events, KEEP));
      },
      (err) => {
        if (err) setError(err.message);
      },
    );
  }, [hostId]);
  return { samples, error };
}
