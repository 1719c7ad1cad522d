// Live workstation metrics: subscribes to the system.metrics stream while mounted and keeps the
// last few minutes (the stream sends recent history first, and again after a reconnect).
import { useEffect, useState } from 'react';
import type { LocalMetricsSample } from '../../../shared/api/domain';
import { api } from '../api';
import { appendSamples } from '../lib/sample-window';

const KEEP = 180;

export function useLocalMetrics(): { samples: LocalMetricsSample[]; error: string | null } {
  const [samples, setSamples] = useState<LocalMetricsSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    return api.streams.system.metrics(
      {},
      (events) => {
        setError(null);
        setSamples((prev) => appendSamples(prev, events, KEEP));
      },
      (err) => {
        if (err) setError(err.message);
      },
    );
  }, []);
  return { samples, error };
}
