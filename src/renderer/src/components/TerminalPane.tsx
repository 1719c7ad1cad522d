// One terminal: an xterm.js view of a shell on a host. Output is acknowledged only after xterm has
// parsed it (flow control end to end); WebGL renders it while visible, the DOM renderer otherwise.
// When the link drops, the scrollback stays and a new shell can be opened in the same view.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Settings, TerminalEvent } from '../../../shared/api/domain';
import { ApiError } from '../api';
import { errorText, nextStep } from '../lib/errors';
import { useUi } from '../state/ui-store';
import { hostShell, type ShellBackend } from './shell-backend';

type Status =
  | { kind: 'opening' }
  | { kind: 'open'; id: string }
  | { kind: 'ended'; message: string; lost: boolean }
  | { kind: 'failed'; message: string; next: string | null; fixOnHostPage: boolean };

/** Failures that reconnecting alone cannot fix: the host page asks for the secret or the key decision. */
const FIX_ON_HOST_PAGE = new Set(['SECRET_REQUIRED', 'AUTH_FAILED', 'HOSTKEY_UNKNOWN', 'HOSTKEY_MISMATCH']);

const THEME = {
  background: '#0b0d11',
  foreground: '#d7dce5',
  cursor: '#4f9cf7',
  selectionBackground: '#2b4a75',
  black: '#1c2029',
  brightBlack: '#5d6678',
};
const MAX_INPUT = 60_000;

/** Links from terminal output (plain URLs and OSC 8 hyperlinks) open outside the app, web links only. */
function openLink(uri: string): void {
  if (/^https?:\/\//i.test(uri)) window.open(uri, '_blank', 'noopener,noreferrer');
}

interface Props {
  hostId: number;
  /** Reports this pane's state to its tab (terminal tabs in the background show a lost link). */
  paneId?: string;
  hostName?: string | undefined;
  asUser?: string | undefined;
  visible: boolean;
  settings: Settings | undefined;
  onClose?: () => void;
  testId?: string;
  /** Where the shell runs; a login shell on the host unless given (e.g. inside a container). */
  backend?: ShellBackend;
}

export function TerminalPane({
  hostId,
  paneId,
  hostName,
  asUser,
  visible,
  settings,
  onClose,
  testId,
  backend,
}: Props): React.JSX.Element {
  const shell = useMemo(() => backend ?? hostShell(hostId, asUser), [backend, hostId, asUser]);
  const shellRef = useRef<ShellBackend>(shell);
  useEffect(() => {
    shellRef.current = shell;
  }, [shell]);
  const box = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const sessionRef = useRef<{ id: string; unsubscribe: () => void } | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'opening' });
  const [generation, setGeneration] = useState(0);
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState('');
  const openHost = useUi((s) => s.openHost);
  const setPaneStatus = useUi((s) => s.setPaneStatus);
  // Enter in an ended terminal opens a new shell, as the banner says.
  const reconnectRef = useRef<(() => void) | null>(null);
  // The settings at creation (later changes apply live below), so the first pty has the right size.
  const initial = useRef(settings);

  // The xterm instance lives as long as the pane: reconnects reuse it, so scrollback survives.
  useEffect(() => {
    const term = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontSize: initial.current?.terminalFontSize ?? 13,
      scrollback: initial.current?.terminalScrollback ?? 10_000,
      screenReaderMode: initial.current?.terminalScreenReader ?? false,
      theme: THEME,
      fontFamily: initial.current?.terminalFontFamily ?? "'DejaVu Sans Mono', monospace",
      linkHandler: { activate: (_e, uri) => openLink(uri) },
      // Binary output (a `cat` of a tarball) makes xterm log every parse error to the console,
      // a million lines for 200 MB: the console would be unusable and the page slower.
      logLevel: 'off',
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon((_e, uri) => openLink(uri)));
    term.open(box.current!);
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'PageUp' || e.code === 'PageDown') return false; // switches tabs (TabBar)
      if (e.code === 'KeyC') {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => term.paste(t));
        return false;
      }
      if (e.code === 'KeyF') {
        setSearching(true);
        return false;
      }
      return true;
    });
    termRef.current = term;
    fitRef.current = fit;
    searchRef.current = search;
    const send = (data: string): void => {
      const again = reconnectRef.current;
      if (again) {
        // The shell has ended: Enter opens a new one, other keys go nowhere.
        if (data === '\r') again();
        return;
      }
      const s = sessionRef.current;
      if (!s) return;
      for (let i = 0; i < data.length; i += MAX_INPUT) {
        void shellRef.current.input(s.id, data.slice(i, i + MAX_INPUT)).catch(() => undefined);
      }
    };
    const onData = term.onData(send);
    let resizeTimer: ReturnType<typeof setTimeout> | null = null;
    const onResize = term.onResize(({ cols, rows }) => {
      if (resizeTimer) clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        const s = sessionRef.current;
        if (s) void shellRef.current.resize(s.id, cols, rows).catch(() => undefined);
      }, 50);
    });
    return () => {
      onData.dispose();
      onResize.dispose();
      term.dispose();
      termRef.current = null;
    };
  }, []);

  // Open a shell (again after a reconnect), stream its output into xterm.
  useEffect(() => {
    const term = termRef.current!;
    let cancelled = false;
    if (generation > 0) term.write('\r\n\x1b[2m── new session ──\x1b[0m\r\n');
    fitRef.current?.fit();
    const cols = Math.max(2, term.cols);
    const rows = Math.max(1, term.rows);
    shell
      .open(cols, rows)
      .then((info) => {
        if (cancelled) {
          void shell.close(info.id).catch(() => undefined);
          return;
        }
        const unsubscribe = shell.output(info.id, (events: TerminalEvent[]) => {
          let parsed: Promise<void> = Promise.resolve();
          for (const e of events) {
            if (e.t === 'data') {
              parsed = new Promise<void>((resolve) => term.write(e.d, resolve));
            } else {
              const lost = e.reason !== null;
              setStatus({
                kind: 'ended',
                lost,
                message: lost
                  ? e.reason!
                  : `The shell exited${e.signal ? ` (signal ${e.signal})` : ` with code ${e.code}`}.`,
              });
            }
          }
          // Acknowledged only once xterm has parsed the batch: the source pauses if we fall behind.
          return parsed;
        });
        sessionRef.current = { id: info.id, unsubscribe };
        setStatus({ kind: 'open', id: info.id });
        // A resize while the shell was opening had no session to go to yet.
        if (term.cols !== cols || term.rows !== rows) {
          void shell.resize(info.id, term.cols, term.rows).catch(() => undefined);
        }
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setStatus({
          kind: 'failed',
          message: errorText(err),
          next: nextStep(err),
          fixOnHostPage: err instanceof ApiError && FIX_ON_HOST_PAGE.has(err.code),
        });
      });
    return () => {
      cancelled = true;
      const s = sessionRef.current;
      sessionRef.current = null;
      if (s) {
        s.unsubscribe();
        void shell.close(s.id).catch(() => undefined);
      }
    };
  }, [shell, generation]);

  // Settings apply live.
  useEffect(() => {
    const term = termRef.current;
    if (!term || !settings) return;
    term.options.fontSize = settings.terminalFontSize;
    term.options.fontFamily = settings.terminalFontFamily;
    term.options.scrollback = settings.terminalScrollback;
    term.options.screenReaderMode = settings.terminalScreenReader;
    fitRef.current?.fit();
  }, [settings]);

  // Only visible terminals hold a WebGL context (Chromium allows ~16); fall back to the DOM renderer.
  useEffect(() => {
    const term = termRef.current;
    if (!term || !visible) return;
    let webgl: WebglAddon | null = null;
    try {
      webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl?.dispose();
        webgl = null;
      });
      term.loadAddon(webgl);
    } catch {
      webgl = null; // no WebGL here: xterm keeps its DOM renderer
    }
    const ro = new ResizeObserver(() => {
      if (box.current && box.current.clientWidth > 0) fitRef.current?.fit();
    });
    ro.observe(box.current!);
    fitRef.current?.fit();
    term.focus();
    return () => {
      ro.disconnect();
      webgl?.dispose();
    };
  }, [visible]);

  const [missing, setMissing] = useState(false);
  const find = (dir: 'next' | 'previous'): void => {
    const search = searchRef.current;
    if (!search || !query) return;
    setMissing(!(dir === 'next' ? search.findNext(query) : search.findPrevious(query)));
  };
  const closeSearch = (): void => {
    setSearching(false);
    setMissing(false);
    searchRef.current?.clearDecorations();
    termRef.current?.focus();
  };
  const ended = status.kind === 'ended' || status.kind === 'failed';
  const reconnect = useCallback((): void => {
    setStatus({ kind: 'opening' });
    setGeneration((g) => g + 1);
  }, []);
  useEffect(() => {
    reconnectRef.current = ended ? reconnect : null;
  }, [ended, reconnect]);
  const paneState =
    status.kind === 'ended'
      ? status.lost
        ? 'lost'
        : 'exited'
      : status.kind === 'failed'
        ? 'failed'
        : status.kind;
  useEffect(() => {
    if (paneId) setPaneStatus(paneId, paneState);
  }, [paneId, paneState, setPaneStatus]);
  useEffect(
    () => () => {
      if (paneId) setPaneStatus(paneId, null);
    },
    [paneId, setPaneStatus],
  );
  return (
    <div className="term-pane" data-testid={testId} data-status={status.kind}>
      {searching && (
        <form
          className="term-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            find('next');
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') closeSearch();
          }}
        >
          <input
            autoFocus
            value={query}
            placeholder="Search scrollback"
            aria-label="Search the terminal's scrollback"
            onChange={(e) => {
              setQuery(e.target.value);
              setMissing(false);
            }}
          />
          {missing && <span className="dim small">no matches</span>}
          <button type="button" className="btn" aria-label="Previous match" onClick={() => find('previous')}>
            ↑
          </button>
          <button type="submit" className="btn" aria-label="Next match">
            ↓
          </button>
          <button type="button" className="btn" aria-label="Close search" onClick={closeSearch}>
            ×
          </button>
        </form>
      )}
      {ended && (
        <div
          className={`term-banner ${status.kind === 'ended' && !status.lost ? 'info' : 'error'}`}
          data-testid="term-ended"
        >
          <span>
            {status.message}
            {status.kind === 'failed' && status.next && <span className="next"> {status.next}</span>}
            <span className="dim">
              {' '}
              Press Enter to {status.kind === 'ended' && !status.lost ? 'open a new shell' : 'reconnect'}.
            </span>
          </span>
          {status.kind === 'failed' && status.fixOnHostPage && (
            <button
              className="btn primary"
              data-testid="term-open-host"
              onClick={() => openHost(hostId, hostName ?? `host #${hostId}`)}
            >
              Open host page
            </button>
          )}
          <button
            className="btn"
            data-testid="term-reconnect"
            onClick={reconnect}
            title="or press Enter in the terminal"
          >
            {status.kind === 'ended' && !status.lost ? 'New shell' : 'Reconnect'}
          </button>
          {onClose && (
            <button className="btn" onClick={onClose}>
              Close
            </button>
          )}
        </div>
      )}
      {status.kind === 'opening' && <div className="term-opening">Opening a shell…</div>}
      <div className="term-box" ref={box} />
    </div>
  );
}
