// Tabs: click to show, double-click to rename, drag to reorder, × or middle-click to close.
import { useState } from 'react';
import { useUi } from '../state/ui-store';

export function TabBar(): React.JSX.Element {
  const { tabs, activeId, activate, close, rename, move } = useUi();
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
