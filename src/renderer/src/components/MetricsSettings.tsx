// Settings → Metrics: how long host metrics history is kept (1 s is kept for an hour; the 1-minute
// and 15-minute tiers for the days set here) and when a metric alert is raised. Both apply at once.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Settings } from '../../../shared/api/domain';
import { api, ApiError } from '../api';
import { useNow } from '../hooks/useNow';
import { fieldError } from '../lib/errors';

type MetricsKey =
  | 'metricsMinuteRetentionDays'
  | 'metricsQuarterRetentionDays'
  | 'alertDiskPercent'
  | 'alertMemAvailablePercent'
  | 'alertGpuMemPercent'
  | 'alertOfflineSeconds';

const FIELDS: { key: MetricsKey; label: string; unit: string; hint: string }[] = [
  { key: 'metricsMinuteRetentionDays', label: 'Per-minute history', unit: 'days', hint: '1–365' },
  { key: 'metricsQuarterRetentionDays', label: 'Per-15-minute history', unit: 'days', hint: '1–3650' },
  { key: 'alertDiskPercent', label: 'Alert: disk over', unit: '% full', hint: '50–100' },
  { key: 'alertMemAvailablePercent', label: 'Alert: memory under', unit: '% available', hint: '0–50' },
  { key: 'alertGpuMemPercent', label: 'Alert: GPU memory over', unit: '% used', hint: '50–100' },
  { key: 'alertOfflineSeconds', label: 'Alert: offline over', unit: 'seconds', hint: '5–86400' },
];

export function MetricsSettings({ s }: { s: Settings }): React.JSX.Element {
  const qc = useQueryClient();
  // What the person is typing, per field; a field not typed in shows its saved value.
  const [draft, setDraft] = useState<Partial<Record<MetricsKey, string>>>({});
  const [savedAt, setSavedAt] = useState(0);
  const now = useNow(500);
  const update = useMutation({
    mutationFn: (patch: Partial<Settings>) => api.settings.update(patch),
    onSuccess: (next) => {
      qc.setQueryData(['settings'], next);
      setDraft({});
      setSavedAt(Date.now());
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const value = (k: MetricsKey): string => draft[k] ?? String(s[k]);
  const changed = FIELDS.filter((f) => draft[f.key] !== undefined && draft[f.key] !== String(s[f.key]));
  return (
    <section className="panel" data-testid="metrics-settings">
      <h2>Metrics</h2>
      <p className="dim small">
        Every second is kept for an hour; then per-minute and per-15-minute figures (lowest, average and
        highest) for the days below. Alerts show as a badge on the host and one Activity row when they start
        and when they clear. Changes apply at once.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const patch: Partial<Record<MetricsKey, number>> = {};
          for (const f of changed) patch[f.key] = Number(draft[f.key]);
          if (changed.length) update.mutate(patch);
        }}
      >
        {FIELDS.map((f) => (
          <div key={f.key}>
            <div className="form-row">
              <label className="label" htmlFor={`metrics-${f.key}`}>
                {f.label}
              </label>
              <input
                id={`metrics-${f.key}`}
                data-testid={`setting-${f.key}`}
                className="narrow"
                style={{ width: 90 }}
                value={value(f.key)}
                onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
                inputMode="numeric"
                title={f.hint}
              />
              <span className="dim">{f.unit}</span>
            </div>
            {fieldError(update.error, f.key) && (
              <div className="field-error">{fieldError(update.error, f.key)}</div>
            )}
          </div>
        ))}
        <div className="form-row">
          <button
            className="btn primary"
            type="submit"
            data-testid="save-metrics-settings"
            disabled={update.isPending || changed.length === 0}
          >
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
          {update.isSuccess && now - savedAt < 3000 && <span className="saved">Saved.</span>}
        </div>
        {update.error && !(update.error instanceof ApiError && update.error.field) && (
          <div className="banner error">Could not save metrics settings: {update.error.message}</div>
        )}
      </form>
    </section>
  );
}
