// A dialog over the app: keeps keyboard focus inside while open and gives it back when closed.
// Escape or a click outside closes it, after asking when the form inside has unsaved changes.
import { createContext, useContext, useEffect, useRef } from 'react';

/** Closing the dialog the way Escape does: asks first when there are unsaved changes. */
const Dismiss = createContext<() => void>(() => {});

/** A Cancel button for a form inside a Modal: the same question as Escape, × or a click outside. */
export function CancelButton(): React.JSX.Element {
  const dismiss = useContext(Dismiss);
  return (
    <button type="button" className="btn" data-testid="modal-cancel" onClick={dismiss}>
      Cancel
    </button>
  );
}

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: React.ReactNode;
  wide?: boolean;
  testId?: string;
  /** When set and true, closing without saving asks first. */
  dirty?: boolean;
}): React.JSX.Element {
  const { onClose, dirty } = props;
  const box = useRef<HTMLDivElement>(null);
  const dismiss = useRef<() => void>(onClose);
  useEffect(() => {
    dismiss.current = () => {
      if (!dirty || window.confirm('Discard the changes in this dialog?')) onClose();
    };
  }, [dirty, onClose]);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    // Focus the first field unless a child already took focus (autoFocus).
    if (!box.current?.contains(document.activeElement)) {
      box.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    }
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.preventDefault();
        dismiss.current();
        return;
      }
      if (e.key !== 'Tab' || !box.current) return;
      const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
        (el) => !el.hasAttribute('disabled'),
      );
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, []);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && dismiss.current()}>
      <div
        ref={box}
        className={`modal ${props.wide ? 'wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
      >
        <header className="modal-head">
          <h2>{props.title}</h2>
          <button className="tab-close" aria-label="Close" onClick={() => dismiss.current()}>
            ×
          </button>
        </header>
        <Dismiss.Provider value={() => dismiss.current()}>{props.children}</Dismiss.Provider>
      </div>
    </div>
  );
}
