// Hosts to pick for something done to several at once (a command, a bootstrap): each with its live
// state and login, checked or not.
import type { Host } from '../../../shared/api/domain';
import { STATE_LABEL, useHostStates } from '../state/host-states';

export function HostChecklist(props: {
  hosts: Host[];
  picked: number[];
  onChange: (picked: number[]) => void;
  /** data-testid of each checkbox: `${testIdPrefix}-${host name}`. */
  testIdPrefix: string;
  testId?: string;
}): React.JSX.Element {
  const states = useHostStates((s) => s.byId);
  const { picked, onChange } = props;
  return (
    <div className="run-hosts" data-testid={props.testId}>
      {props.hosts.map((h) => {
        const st = states[h.id]?.state ?? 'idle';
        return (
          <label key={h.id} className="run-host">
            <input
              type="checkbox"
              data-testid={`${props.testIdPrefix}-${h.name}`}
              checked={picked.includes(h.id)}
              onChange={(e) =>
                onChange(e.target.checked ? [...picked, h.id] : picked.filter((x) => x !== h.id))
              }
            />
            <span className={`dot ${st}`} aria-hidden />
            <span className="run-host-name">{h.name}</span>
            <span className="dim mono small run-host-addr">
              {h.user}@{h.address}
            </span>
            <span className={`nav-sub state-${st}`}>{STATE_LABEL[st]}</span>
          </label>
        );
      })}
    </div>
  );
}
