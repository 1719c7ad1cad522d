// One host: its live state, host key trust, the secret prompt when one is needed, "Test
// connection" with what the host is, and edit/remove.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Host, HostState, HostTestReport } from '../../../shared/api/domain';
import type { BootstrapHostSummary } from '../../../shared/api/bootstrap-domain';
import { api, ApiError } from '../api';
import { AlertBadge } from '../components/AlertBadge';
import { HostDialog } from '../components/HostDialog';
import { ForwardsPanel } from '../components/ForwardsPanel';
import { RunCommandDialog } from '../components/RunCommandDialog';
import { errorText, nextStep } from '../lib/errors';
import { formatAgo, formatBytes, formatIn, formatTimestamp } from '../lib/format';
import { useNow } from '../hooks/useNow';
import { STATE_LABEL, useHostStates } from '../state/host-states';
import { useUi } from '../state/ui-store';
import { HostDocker, HostViewTabs, useDockerStatus, type HostView } from './DockerPanel';
import { HostMetrics } from './HostMetrics';
import { HostExperiments } from '../components/HostExperiments';

function uptime(s: number): string {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
}

function Report({ r }: { r: HostTestReport }): React.JSX.Element {
  return (
    <dl className="kv" data-testid="test-report">
      <dt>System</dt>
      <dd>{r.os}</dd>
      <dt>Kernel</dt>
      <dd className="mono">{r.kernel}</dd>
      <dt>CPU / memory</dt>
      <dd>
        {r.cpuCount} CPUs · {formatBytes(r.memTotalBytes)}
      </dd>
      <dt>Container</dt>
      <dd>{r.container ?? 'no (bare metal or VM)'}</dd>
      <dt>GPUs</dt>
      <dd>
        {!r.nvidiaSmi
          ? 'no nvidia-smi'
          : r.gpus.length === 0
            ? 'nvidia-smi present, no GPU listed'
            : r.gpus
                .map((g) => `#${g.index} ${g.name} (${formatBytes(g.memoryTotalMiB * 1024 * 1024, 0)})`)
                .join(', ')}
      </dd>
      <dt>Uptime</dt>
      <dd>{uptime(r.uptimeSeconds)}</dd>
      <dt>Round trip</dt>
      <dd data-testid="test-rtt">{r.rttMs} ms (one command over the open connection)</dd>
    </dl>
  );
}

export function HostPage({ hostId }: { hostId: number }): React.JSX.Element {
  const qc = useQueryClient();
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const host = hosts.data?.find((h) => h.id === hostId);
  const state = useHostStates((s) => s.byId[hostId]);
  const trusted = useQuery({
    queryKey: ['hosts', 'key', hostId],
    queryFn: () => api.hosts.trustedKey({ id: hostId }),
  });
  const [editing, setEditing] = useState(false);
  const [running, setRunning] = useState(false);
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(false);
  const [confirmChange, setConfirmChange] = useState(false);
  const [asUser, setAsUser] = useState('');
  const openTerminal = useUi((s) => s.openTerminal);
  const openActivity = useUi((s) => s.openActivity);
  const askBootstrap = useUi((s) => s.askBootstrap);
  const openBootstrap = useUi((s) => s.openBootstrap);
  const bootstrapped = useQuery({
    queryKey: ['bootstrap', 'host', hostId],
    queryFn: () => api.bootstrap.hostSummary({ hostId }),
    refetchInterval: 10_000,
  });
  const now = useNow();
  const [view, setView] = useState<HostView>('overview');
  const dockerStatus = useDockerStatus(hostId, state?.state === 'online');
  const touched = (): void => {
    void qc.invalidateQueries({ queryKey: ['audit'] });
    void qc.invalidateQueries({ queryKey: ['hosts', 'key', hostId] });
  };

  const connect = useMutation({
    mutationFn: (withSecret?: string) =>
      api.hosts.connect({ id: hostId, ...(withSecret ? { secret: withSecret } : {}) }),
    onSettled: touched,
  });
  const disconnect = useMutation({ mutationFn: () => api.hosts.disconnect({ id: hostId }) });
  // The last report outlives this page (tabs unmount it): kept in the query cache per host.
  const lastTest = useQuery({
    queryKey: ['hosts', 'test', hostId],
    queryFn: () => Promise.resolve<{ report: HostTestReport; at: number } | null>(null),
    enabled: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const test = useMutation({
    mutationFn: () => api.hosts.test({ id: hostId }),
    onSuccess: (report) => qc.setQueryData(['hosts', 'test', hostId], { report, at: Date.now() }),
    onSettled: touched,
  });
  const trust = useMutation({
    mutationFn: async (fingerprint: string) => {
      await api.hosts.trustKey({ id: hostId, fingerprint });
      return api.hosts.connect({ id: hostId });
    },
    onSettled: touched,
  });
  const untrust = useMutation({ mutationFn: () => api.hosts.untrustKey({ id: hostId }), onSettled: touched });
  const remove = useMutation({
    mutationFn: () => api.hosts.remove({ id: hostId }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['hosts'] }),
    onSettled: touched,
  });
  const saveSecret = useMutation({
    mutationFn: async (h: Host) => {
      const { id, name, address, port, user, kind, group, tags, notes, authMethod, keyPath, jumpHostId } = h;
      await api.hosts.update({
        id,
        name,
        address,
        port,
        user,
        kind,
        group,
        tags,
        notes,
        authMethod,
        keyPath,
        jumpHostId,
        secret,
        saveSecret: true,
      });
      return api.hosts.connect({ id });
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['hosts'] }),
    onSettled: touched,
  });

  if (!host) {
    return <div className="empty">{hosts.isPending ? 'Loading…' : 'This host was removed.'}</div>;
  }
  const st: HostState['state'] = state?.state ?? 'idle';
  const busy = connect.isPending || trust.isPending || saveSecret.isPending;
  // The most recent action's failure, unless the state panel already says the same thing.
  const latest = [connect, test, trust, untrust, remove, saveSecret, disconnect]
    .filter((m) => m.submittedAt > 0)
    .sort((x, y) => y.submittedAt - x.submittedAt)[0];
  const lastError =
    latest?.error && !(latest.error instanceof ApiError && latest.error.code === state?.errorCode)
      ? latest.error
      : null;
  // Missing, or refused (a wrong password or passphrase): ask again right here.
  const secretKind = state?.secretPrompt ?? (host.authMethod === 'password' ? 'password' : 'passphrase');
  const needsSecret = st === 'auth_failed' && (state?.secretPrompt != null || host.authMethod === 'password');
  const jump = host.jumpHostId ? hosts.data?.find((h) => h.id === host.jumpHostId) : null;

  return (
    <div className="page" data-testid="host-page">
      <div className="page-head">
        <div>
          <h1>
            <span className={`dot ${st}`} /> {host.name}{' '}
            <AlertBadge hostId={hostId} testId="host-page-alerts" />
          </h1>
          <div className="facts">
            <span className="mono">
              {host.user}@{host.address}:{host.port}
            </span>
            <span>
              {host.kind === 'lxc' ? 'LXC container' : host.kind === 'gpu' ? 'GPU desktop' : 'Other'}
            </span>
            <span>
              auth:{' '}
              {host.authMethod === 'key'
                ? `key ${host.keyPath}`
                : host.authMethod === 'agent'
                  ? 'SSH agent'
                  : 'password'}
              {host.hasStoredSecret ? ' (secret stored encrypted)' : ''}
            </span>
            {jump && <span>via {jump.name}</span>}
            <BootstrapFact s={bootstrapped.data} open={(runId) => openBootstrap(runId ? { runId } : { hostFilter: host.id })} />
            {host.group && <span>group {host.group}</span>}
            {host.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
          </div>
        </div>
        <div className="toolbar">
          {st === 'online' || st === 'connecting' || (state?.retryAt ?? 0) > now ? (
            <button
              className="btn"
              data-testid="disconnect"
              onClick={() => {
                // Labdeck's own channels (the metrics collector) end with no one's work.
                const open = (state?.channels ?? 0) - (state?.backgroundChannels ?? 0);
                if (
                  open > 0 &&
                  !window.confirm(
                    `${host.name} has ${open} open channel${open === 1 ? '' : 's'} (terminals, commands). Disconnecting ends them. Disconnect?`,
                  )
                )
                  return;
                disconnect.mutate();
              }}
            >
              {st === 'online' ? 'Disconnect' : st === 'connecting' ? 'Cancel' : 'Stop retrying'}
            </button>
          ) : (
            <button
              className="btn primary"
              data-testid="connect"
              disabled={busy}
              onClick={() => connect.mutate(undefined)}
            >
              {connect.isPending ? 'Connecting…' : 'Connect'}
            </button>
          )}
          <button
            className="btn primary"
            data-testid="open-terminal"
            disabled={busy || st === 'connecting'}
            title={st === 'online' ? 'Open a shell on this host' : 'Connects first, then opens a shell'}
            onClick={() => {
              if (st === 'online') openTerminal(host.id, host.name);
              else
                connect.mutate(undefined, {
                  onSuccess: (s) => {
                    if (s.state === 'online') openTerminal(host.id, host.name);
                  },
                });
            }}
          >
            Terminal
          </button>
          <button
            className="btn"
            data-testid="run-command"
            title="Run a shell command here (and on other hosts) as a job with a live log; connects as needed"
            onClick={() => setRunning(true)}
          >
            Run command…
          </button>
          <button
            className="btn"
            data-testid="test-connection"
            disabled={test.isPending}
            onClick={() => test.mutate()}
          >
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <button
            className="btn"
            data-testid="host-bootstrap"
            title="Apply the bundled Ansible roles (base, docker, postgresql, …): a preview first"
            onClick={() => askBootstrap([host.id])}
          >
            Bootstrap…
          </button>
          <button
            className="btn"
            data-testid="host-history"
            title="What the history recorded about this host"
            onClick={() => openActivity({ hostId: host.id })}
          >
            History
          </button>
          <button className="btn" data-testid="edit-host" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            className="btn danger"
            onClick={() => {
              if (
                window.confirm(
                  `Remove ${host.name} from Labdeck? Its trusted key and stored secret are deleted too.`,
                )
              )
                remove.mutate();
            }}
          >
            Remove
          </button>
        </div>
      </div>

      <HostViewTabs view={view} onView={setView} status={dockerStatus} />
      {view === 'metrics' ? (
        <HostMetrics hostId={host.id} online={st === 'online'} />
      ) : view === 'docker' && (dockerStatus.data || dockerStatus.error) ? (
        <HostDocker hostId={host.id} hostName={host.name} status={dockerStatus} />
      ) : (
      <>
      <section className={`panel state ${st}`} data-testid="host-state">
        <div className="state-line">
          <b data-testid="host-state-label">{STATE_LABEL[st]}</b>
          {state && <span className="dim"> since {formatTimestamp(state.since).slice(11)}</span>}
          {state && st === 'online' && (
            <span className="dim">
              {' '}
              · {state.connections} connection{state.connections === 1 ? '' : 's'}, {state.channels} channel
              {state.channels === 1 ? '' : 's'} open
            </span>
          )}
          {state?.retryAt && state.retryAt > now && (
            <span className="dim"> · next try {formatIn(state.retryAt, now)}</span>
          )}
        </div>
        {state?.message && st !== 'online' && st !== 'idle' && (
          <div className="state-msg" data-testid="host-state-message">
            {/* The host's own message already names the host and the next step. */}
            {state.message}
          </div>
        )}
      </section>

      {st === 'hostkey_unknown' && state?.presentedFingerprint && (
        <section className="panel warn" data-testid="hostkey-unknown">
          <h2>First connection: is this really {host.name}?</h2>
          <p>
            The host presented this key. Compare it with the host's own (run{' '}
            <code>cat /etc/ssh/ssh_host_*_key.pub | ssh-keygen -lf -</code> on it, or ask its console) before
            trusting it.
          </p>
          <div className="fingerprint" data-testid="presented-fingerprint">
            {state.presentedFingerprint}
          </div>
          <button
            className="btn primary"
            data-testid="trust-key"
            disabled={trust.isPending}
            onClick={() => trust.mutate(state.presentedFingerprint!)}
          >
            Trust this key and connect
          </button>
        </section>
      )}

      {st === 'hostkey_changed' && state?.presentedFingerprint && (
        <section className="panel danger" data-testid="hostkey-changed">
          <h2>Warning: the host key of {host.name} has CHANGED</h2>
          <p>
            Labdeck refused the connection before sending anything. A reinstalled host explains this — so does
            someone intercepting your connection. Only trust the new key if you know why it changed.
          </p>
          <dl className="kv">
            <dt>Trusted key</dt>
            <dd className="fingerprint">{state.trustedFingerprint}</dd>
            <dt>Presented now</dt>
            <dd className="fingerprint">{state.presentedFingerprint}</dd>
          </dl>
          <label className="check">
            <input
              type="checkbox"
              checked={confirmChange}
              onChange={(e) => setConfirmChange(e.target.checked)}
            />{' '}
            I know why this host's key changed
          </label>
          <button
            className="btn danger"
            disabled={!confirmChange || trust.isPending}
            onClick={() => trust.mutate(state.presentedFingerprint!)}
          >
            Trust the new key
          </button>
        </section>
      )}

      {needsSecret && (
        <section className="panel warn" data-testid="secret-prompt">
          <h2>{secretKind === 'password' ? 'Password' : 'Key passphrase'} needed</h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (remember) saveSecret.mutate(host);
              else connect.mutate(secret);
            }}
          >
            <input
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              data-testid="secret-input"
              aria-label={secretKind === 'password' ? 'Password' : 'Key passphrase'}
            />
            <label className="check">
              <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />{' '}
              remember (encrypted)
            </label>
            <button className="btn primary" type="submit" disabled={!secret || busy}>
              Connect
            </button>
          </form>
        </section>
      )}

      {lastError && (
        <div className="banner error" data-testid="host-error">
          {errorText(lastError)}
          {nextStep(lastError) && <div className="next">{nextStep(lastError)}</div>}
        </div>
      )}

      {st === 'online' && (
        <form
          className="panel row as-user"
          onSubmit={(e) => {
            e.preventDefault();
            if (asUser.trim()) openTerminal(host.id, host.name, asUser.trim());
          }}
        >
          <span className="dim">Open a terminal as another Linux user (e.g. an experiment's):</span>
          <input
            data-testid="as-user"
            aria-label="Linux user to open the terminal as"
            value={asUser}
            placeholder="user name"
            onChange={(e) => setAsUser(e.target.value)}
          />
          <button className="btn" type="submit" disabled={!asUser.trim()}>
            Open as user
          </button>
          <span className="dim small">
            via su (when you log in as root) or sudo -i (passwordless sudo needed)
          </span>
        </form>
      )}

      <HostExperiments hostId={host.id} hostName={host.name} />

      <ForwardsPanel hostId={host.id} />

      <div className="two-col">
        <section className="panel">
          <h2>Test connection</h2>
          {lastTest.data ? (
            <>
              <Report r={lastTest.data.report} />
              <p className="dim small">tested {formatTimestamp(lastTest.data.at).slice(11)}</p>
            </>
          ) : (
            <p className="dim">
              Connects, then reports the system, CPUs, memory, GPUs, container and round-trip time.
            </p>
          )}
        </section>
        <section className="panel">
          <h2>Host key</h2>
          {trusted.data ? (
            <>
              <dl className="kv">
                <dt>Trusted</dt>
                <dd className="fingerprint" data-testid="trusted-fingerprint">
                  {trusted.data.fingerprint}
                </dd>
                <dt>Type</dt>
                <dd>{trusted.data.keyType}</dd>
                <dt>Since</dt>
                <dd>
                  {formatTimestamp(trusted.data.trustedAt)} (
                  {trusted.data.source === 'user' ? 'you confirmed it' : 'from ~/.ssh/known_hosts'})
                </dd>
              </dl>
              <button className="btn" onClick={() => untrust.mutate()}>
                Forget this key
              </button>
            </>
          ) : (
            <p className="dim">
              No key trusted yet: the first connection shows the host's fingerprint for you to confirm.
            </p>
          )}
        </section>
      </div>
      {host.notes && (
        <section className="panel">
          <h2>Notes</h2>
          <p className="notes">{host.notes}</p>
        </section>
      )}
      </>
      )}
      {editing && <HostDialog host={host} onClose={() => setEditing(false)} />}
      {running && <RunCommandDialog hostId={host.id} onClose={() => setRunning(false)} />}
    </div>
  );
}

/** "bootstrapped: base, docker — 3 days ago", or a run going on now, or never. */
function BootstrapFact(props: {
  s: BootstrapHostSummary | undefined;
  open: (runId?: string) => void;
}): React.JSX.Element | null {
  const { s } = props;
  if (!s) return null;
  if (s.running) {
    return (
      <button className="link" data-testid="host-bootstrap-fact" onClick={() => props.open(s.running!.runId)}>
        {s.running.mode === 'check' ? 'bootstrap preview running…' : 'bootstrapping now…'}
      </button>
    );
  }
  if (!s.lastApply) {
    return (
      <button className="link dim" data-testid="host-bootstrap-fact" onClick={() => props.open()}>
        not bootstrapped by Labdeck
      </button>
    );
  }
  return (
    <button
      className="link"
      data-testid="host-bootstrap-fact"
      title={new Date(s.lastApply.endedAt).toLocaleString()}
      onClick={() => props.open()}
    >
      bootstrapped: {s.lastApply.roles.join(', ')} — {formatAgo(s.lastApply.endedAt)}
    </button>
  );
}
