// Settings: where Labdeck keeps its data, how it looks, and how long it keeps its history.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { AuditArchive, ChainedAuditEvent, Settings, Theme } from '../../../shared/api/domain';
import { api, ApiError } from '../api';
import { ResultPill } from '../components/AuditDetails';
import { follow, JobLine, useAuditJobs } from '../components/JobProgress';
import { MetricsSettings } from '../components/MetricsSettings';
import { errorText, fieldError as fieldProblem } from '../lib/errors';
import { formatBytes, formatTimestamp } from '../lib/format';
import { isFinal } from '../lib/jobs';
import { useNow } from '../hooks/useNow';
import { useJobs } from '../state/jobs';

/** Shows a short confirmation for a few seconds after a save. */
function useSavedFlash(): [boolean, () => void] {
  const [at, setAt] = useState(0);
  const now = useNow(500);
  return [now - at < 3000, () => setAt(Date.now())];
}

/**
 * A checkbox bound to a saved setting that shows a click at once: the clicked value is kept here
 * until the saved one says the same (or the save fails), so a re-render before the save has
 * started cannot flip it back.
 */
function useShownCheck(saved: boolean, failed: boolean): [boolean, (v: boolean) => void] {
  const [clicked, setClicked] = useState<boolean | null>(null);
  const shown = clicked !== null && clicked !== saved && !failed ? clicked : saved;
  if (clicked !== null && (clicked === saved || failed)) setClicked(null);
  return [shown, setClicked];
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
      {settings.data && <HistorySettings s={settings.data} />}
      {settings.data && <MetricsSettings s={settings.data} />}
      {settings.data && <DesktopSettings s={settings.data} mode={i?.mode} />}
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
  const [screenReader, showScreenReader] = useShownCheck(props.s.terminalScreenReader, update.isError);
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
            // The value being saved shows at once (not only when the server has answered).
            checked={screenReader}
            onChange={(e) => {
              showScreenReader(e.target.checked);
              save({ terminalScreenReader: e.target.checked });
            }}
          />
          Screen reader support (terminal text is also exposed to assistive technology)
        </label>
      </form>
    </section>
  );
}

/** The desktop app's own settings: the tray entry and the update server (browser mode has neither). */
function DesktopSettings(props: { s: Settings; mode: 'desktop' | 'browser' | undefined }): React.JSX.Element {
  const [url, setUrl] = useState<string | null>(null);
  // Two saves of their own: the tray switch saving must not end a half-typed URL, nor wait for it.
  const { m: update, saved } = useSave(() => setUrl(null));
  const { m: traySave, saved: traySaved } = useSave();
  const shownUrl = url ?? props.s.updateUrl;
  const [tray, showTray] = useShownCheck(props.s.showTray, traySave.isError);
  const err = fieldProblem(update.error, 'updateUrl');
  return (
    <section className="panel" data-testid="desktop-settings">
      <h2>Desktop app</h2>
      {props.mode === 'browser' && (
        <p className="dim small">These apply to the desktop app; browser mode has no tray and no updates.</p>
      )}
      <label className="check">
        <input
          type="checkbox"
          data-testid="show-tray"
          checked={tray}
          onChange={(e) => {
            showTray(e.target.checked);
            traySave.mutate({ showTray: e.target.checked });
          }}
        />
        Show Labdeck in the tray / menu bar (desktop app)
        {traySaved && <span className="saved"> Saved.</span>}
      </label>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ updateUrl: shownUrl.trim() });
        }}
      >
        <label className="label" htmlFor="update-url">
          Update server
        </label>
        <input
          id="update-url"
          data-testid="update-url"
          style={{ width: 420 }}
          value={shownUrl}
          placeholder="https://updates.example/labdeck"
          maxLength={500}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button
          className="btn primary"
          type="submit"
          data-testid="save-update-url"
          disabled={update.isPending || shownUrl.trim() === props.s.updateUrl}
        >
          {update.isPending && update.variables?.updateUrl !== undefined ? 'Saving…' : 'Save'}
        </button>
        {saved && <span className="saved">Saved.</span>}
      </form>
      {traySave.error && (
        <div className="banner error">Could not save the tray setting: {traySave.error.message}</div>
      )}
      {err && <div className="field-error">{err}</div>}
      {update.error && !(update.error instanceof ApiError && update.error.field) && (
        <div className="banner error">Could not save: {update.error.message}</div>
      )}
      <p className="hint">
        Update server (generic feed URL); empty: no automatic updates. Read when the installed app starts;{' '}
        <code>LABDECK_UPDATE_URL</code> overrides it.
      </p>
    </section>
  );
}

/** The rows of one archive containing the words typed (the server reads the file through). */
function ArchiveRow({ a }: { a: AuditArchive }): React.JSX.Element {
  const [q, setQ] = useState('');
  const search = useMutation({
    mutationFn: (words: string) => api.audit.searchArchive({ file: a.file, q: words }),
  });
  const found: ChainedAuditEvent[] | undefined = search.data;
  return (
    <>
      <tr data-testid="archive-row" data-file={a.file}>
        <td className="mono" title={a.file}>
          {a.file}
        </td>
        <td className="num">{a.rows.toLocaleString('en')}</td>
        <td className="mono">
          #{a.firstEventId}–#{a.lastEventId}
        </td>
        <td className="mono" title={`archived ${formatTimestamp(a.createdAt)}`}>
          {formatTimestamp(a.oldestTs).slice(0, 10)} – {formatTimestamp(a.newestTs).slice(0, 10)}
        </td>
        <td className="num">{formatBytes(a.bytes)}</td>
        <td>
          <form
            className="archive-search"
            onSubmit={(e) => {
              e.preventDefault();
              search.mutate(q.trim());
            }}
          >
            <input
              type="search"
              data-testid="archive-search"
              placeholder="Words in this archive"
              aria-label={`Search ${a.file}`}
              value={q}
              maxLength={200}
              onChange={(e) => setQ(e.target.value)}
            />
            <button className="btn small" type="submit" disabled={search.isPending}>
              {search.isPending ? 'Reading…' : 'Search'}
            </button>
          </form>
        </td>
      </tr>
      {(found || search.error) && (
        <tr className="detail">
          <td colSpan={6} data-testid="archive-results">
            {search.error ? (
              <span className="err">Could not read the archive: {errorText(search.error)}</span>
            ) : found && found.length === 0 ? (
              <span className="dim">No row of this archive has all these words.</span>
            ) : (
              <>
                <div className="dim small">
                  {found!.length.toLocaleString('en')} matching row{found!.length === 1 ? '' : 's'}
                  {found!.length >= 500 ? ' (the last 500 shown)' : ''}
                </div>
                <table className="grid compact archive-hits">
                  <tbody>
                    {found!.map((r) => (
                      <tr key={r.id} data-testid="archive-hit">
                        <td className="mono col-time">{formatTimestamp(r.ts)}</td>
                        <td className="mono col-action">{r.action}</td>
                        <td className="col-target" title={r.target}>
                          {r.target}
                        </td>
                        <td className="col-result">
                          <ResultPill e={r} />
                        </td>
                        <td className="dim col-who" title={r.actor}>
                          {r.actor}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function HistorySettings(props: { s: Settings }): React.JSX.Element {
  const qc = useQueryClient();
  const [days, setDays] = useState(String(props.s.auditRetentionDays));
  const { m: update, saved } = useSave();
  const err = fieldProblem(update.error, 'auditRetentionDays');
  const verifyId = useAuditJobs((s) => s.verify);
  const archiveId = useAuditJobs((s) => s.archive);
  const touched = (): void => void qc.invalidateQueries({ queryKey: ['audit'] });
  const verify = useMutation({
    mutationFn: () => api.audit.verify(),
    onSuccess: (job) => follow('verify', job),
    onSettled: touched,
  });
  const archive = useMutation({
    mutationFn: () => api.audit.archiveNow(),
    onSuccess: (job) => follow('archive', job),
    onSettled: touched,
  });
  const archives = useQuery({ queryKey: ['audit', 'archives'], queryFn: () => api.audit.archives() });
  const verifying = useJobs((s) => (verifyId ? s.byId[verifyId]?.state : undefined));
  const archiving = useJobs((s) => (archiveId ? s.byId[archiveId]?.state : undefined));
  // A finished archive is a new file to list, and rows gone from the live history.
  useEffect(() => {
    if (archiving && isFinal(archiving)) void qc.invalidateQueries({ queryKey: ['audit'] });
  }, [archiving, qc]);
  const keepsAll = props.s.auditRetentionDays === 0;

  return (
    <section className="panel history-settings" data-testid="history-settings">
      <h2>History</h2>
      <div className="form-row">
        <span className="label">Integrity</span>
        <button
          className="btn"
          data-testid="verify-history"
          disabled={verify.isPending || (verifying !== undefined && !isFinal(verifying))}
          title="Check every row against the hash chain: a row changed, deleted or slipped in outside Labdeck is named"
          onClick={() => verify.mutate()}
        >
          Verify history
        </button>
        {verify.error && <span className="err">Could not start: {errorText(verify.error)}</span>}
      </div>
      {verifyId && (
        <JobLine
          id={verifyId}
          testId="verify-job"
          result={(job) => (
            <span
              data-testid="verify-result"
              data-ok={job.state === 'succeeded'}
              className={job.state === 'succeeded' ? 'ok-text' : 'err'}
            >
              {job.state === 'succeeded' ? '✓ ' : '✗ '}
              {job.message ?? `The check ${job.state}.`}
            </span>
          )}
        />
      )}
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ auditRetentionDays: Number(days) });
        }}
      >
        <label className="label" htmlFor="retention-days">
          Keep history for
        </label>
        <input
          id="retention-days"
          data-testid="retention-days"
          className="narrow"
          style={{ width: 80 }}
          value={days}
          inputMode="numeric"
          onChange={(e) => setDays(e.target.value)}
        />
        <span className="dim">days (0 keeps everything)</span>
        <button
          className="btn primary"
          type="submit"
          data-testid="save-retention"
          disabled={update.isPending}
        >
          {update.isPending ? 'Saving…' : 'Save'}
        </button>
        {saved && <span className="saved">Saved.</span>}
        <button
          className="btn"
          type="button"
          data-testid="archive-now"
          disabled={keepsAll || archive.isPending || (archiving !== undefined && !isFinal(archiving))}
          title={
            keepsAll
              ? 'Everything is kept: set how many days to keep (and Save) first'
              : `Move rows older than ${props.s.auditRetentionDays} days to a compressed archive now`
          }
          onClick={() => archive.mutate()}
        >
          Archive now
        </button>
      </form>
      {err && <div className="field-error">{err}</div>}
      {update.error && !(update.error instanceof ApiError && update.error.field) && (
        <div className="banner error">Could not save: {update.error.message}</div>
      )}
      {archive.error && <div className="banner error">Could not archive: {errorText(archive.error)}</div>}
      {archiveId && (
        <JobLine id={archiveId} testId="archive-job" result={(job) => <span>{job.message}</span>} />
      )}
      <p className="hint">
        Older rows are never just deleted: they move, with their hashes, to a compressed JSON Lines archive in
        the data folder (once a day, or now), and the rows that stay still verify.
      </p>
      <h3>Archives</h3>
      {archives.error ? (
        <div className="banner error">Could not list the archives: {errorText(archives.error)}</div>
      ) : archives.data && archives.data.length > 0 ? (
        <div className="table-wrap">
          <table className="grid compact archives" data-testid="archives">
            <thead>
              <tr>
                <th>File</th>
                <th className="num" style={{ width: 80 }}>
                  Rows
                </th>
                <th style={{ width: 130 }}>Ids</th>
                <th style={{ width: 190 }}>Dates</th>
                <th className="num" style={{ width: 80 }}>
                  Size
                </th>
                <th style={{ width: 290 }}>Search</th>
              </tr>
            </thead>
            <tbody>
              {archives.data.map((a) => (
                <ArchiveRow key={a.file} a={a} />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="dim" data-testid="no-archives">
          {archives.isPending ? 'Loading…' : 'No archives yet.'}
        </p>
      )}
    </section>
  );
}
