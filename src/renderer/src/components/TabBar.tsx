// Tabs: click to show, double-click to rename, drag to reorder, × or middle-click to close.
import { useEffect, useState } from 'react';
import { confirmEndShells, useUi, type PaneStatus, type Tab } from '../state/ui-store';

/** The worst state among a terminal tab's panes: a lost link or a failure shows first. */
function terminalAlert(t: Tab, status: Record<string, PaneStatus>): { cls: string; label: string } | null {
  const states = (t.panes ?? []).map((p) => status[p]);
  if (states.includes('lost')) return { cls: 'lost', label: 'connection lost' };
  if (states.includes('failed')) return { cls: 'lost', label: 'could not open a shell' };
  if (states.includes('exited')) return { cls: 'exited', label: 'shell exited' };
  return null;
}

export function TabBar(): React.JSX.Element {
  const { tabs, activeId, activate, close: closeNow, rename, move, paneStatus } = useUi();
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const close = (t: Tab): void => {
    if (t.kind !== 'terminal' || confirmEndShells(t.panes ?? [], paneStatus, `Closing "${t.title}"`))
      closeNow(t.id);
  };
  const step = (from: string | null, by: number): string | undefined => {
    const i = tabs.findIndex((t) => t.id === from);
    return tabs[(i + by + tabs.length) % tabs.length]?.id;
  };
  // Ctrl+Shift+PageUp/PageDown switch tabs from anywhere, terminals included.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!e.ctrlKey || !e.shiftKey || (e.key !== 'PageUp' && e.key !== 'PageDown')) return;
      e.preventDefault();
      const next = step(activeId, e.key === 'PageUp' ? -1 : 1);
      if (next) activate(next);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });
  return (
    <div className="tabbar" role="tablist" aria-label="Open tabs">
      {tabs.map((t) => (
        <div
          key={t.id}
          role="tab"
          aria-selected={t.id === activeId}
          tabIndex={t.id === activeId ? 0 : -1}
          onKeyDown={(e) => {
            if (editing === t.id) return;
            // Arrows move between tabs (Alt+Shift moves the tab itself), F2 renames, Delete closes.
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
              e.preventDefault();
              const other = step(t.id, e.key === 'ArrowLeft' ? -1 : 1);
              if (!other) return;
              if (e.altKey && e.shiftKey) {
                if (e.key === 'ArrowLeft') move(t.id, other);
                else move(other, t.id);
              } else {
                activate(other);
                document.querySelector<HTMLElement>(`[data-tab-id="${CSS.escape(other)}"]`)?.focus();
              }
            } else if (e.key === 'F2') {
              e.preventDefault();
              setEditing(t.id);
            } else if (e.key === 'Delete') {
              e.preventDefault();
              close(t);
            }
          }}
          data-tab-id={t.id}
          className={`tab ${t.id === activeId ? 'active' : ''} ${t.kind === 'terminal' ? 'term' : ''}`}
          draggable={editing !== t.id}
          onDragStart={(e) => {
            setDragging(t.id);
            e.dataTransfer.effectAllowed = 'move';
          }}
          onDragOver={(e) => {
            if (dragging && dragging !== t.id) e.preventDefault();
          }}
          onDrop={(e) => {
            e.preventDefault();
            if (dragging) move(dragging, t.id);
            setDragging(null);
          }}
          onDragEnd={() => setDragging(null)}
          onMouseDown={(e) => {
            if (e.button === 1) close(t); // middle click closes, as in a browser
          }}
          onClick={() => activate(t.id)}
          onDoubleClick={() => setEditing(t.id)}
          data-testid={`tab-${t.kind === 'terminal' ? 'terminal' : t.id}`}
        >
          {t.kind === 'terminal' && <span className="tab-icon">›_</span>}
          {t.kind === 'terminal' &&
            ((a) =>
              a && (
                <span
                  className={`tab-alert ${a.cls}`}
                  title={a.label}
                  data-testid="tab-alert"
                  data-alert={a.cls}
                >
                  ●
                </span>
              ))(terminalAlert(t, paneStatus))}
          {editing === t.id ? (
            <input
              className="tab-rename"
              autoFocus
              defaultValue={t.title}
              onClick={(e) => e.stopPropagation()}
              onBlur={(e) => {
                rename(t.id, e.target.value);
                setEditing(null);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
                if (e.key === 'Escape') setEditing(null);
              }}
            />
          ) : (
            <span title="Double-click to rename; drag to reorder">{t.title}</span>
          )}
          <button
            className="tab-close"
            aria-label={`Close ${t.title}`}
            onClick={(e) => {
              e.stopPropagation();
              close(t);
            }}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
