// Tabs: click to show, double-click to rename, drag to reorder, × or middle-click to close.
import { useState } from 'react';
import { useUi, type PaneStatus, type Tab } from '../state/ui-store';

/** The worst state among a terminal tab's panes: a lost link or a failure shows first. */
function terminalAlert(t: Tab, status: Record<string, PaneStatus>): { cls: string; label: string } | null {
  const states = (t.panes ?? []).map((p) => status[p]);
  if (states.includes('lost')) return { cls: 'lost', label: 'connection lost' };
  if (states.includes('failed')) return { cls: 'lost', label: 'could not open a shell' };
  if (states.includes('exited')) return { cls: 'exited', label: 'shell exited' };
  return null;
}

export function TabBar(): React.JSX.Element {
  const { tabs, activeId, activate, close, rename, move, paneStatus } = useUi();
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  return (
    <div className="tabbar" role="tablist">
      {tabs.map((t) => (
        <div
          key={t.id}
          role="tab"
          aria-selected={t.id === activeId}
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
            if (e.button === 1) close(t.id); // middle click closes, as in a browser
          }}
          onClick={() => activate(t.id)}
          onDoubleClick={() => setEditing(t.id)}
          data-testid={`tab-${t.kind === 'terminal' ? 'terminal' : t.id}`}
        >
          {t.kind === 'terminal' && <span className="tab-icon">›_</span>}
          {t.kind === 'terminal' &&
            ((a) =>
              a && (
                <span className={`tab-alert ${a.cls}`} title={a.label} data-testid="tab-alert" data-alert={a.cls}>
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
              close(t.id);
            }}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
