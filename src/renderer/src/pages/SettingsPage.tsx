// Settings: where Labdeck keeps its data, and how it looks.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Settings, Theme } from '../../../shared/api/domain';
import { api, ApiError } from '../api';
import { formatBytes } from '../lib/format';

export function SettingsPage(): React.JSX.Element {
  const qc = useQueryClient();
  const info = useQuery({ queryKey: ['app', 'info'], queryFn: () => api.app.info() });
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  // What the user is typing; null means "show the saved value".
  const [draft, setDraft] = useState<string | null>(null);
  const name = draft ?? settings.data?.workstationName ?? '';

  const update = useMutation({
    mutationFn: (patch: Partial<Settings>) => api.settings.update(patch),
    onSuccess: (next) => {
      qc.setQueryData(['settings'], next);
      setDraft(null);
    },
    // Every mutation is audited, and may fail: both change what Activity shows.
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const fieldError = (field: string): string | null =>
    update.error instanceof ApiError && update.error.field === field ? update.error.message : null;

  const i = info.data;
  return (
    <div className="page" data-testid="settings-page">
      <div className="page-head">
        <div>
          <h1>Settings</h1>
        </div>
      </div>
      <section className="panel">
        <h2>Data folder</h2>
        {i ? (
          <dl className="kv">
            <dt>Folder</dt>
            <dd className="mono" data-testid="data-dir">
              {i.dataDir}
            </dd>
            <dt>Database</dt>
            <dd className="mono">
              {i.dbPath} <span className="dim">({formatBytes(i.dbSizeBytes)})</span>
            </dd>
            <dt>Running as</dt>
            <dd>
              {i.mode === 'desktop' ? 'Desktop app' : 'Browser mode (npm run serve)'} · Labdeck {i.version} ·
              Node {i.nodeVersion} · {i.platform}
            </dd>
          </dl>
        ) : (
          <p className="muted">{info.error ? info.error.message : 'Loading…'}</p>
        )}
        <p className="hint">
          To keep data elsewhere, start Labdeck with <code>--data-dir DIR</code> or set{' '}
          <code>LABDECK_DATA_DIR</code>. Back up this folder to keep your hosts and history.
        </p>
      </section>
      <section className="panel">
        <h2>Appearance</h2>
        <div className="form-row">
          <span className="label">Theme</span>
          <div className="segmented" role="radiogroup" aria-label="Theme">
            {(['dark', 'light'] as Theme[]).map((t) => (
              <button
                key={t}
                role="radio"
                aria-checked={settings.data?.theme === t}
                className={settings.data?.theme === t ? 'on' : ''}
                data-testid={`theme-${t}`}
                disabled={update.isPending}
                onClick={() => update.mutate({ theme: t })}
              >
                {t === 'dark' ? 'Dark' : 'Light'}
              </button>
            ))}
          </div>
        </div>
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            update.mutate({ workstationName: name });
          }}
        >
          <label className="label" htmlFor="ws-name">
            This computer's name
          </label>
          <input
            id="ws-name"
            data-testid="workstation-name"
            value={name}
            maxLength={64}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button
            className="btn primary"
            type="submit"
            disabled={update.isPending || name === settings.data?.workstationName}
          >
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
        </form>
        {fieldError('workstationName') && <div className="field-error">{fieldError('workstationName')}</div>}
        {update.error && !(update.error instanceof ApiError && update.error.field) && (
          <div className="banner error">Could not save settings: {update.error.message}</div>
        )}
        {update.isSuccess && (
          <div className="saved" data-testid="saved">
            Saved.
          </div>
        )}
      </section>
    </div>
  );
}
