// A host's Docker: containers grouped by Compose project with live CPU and memory, their actions,
// logs, inspect and a shell; images, volumes and networks; pull and prune.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type {
  ContainerStatsSample,
  ContainerSummary,
  DockerStatsEvent,
  DockerStatus,
} from '../../../shared/api/docker-domain';
import { api } from '../api';
import { RemoveDialog, StopDialog } from '../components/docker/ContainerDialogs';
import { DockerInspect } from '../components/docker/DockerInspect';
import { DockerLogs } from '../components/docker/DockerLogs';
import { PruneDialog } from '../components/docker/DockerPrune';
import { PullDialog } from '../components/docker/DockerPull';
import { ImagesView, NetworksView, VolumesView } from '../components/docker/DockerResources';
import '../components/docker/docker.css';
import { useNow } from '../hooks/useNow';
import { gpuText, groupByProject, portsText, statsById, uptimeText } from '../lib/docker-view';
import { errorText, nextStep } from '../lib/errors';
import { formatBytes, formatPercent } from '../lib/format';
import { useUi } from '../state/ui-store';

type View = 'containers' | 'images' | 'volumes' | 'networks';
type Action = 'start' | 'stop' | 'restart' | 'pause' | 'unpause';

/** Live stats of the host's running containers while this view is open. */
function useStats(hostId: number): { byId: Record<string, ContainerStatsSample>; error: string | null } {
  const [byId, setById] = useState<Record<string, ContainerStatsSample>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      api.streams.docker.stats({ hostId }, (events: DockerStatsEvent[]) => {
        const last = events[events.length - 1];
        if (last?.t === 'stats') {
          setById(statsById(last.items));
          setError(null);
        } else if (last?.t === 'error') setError(last.message);
      }),
    [hostId],
  );
  return { byId, error };
}

export function StatePill({ c }: { c: ContainerSummary }): React.JSX.Element {
  return (
    <span className="dk-state" data-testid="docker-state">
      <span className={`pill dk-st ${c.state}`}>{c.state}</span>
      {c.health && <span className={`pill dk-health ${c.health}`}>{c.health}</span>}
    </span>
  );
}

function ContainerRow(props: {
  c: ContainerSummary;
  stats: ContainerStatsSample | undefined;
  now: number;
  selected: boolean;
  busy: boolean;
  onSelect: () => void;
  onAction: (a: Action) => void;
  onRemove: () => void;
  onShell: () => void;
}): React.JSX.Element {
  const { c, stats } = props;
  const running = c.state === 'running';
  const gpu = gpuText(c.gpus);
  return (
    <tr
      className={`dk-row ${props.selected ? 'active' : ''}`}
      data-testid="docker-container-row"
      data-name={c.name}
      data-state={c.state}
      onClick={props.onSelect}
    >
      <td title={c.id}>
        <span className="dk-name">{c.service ?? c.name}</span>
        {c.service && <span className="dim small"> {c.name}</span>}
        {gpu && <span className="pill dk-gpu">{gpu}</span>}
      </td>
      <td className="mono" title={c.image}>
        {c.image}
      </td>
      <td>
        <StatePill c={c} />
      </td>
      <td className="mono" title={portsText(c.ports)}>
        {portsText(c.ports) || <span className="dim">—</span>}
      </td>
      <td title={c.status}>{uptimeText(c, props.now)}</td>
      <td className="num" data-testid="docker-cpu">
        {running ? formatPercent(stats?.cpuPct) : ''}
      </td>
      <td className="num" title={stats ? `limit ${formatBytes(stats.memLimitBytes)}` : ''}>
        {running && stats ? formatBytes(stats.memBytes) : ''}
      </td>
      <td className="dk-actions" onClick={(e) => e.stopPropagation()}>
        {c.state === 'paused' ? (
          <button className="btn small" disabled={props.busy} onClick={() => props.onAction('unpause')}>
            Unpause
          </button>
        ) : running ? (
          <>
            <button
              className="btn small"
              data-testid="docker-shell"
              onClick={props.onShell}
              title="A shell inside this container"
            >
              Shell
            </button>
            <button className="btn small" disabled={props.busy} onClick={() => props.onAction('restart')}>
              Restart
            </button>
            <button className="btn small" disabled={props.busy} onClick={() => props.onAction('pause')}>
              Pause
            </button>
            <button
              className="btn small"
              data-testid="docker-stop"
              disabled={props.busy}
              onClick={() => props.onAction('stop')}
            >
              Stop
            </button>
          </>
        ) : (
          <button
            className="btn small"
            data-testid="docker-start"
            disabled={props.busy}
            onClick={() => props.onAction('start')}
          >
            Start
          </button>
        )}
        <button
          className="btn small danger"
          data-testid="docker-remove"
          disabled={props.busy}
          onClick={props.onRemove}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

function ContainersView(props: { hostId: number; hostName: string }): React.JSX.Element {
  const { hostId, hostName } = props;
  const qc = useQueryClient();
  const now = useNow(1000);
  const q = useQuery({
    queryKey: ['docker', 'containers', hostId],
    queryFn: () => api.docker.containers({ hostId }),
    refetchInterval: 5000,
  });
  const stats = useStats(hostId);
  const openShell = useUi((s) => s.openContainerShell);
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<'logs' | 'inspect'>('logs');
  const [asking, setAsking] = useState<{ kind: 'stop' | 'remove'; c: ContainerSummary } | null>(null);
  const act = useMutation({
    mutationFn: (o: { id: string; action: Action; timeoutS?: number }) => api.docker.action({ hostId, ...o }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['docker'] }),
  });
  const remove = useMutation({
    mutationFn: (o: { id: string; force: boolean; removeVolumes: boolean }) =>
      api.docker.remove({ hostId, ...o }),
    onSuccess: (_r, o) => o.id === selected && setSelected(null),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['docker'] }),
  });
  const list = q.data ?? [];
  const sel = list.find((c) => c.id === selected) ?? null;
  const failure = act.error ?? remove.error;
  return (
    <div className="dk-containers">
      {q.error && (
        <div className="banner error">
          {errorText(q.error)}
          {nextStep(q.error) && <div className="next">{nextStep(q.error)}</div>}
        </div>
      )}
      {failure && (
        <div className="banner error" data-testid="docker-action-error">
          {errorText(failure)}
        </div>
      )}
      {stats.error && <div className="banner error">Live stats: {stats.error}</div>}
      <div className="table-wrap">
        <table className="grid compact dk-table" data-testid="docker-containers">
          <thead>
            <tr>
              <th style={{ width: '16%' }}>Name</th>
              <th style={{ width: '15%' }}>Image</th>
              <th style={{ width: '10%' }}>State</th>
              <th style={{ width: '10%' }}>Ports</th>
              <th style={{ width: '7%' }}>Uptime</th>
              <th className="num" style={{ width: '6%' }}>
                CPU
              </th>
              <th className="num" style={{ width: '8%' }}>
                Memory
              </th>
              <th />
            </tr>
          </thead>
          {groupByProject(list).map((g) => (
            <tbody key={g.project ?? '-'} data-testid="docker-project">
              <tr className="dk-group">
                <td colSpan={8}>
                  {g.project ? (
                    <>
                      <b>{g.project}</b>{' '}
                      <span className="dim">
                        compose · {g.running}/{g.containers.length} running
                      </span>
                    </>
                  ) : (
                    <span className="dim">
                      Not in a Compose project · {g.running}/{g.containers.length} running
                    </span>
                  )}
                </td>
              </tr>
              {g.containers.map((c) => (
                <ContainerRow
                  key={c.id}
                  c={c}
                  stats={stats.byId[c.id]}
                  now={now}
                  selected={c.id === selected}
                  busy={
                    (act.isPending && act.variables?.id === c.id) ||
                    (remove.isPending && remove.variables?.id === c.id)
                  }
                  onSelect={() => setSelected(c.id === selected ? null : c.id)}
                  onAction={(a) =>
                    a === 'stop' ? setAsking({ kind: 'stop', c }) : act.mutate({ id: c.id, action: a })
                  }
                  onRemove={() => setAsking({ kind: 'remove', c })}
                  onShell={() => openShell(hostId, hostName, { id: c.id, name: c.name })}
                />
              ))}
            </tbody>
          ))}
        </table>
        {q.data && list.length === 0 && <div className="empty">No containers on {hostName}.</div>}
        {q.isPending && <div className="empty">Asking Docker on {hostName}…</div>}
      </div>
      {sel && (
        <section className="panel dk-detail" data-testid="docker-detail">
          <div className="row dk-detail-head">
            <h2>{sel.name}</h2>
            <div className="segmented">
              <button
                className={detail === 'logs' ? 'on' : ''}
                data-testid="docker-tab-logs"
                onClick={() => setDetail('logs')}
              >
                Logs
              </button>
              <button
                className={detail === 'inspect' ? 'on' : ''}
                data-testid="docker-tab-inspect"
                onClick={() => setDetail('inspect')}
              >
                Inspect
              </button>
            </div>
            <span className="spacer" />
            <button className="btn small" onClick={() => setSelected(null)}>
              Close
            </button>
          </div>
          {detail === 'logs' ? (
            <DockerLogs hostId={hostId} containerId={sel.id} containerName={sel.name} />
          ) : (
            <DockerInspect hostId={hostId} containerId={sel.id} />
          )}
        </section>
      )}
      {asking?.kind === 'stop' && (
        <StopDialog
          c={asking.c}
          hostName={hostName}
          onClose={() => setAsking(null)}
          onConfirm={(timeoutS) => {
            act.mutate({ id: asking.c.id, action: 'stop', timeoutS });
            setAsking(null);
          }}
        />
      )}
      {asking?.kind === 'remove' && (
        <RemoveDialog
          c={asking.c}
          hostName={hostName}
          onClose={() => setAsking(null)}
          onConfirm={(o) => {
            remove.mutate({ id: asking.c.id, ...o });
            setAsking(null);
          }}
        />
      )}
    </div>
  );
}

export function DockerPanel(props: {
  hostId: number;
  hostName: string;
  status: DockerStatus;
}): React.JSX.Element {
  const { hostId, hostName, status } = props;
  const qc = useQueryClient();
  const [view, setView] = useState<View>('containers');
  const [dialog, setDialog] = useState<'pull' | 'prune' | null>(null);
  const c = status.containers;
  return (
    <div className="dk-panel" data-testid="docker-panel">
      <div className="row dk-head">
        <span className="dk-facts">
          Docker {status.version} · API {status.apiVersion} · {status.os} · {status.storageDriver} ·{' '}
          <span title={status.endpoint}>
            via{' '}
            {status.via === 'socket'
              ? `socket ${status.endpoint}`
              : `docker system dial-stdio (${status.endpoint})`}
          </span>{' '}
          · {c.running} running, {c.paused} paused, {c.stopped} stopped · {status.images} images
          {status.gpuRuntime && ' · nvidia runtime'}
        </span>
        <span className="spacer" />
        <button className="btn small" data-testid="docker-pull" onClick={() => setDialog('pull')}>
          Pull…
        </button>
        <button className="btn small" data-testid="docker-prune" onClick={() => setDialog('prune')}>
          Prune…
        </button>
        <button className="btn small" onClick={() => void qc.invalidateQueries({ queryKey: ['docker'] })}>
          Refresh
        </button>
      </div>
      <div className="segmented dk-views">
        {(['containers', 'images', 'volumes', 'networks'] as const).map((v) => (
          <button
            key={v}
            className={view === v ? 'on' : ''}
            data-testid={`docker-view-${v}`}
            onClick={() => setView(v)}
          >
            {v[0]!.toUpperCase() + v.slice(1)}
          </button>
        ))}
      </div>
      {view === 'containers' && <ContainersView hostId={hostId} hostName={hostName} />}
      {view === 'images' && <ImagesView hostId={hostId} />}
      {view === 'volumes' && <VolumesView hostId={hostId} />}
      {view === 'networks' && <NetworksView hostId={hostId} />}
      {dialog === 'pull' && (
        <PullDialog hostId={hostId} hostName={hostName} onClose={() => setDialog(null)} />
      )}
      {dialog === 'prune' && (
        <PruneDialog hostId={hostId} hostName={hostName} onClose={() => setDialog(null)} />
      )}
    </div>
  );
}

/** Whether the host answers the Docker API (its tab shows), or why not. */
export function useDockerStatus(hostId: number, online: boolean) {
  return useQuery({
    queryKey: ['docker', 'status', hostId],
    queryFn: () => api.docker.status({ hostId }),
    enabled: online,
    retry: false,
    staleTime: 30_000,
  });
}

export type HostView = 'overview' | 'metrics' | 'docker';

/** Host page views: the overview, metrics, and Docker when the host has it (or has it but cannot reach it). */
export function HostViewTabs(props: {
  view: HostView;
  onView: (v: HostView) => void;
  status: ReturnType<typeof useDockerStatus>;
}): React.JSX.Element {
  const err = props.status.error as { code?: string } | null;
  const reachable = !!props.status.data;
  const blocked = err?.code === 'PERMISSION_DENIED' || err?.code === 'DOCKER_NOT_RUNNING';
  return (
    <div className="dk-host-tabs segmented" role="tablist">
      <button
        className={props.view === 'overview' ? 'on' : ''}
        data-testid="host-view-overview"
        onClick={() => props.onView('overview')}
      >
        Overview
      </button>
      <button
        className={props.view === 'metrics' ? 'on' : ''}
        data-testid="host-view-metrics"
        onClick={() => props.onView('metrics')}
        title="CPU, memory, disks, network and GPUs, live and history"
      >
        Metrics
      </button>
      {(reachable || blocked) && (
        <button
          className={props.view === 'docker' ? 'on' : ''}
          data-testid="host-view-docker"
          onClick={() => props.onView('docker')}
          title={reachable ? 'Containers, images, volumes and networks' : errorText(props.status.error)}
        >
          Docker{reachable ? ` · ${props.status.data!.containers.running} running` : ' ⚠'}
        </button>
      )}
    </div>
  );
}

/** The Docker view of the host page: the panel, or what stops Docker from answering. */
export function HostDocker(props: {
  hostId: number;
  hostName: string;
  status: ReturnType<typeof useDockerStatus>;
}): React.JSX.Element {
  if (props.status.data)
    return <DockerPanel hostId={props.hostId} hostName={props.hostName} status={props.status.data} />;
  return (
    <div className="banner error" data-testid="docker-error">
      {props.status.error ? errorText(props.status.error) : 'Asking Docker…'}
      {nextStep(props.status.error) && <div className="next">{nextStep(props.status.error)}</div>}
    </div>
  );
}
