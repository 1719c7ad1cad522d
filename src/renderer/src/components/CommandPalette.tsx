// The command palette (Ctrl/⌘+K): type to jump to a page, host, experiment or job, or to run an
// action on a host or a group. Entries and ranking live in lib/palette.ts; the actions are the
// ones the sidebar and pages already use (the UI store, the API).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api';
import { opensPalette, paletteItems, rankItems, type PaletteItem } from '../lib/palette';
import { openJob, useJobs } from '../state/jobs';
import { useUi, type PageKind } from '../state/ui-store';
import './palette.css';

/** The pages, named as in the sidebar. */
const PAGES: { kind: PageKind; label: string }[] = [
  { kind: 'local', label: 'This computer' },
  { kind: 'activity', label: 'Activity' },
  { kind: 'jobs', label: 'Jobs' },
  { kind: 'fleet', label: 'Fleet' },
  { kind: 'bootstrap', label: 'Bootstrap' },
  { kind: 'docker', label: 'Containers' },
  { kind: 'experiments', label: 'Experiments' },
  { kind: 'settings', label: 'Settings' },
];

function inTerminal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.xterm') !== null;
}

/** Connects in the background; the sidebar and the host page show how it goes. */
function connect(hostId: number): void {
  api.hosts.connect({ id: hostId }).catch((err: unknown) => {
    console.warn(`[palette] connecting host #${hostId} failed:`, err);
  });
}

function run(item: PaletteItem): void {
  const ui = useUi.getState();
  const a = item.action;
  switch (a.kind) {
    case 'page':
      ui.open(a.page);
      return;
    case 'host':
      ui.openHost(a.hostId, a.name);
      return;
    case 'terminal':
      ui.openTerminal(a.hostId, a.name);
      return;
    case 'connect':
      ui.openHost(a.hostId, a.name);
      connect(a.hostId);
      return;
    case 'connect-group':
      for (const id of a.hostIds) connect(id);
      return;
    case 'bootstrap':
      ui.askBootstrap(a.hostIds);
      return;
    case 'job':
      openJob(a.jobId);
      return;
    case 'experiment':
      ui.openExperiment(a.experimentId);
      return;
  }
}

export function CommandPalette(): React.JSX.Element | null {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!opensPalette(e, inTerminal(e.target))) return;
      e.preventDefault();
      e.stopPropagation();
      setOpen((o) => !o);
    };
    // Capture: before a focused field or the terminal sees the key.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  return open ? <PaletteDialog onClose={() => setOpen(false)} /> : null;
}

function PaletteDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const before = useRef<Element | null>(document.activeElement);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const experiments = useQuery({
    queryKey: ['experiments', 'palette'],
    queryFn: () => api.experiments.list({ includeArchived: true }),
  });
  const jobs = useJobs((s) => s.byId);
  const items = useMemo(
    () =>
      paletteItems({
        pages: PAGES,
        hosts: hosts.data ?? [],
        jobs: Object.values(jobs),
        experiments: experiments.data ?? [],
      }),
    [hosts.data, jobs, experiments.data],
  );
  const ranked = useMemo(() => rankItems(items, query), [items, query]);
  const selected = Math.min(index, Math.max(ranked.length - 1, 0));

  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected, ranked]);
  // Focus goes back where it was (a terminal, say) unless the action moved it.
  useEffect(() => {
    const was = before.current;
    return () => {
      if (was instanceof HTMLElement && document.activeElement === document.body) was.focus();
    };
  }, []);

  const choose = (item: PaletteItem | undefined): void => {
    if (!item) return;
    onClose();
    run(item);
  };
  const onKeyDown = (e: React.KeyboardEvent): void => {
    if (e.key === 'ArrowDown' || (e.key === 'n' && e.ctrlKey)) {
      e.preventDefault();
      setIndex(ranked.length ? (selected + 1) % ranked.length : 0);
    } else if (e.key === 'ArrowUp' || (e.key === 'p' && e.ctrlKey)) {
      e.preventDefault();
      setIndex(ranked.length ? (selected - 1 + ranked.length) % ranked.length : 0);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      choose(ranked[selected]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };

  return (
    <div
      className="modal-backdrop palette-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="palette">
        <input
          autoFocus
          className="palette-input"
          data-testid="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={ranked[selected] ? `palette-${ranked[selected].id}` : undefined}
          placeholder="Go to a host, page, experiment or job, or run an action…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={onKeyDown}
          spellCheck={false}
        />
        <ul className="palette-list" id="palette-list" role="listbox" ref={list} data-testid="palette-list">
          {ranked.map((item, i) => (
            <li
              key={item.id}
              id={`palette-${item.id}`}
              role="option"
              aria-selected={i === selected}
              className={`palette-item ${i === selected ? 'selected' : ''}`}
              data-testid={`palette-item-${item.id}`}
              onMouseMove={() => i !== selected && setIndex(i)}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(item)}
            >
              <span className="palette-label">{item.label}</span>
              {item.hint && <span className="palette-hint">{item.hint}</span>}
              <span className="palette-section">{item.section}</span>
            </li>
          ))}
        </ul>
        {ranked.length === 0 && (
          <div className="palette-empty" data-testid="palette-empty">
            Nothing matches “{query}”.
          </div>
        )}
        <div className="palette-footer">↑↓ to pick · Enter to go · Esc to close</div>
      </div>
    </div>
  );
}
