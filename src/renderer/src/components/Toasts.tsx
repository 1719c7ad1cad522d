// Jobs that ended while the person looked elsewhere, bottom right: a click opens the job; each goes
// away by itself after a while, unless the pointer rests on it (someone is reading it).
import { useEffect, useState } from 'react';
import { dismissToast, openJob, useJobs, type Toast } from '../state/jobs';

const SHOW_MS = 8000;

function ToastItem({ t }: { t: Toast }): React.JSX.Element {
  const [hover, setHover] = useState(false);
  useEffect(() => {
    if (hover) return;
    const timer = setTimeout(() => dismissToast(t.id), SHOW_MS);
    return () => clearTimeout(timer);
  }, [hover, t.id]);
  return (
    <div
      className={`toast ${t.state}`}
      role="status"
      data-testid="toast"
      data-state={t.state}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
    >
      <button
        className="toast-body"
        title="Open this job"
        onClick={() => {
          openJob(t.jobId);
          dismissToast(t.id);
        }}
      >
        {t.text}
      </button>
      <button className="tab-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
        ×
      </button>
    </div>
  );
}

export function Toasts(): React.JSX.Element | null {
  const toasts = useJobs((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} t={t} />
      ))}
    </div>
  );
}
