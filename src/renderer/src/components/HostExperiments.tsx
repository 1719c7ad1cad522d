// A host page's experiments: each with its state (a click opens it), and a new one on this host.
import { useState } from 'react';
import { errorText } from '../lib/errors';
import { isGone } from '../lib/experiments-view';
import { StatusPill, useExperiments } from '../pages/ExperimentsPage';
import { useUi } from '../state/ui-store';
import { ExperimentDialog } from './ExperimentDialog';
import { GiteaSettings } from './GiteaSettings';

export function HostExperiments({
  hostId,
  hostName,
}: {
  hostId: number;
  hostName: string;
}): React.JSX.Element {
  const list = useExperiments(hostId);
  const openExperiment = useUi((s) => s.openExperiment);
  const [creating, setCreating] = useState(false);
  const live = (list.data ?? []).filter((e) => e.hostId === hostId && !isGone(e.status));
  return (
    <section className="panel" data-testid="host-experiments">
      <div className="exp-host-head">
        <h2>Experiments</h2>
        <button className="btn small" data-testid="host-experiment-new" onClick={() => setCreating(true)}>
          New experiment…
        </button>
      </div>
      <GiteaSettings hostId={hostId} hostName={hostName} />
      {list.error && <div className="dim small">Could not list them: {errorText(list.error)}</div>}
      {list.data && live.length === 0 && (
        <p className="dim small">
          None on this host. An experiment is a Linux user with its own PostgreSQL database, Git repository
          and environment.
        </p>
      )}
      {live.length > 0 && (
        <ul className="exp-host-list">
          {live.map((e) => (
            <li key={e.id}>
              <button className="link-btn" data-testid="host-experiment" onClick={() => openExperiment(e.id)}>
                {e.name}
              </button>{' '}
              <StatusPill e={e} />
              {e.description && <span className="dim small"> {e.description}</span>}
            </li>
          ))}
        </ul>
      )}
      {creating && <ExperimentDialog hostId={hostId} onClose={() => setCreating(false)} />}
    </section>
  );
}
