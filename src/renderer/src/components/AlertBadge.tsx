// A host's active metric alerts as a small badge: their count, titled with their messages.
import { alertBadgeText } from '../lib/fleet-view';
import { useHostAlerts } from '../state/metric-alerts';
import '../styles/metrics.css';

export function AlertBadge({ hostId, testId }: { hostId: number; testId: string }): React.JSX.Element | null {
  const badge = alertBadgeText(useHostAlerts(hostId));
  if (!badge) return null;
  return (
    <span className="alert-badge" data-testid={testId} title={badge.title} role="status">
      {badge.text}
    </span>
  );
}
