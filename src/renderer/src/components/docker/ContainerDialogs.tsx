// Stop and remove ask first, saying what happens to the container's volumes and data.
import { useState } from 'react';
import type { ContainerSummary } from '../../../../shared/api/docker-domain';
import { CancelButton, Modal } from '../Modal';

function volumesOf(c: ContainerSummary): { named: string[]; anonymous: string[]; binds: string[] } {
  const named: string[] = [];
  const anonymous: string[] = [];
  const binds: string[] = [];
  for (const m of c.mounts) {
    if (m.type === 'volume' && m.name) {
      (/^[a-f0-9]{64}$/.test(m.name) ? anonymous : named).push(`${m.name.slice(0, 24)} → ${m.destination}`);
    } else binds.push(`${m.source} → ${m.destination}`);
  }
  return { named, anonymous, binds };
}

function MountList({ title, items }: { title: string; items: string[] }): React.JSX.Element | null {
  if (!items.length) return null;
  return (
    <div className="dk-mounts">
      <b>{title}</b>
      <ul>
        {items.map((i) => (
          <li key={i} className="mono">
            {i}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function StopDialog(props: {
  c: ContainerSummary;
  hostName: string;
  onConfirm: (timeoutS: number) => void;
  onClose: () => void;
}): React.JSX.Element {
  const { c } = props;
  const v = volumesOf(c);
  const [timeoutS, setTimeoutS] = useState(10);
  return (
    <Modal title={`Stop ${c.name}?`} onClose={props.onClose} testId="docker-stop-dialog">
      <form
        className="dk-confirm"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm(timeoutS);
        }}
      >
        <p>
          {c.name} on {props.hostName} gets SIGTERM, then SIGKILL after{' '}
          <input
            type="number"
            min={0}
            max={600}
            value={timeoutS}
            aria-label="Seconds before SIGKILL"
            onChange={(e) => setTimeoutS(Number(e.target.value))}
          />{' '}
          s. The container and its files stay; start it again any time.
        </p>
        {c.mounts.length ? (
          <p className="dim">Its volumes and mounts are kept as they are:</p>
        ) : (
          <p className="dim">It has no volumes or mounts.</p>
        )}
        <MountList title="Named volumes" items={v.named} />
        <MountList title="Anonymous volumes" items={v.anonymous} />
        <MountList title="Bind mounts" items={v.binds} />
        {c.project && (
          <p className="dim small">
            Part of Compose project {c.project}: a restart policy or `compose up` may start it again.
          </p>
        )}
        <div className="actions">
          <CancelButton />
          <button className="btn danger" type="submit" data-testid="docker-stop-confirm">
            Stop
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function RemoveDialog(props: {
  c: ContainerSummary;
  hostName: string;
  onConfirm: (o: { force: boolean; removeVolumes: boolean }) => void;
  onClose: () => void;
}): React.JSX.Element {
  const { c } = props;
  const v = volumesOf(c);
  const running = c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
  const [removeVolumes, setRemoveVolumes] = useState(false);
  return (
    <Modal title={`Remove ${c.name}?`} onClose={props.onClose} testId="docker-remove-dialog">
      <form
        className="dk-confirm"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm({ force: running, removeVolumes });
        }}
      >
        <p>
          The container {c.name} on {props.hostName} is deleted with its writable layer (files changed inside
          it since it was created). This cannot be undone.
          {running && <b> It is {c.state}: it is killed first.</b>}
        </p>
        {v.named.length > 0 && <MountList title="Named volumes — always kept" items={v.named} />}
        {v.binds.length > 0 && <MountList title="Bind mounts — the host's files are kept" items={v.binds} />}
        {v.anonymous.length > 0 ? (
          <>
            <MountList title="Anonymous volumes" items={v.anonymous} />
            <label className="check">
              <input
                type="checkbox"
                data-testid="docker-remove-volumes"
                checked={removeVolumes}
                onChange={(e) => setRemoveVolumes(e.target.checked)}
              />{' '}
              Also delete its {v.anonymous.length} anonymous volume{v.anonymous.length === 1 ? '' : 's'} (kept
              otherwise, for a prune to find)
            </label>
          </>
        ) : (
          c.mounts.length === 0 && <p className="dim">It has no volumes or mounts.</p>
        )}
        <div className="actions">
          <CancelButton />
          <button className="btn danger" type="submit" data-testid="docker-remove-confirm">
            Remove{removeVolumes ? ' with its anonymous volumes' : ''}
          </button>
        </div>
      </form>
    </Modal>
  );
}
