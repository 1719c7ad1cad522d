import { useEffect, useState } from 'react';

/** A copy button that says so for a moment; the clipboard may refuse (no focus, no permission). */
export function CopyButton({
  text,
  testId,
  what,
}: {
  text: string;
  testId?: string;
  what: string;
}): React.JSX.Element {
  const [said, setSaid] = useState<'' | 'Copied' | 'Copy failed'>('');
  useEffect(() => {
    if (!said) return;
    const t = setTimeout(() => setSaid(''), 1500);
    return () => clearTimeout(t);
  }, [said]);
  return (
    <button
      className="btn small copy-btn"
      data-testid={testId}
      title={`Copy ${what}`}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setSaid('Copied'),
          () => setSaid('Copy failed'),
        )
      }
    >
      {said || 'Copy'}
    </button>
  );
}
