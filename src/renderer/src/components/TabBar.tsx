import { useUi } from '../state/ui-store';

export function TabBar(): React.JSX.Element {
  const { tabs, activeId, activate, close } = useUi();
  return (
    <div className="tabbar" role="tablist">
      {tabs.map((t) => (
        <div
          key={t.id}
          role="tab"
          aria-selected={t.id === activeId}
          className={`tab ${t.id === activeId ? 'active' : ''}`}
          onMouseDown={(e) => {
            if (e.button === 1) close(t.id); // middle click closes, as in a browser
          }}
          onClick={() => activate(t.id)}
          data-testid={`tab-${t.id}`}
        >
          <span>{t.title}</span>
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
