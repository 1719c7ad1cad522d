// A host's live metrics while mounted (the host page's Metrics view): the stream sends the recent
// samples first, then one per interval; the last few minutes are kept for the charts. (The page
// is keyed by host, so a new host starts from an empty list.)
import { useEffect, useState } from 'react';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import { api } from '../api';

const KEEP = 300;

export function useHostMetrics(hostId: number): { samples: HostMetricsSample[]; error: string | null } {
  const [samples, setSamples] = useState<HostMetricsSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    return api.streams.metrics.host(
      { hostId },
      (events) => {
        setError(null);
        setSamples((prev) => {
          const last = prev[prev.length - 1]?.ts ?? 0;
          const fresh = events.filter((e) => e.ts > last);
          if (fresh.length === 0) return prev;
          const next = prev.concat(fresh);
          return next.length > KEEP ? next.slice(next.length - KEEP) : next;
        });
      },
      (err) => {
        if (err) setError(err.message);
      },
    );
  }, [hostId]);
  return { samples, error };
}
