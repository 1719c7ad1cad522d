import { useEffect } from 'react';

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: React.ReactNode;
  wide?: boolean;
  testId?: string;
}): React.JSX.Element {
  const { onClose } = props;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`modal ${props.wide ? 'wide' : ''}`}
        role="dialog"
        aria-label={props.title}
        data-testid={props.testId}
      >
        <header className="modal-head">
          <h2>{props.title}</h2>
          <button className="tab-close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
