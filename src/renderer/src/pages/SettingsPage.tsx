// Settings: where Labdeck keeps its data, and how it looks.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Settings, Theme } from '../../../shared/api/domain';
import { api, ApiError } from '../api';
import { fieldError as fieldProblem } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { useNow } from '../hooks/useNow';

/** Shows a short confirmation for a few seconds after a save. */
function useSavedFlash(): [boolean, () => void] {
  const [at, setAt] = useState(0);
  const now = useNow(500);
  return [now - at < 3000, () => setAt(Date.now())];
}

/** A settings save: its own pending, error and "Saved." state, audited, cache updated. */
function useSave(onSaved?: () => void) {
  const qc = useQueryClient();
  const [saved, flash] = useSavedFlash();
  const m = useMutation({
    mutationFn: (patch: Partial<Settings>) => api.settings.update(patch),
    onSuccess: (next) => {
      qc.setQueryData(['settings'], next);
      flash();
      onSaved?.();
    },
    // Every mutation is audited, and may fail: both change what Activity shows.
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  return { m, saved: saved && m.isSuccess };
}

export function SettingsPage(): React.JSX.Element {
  const info = useQuery({ queryKey: ['app', 'info'], queryFn: () => api.app.info() });
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  // What the user is typing; null means "show the saved value".
  const [draft, setDraft] = useState<string | null>(null);
  const name = draft ?? settings.data?.workstationName ?? '';

  const { m: update, saved } = useSave(() => setDraft(null));
  const fieldError = (field: string): string | null => fieldProblem(update.error, field);

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
            <dt>Saved secrets</dt>
            <dd data-testid="secret-storage">
              encrypted with {i.secretStorage}
              {i.unreadableSecrets > 0 && (
                <span className="err">
                  {' '}
                  · {i.unreadableSecrets} cannot be decrypted here (key lost or another keychain): Labdeck
                  asks for them again when their hosts connect
                </span>
              )}
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
            data-testid="save-name"
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
        {saved && (
          <div className="saved" data-testid="saved">
            Saved.
          </div>
        )}
      </section>
      {settings.data && <TerminalSettings s={settings.data} />}
    </div>
  );
}

function TerminalSettings(props: { s: Settings }): React.JSX.Element {
  // Edits stay while other settings change (a theme switch does not reset a half-typed font).
  const [size, setSize] = useState(String(props.s.terminalFontSize));
  const [family, setFamily] = useState(props.s.terminalFontFamily);
  const [scrollback, setScrollback] = useState(String(props.s.terminalScrollback));
  const { m: update, saved } = useSave();
  const save = (p: Partial<Settings>): void => update.mutate(p);
  const err = (f: string): string | null => fieldProblem(update.error, f);
  return (
    <section className="panel">
      <h2>Terminal</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save({
            terminalFontSize: Number(size),
            terminalFontFamily: family,
            terminalScrollback: Number(scrollback),
          });
        }}
      >
        <div className="form-row">
          <label className="label" htmlFor="term-font-size">
            Font size
          </label>
          <input
            id="term-font-size"
            className="narrow"
            value={size}
            onChange={(e) => setSize(e.target.value)}
            inputMode="numeric"
          />
        </div>
        {err('terminalFontSize') && <div className="field-error">{err('terminalFontSize')}</div>}
        <div className="form-row">
          <label className="label" htmlFor="term-font-family">
            Font family
          </label>
          <input
            id="term-font-family"
            style={{ width: 420 }}
            value={family}
            onChange={(e) => setFamily(e.target.value)}
          />
        </div>
        {err('terminalFontFamily') && <div className="field-error">{err('terminalFontFamily')}</div>}
        <div className="form-row">
          <label className="label" htmlFor="term-scrollback">
            Scrollback lines
          </label>
          <input
            id="term-scrollback"
            className="narrow"
            style={{ width: 100 }}
            value={scrollback}
            onChange={(e) => setScrollback(e.target.value)}
            inputMode="numeric"
          />
          <button
            className="btn primary"
            type="submit"
            data-testid="save-terminal"
            disabled={update.isPending}
          >
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
          {saved && <span className="saved">Saved.</span>}
        </div>
        {err('terminalScrollback') && <div className="field-error">{err('terminalScrollback')}</div>}
        {update.error && !(update.error instanceof ApiError && update.error.field) && (
          <div className="banner error">Could not save terminal settings: {update.error.message}</div>
        )}
        <label className="check">
          <input
            type="checkbox"
            data-testid="screen-reader"
            checked={props.s.terminalScreenReader}
            onChange={(e) => save({ terminalScreenReader: e.target.checked })}
          />
          Screen reader support (terminal text is also exposed to assistive technology)
        </label>
      </form>
    </section>
  );
}
