// The hosts area: inventory, connections, host key trust, import, and the live host states stream.
// Connections lost and regained on their own are recorded here too (through the dispatcher's record).
import type { HostState } from '../../../shared/api/domain';
import type { AreaApi, RecordEvent, StreamSource } from '../../lib/area';
import type { PoolLost, PoolRecovered, SshPool } from '../ssh/ssh-pool';
import type { HostService } from './host-service';

type HostCalls =
  | 'hosts.list'
  | 'hosts.add'
  | 'hosts.update'
  | 'hosts.remove'
  | 'hosts.connect'
  | 'hosts.disconnect'
  | 'hosts.test'
  | 'hosts.trustedKey'
  | 'hosts.trustKey'
  | 'hosts.untrustKey'
  | 'hosts.importPreview'
  | 'hosts.import';

/** Host states: a snapshot, then changes; while the client is behind, only each host's latest. */
function hostStatesSource(hosts: HostService): StreamSource<HostState> {
  let off: (() => void) | null = null;
  let paused = false;
  const latest = new Map<number, HostState>();
  let emit: (s: HostState) => void = () => {};
  return {
    start(e) {
      emit = e;
      for (const s of hosts.states()) emit(s);
      off = hosts.onState((s) => (paused ? latest.set(s.hostId, s) : emit(s)));
    },
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      for (const s of latest.values()) emit(s);
      latest.clear();
    },
    stop: () => off?.(),
  };
}

export interface HostsAreaDeps {
  hosts: HostService;
  pool: SshPool;
  nameOf: (hostId: number) => string;
  record: RecordEvent;
}

export function hostsApi({ hosts, pool, nameOf, record }: HostsAreaDeps): AreaApi<HostCalls, 'hosts.states'> {
  // Connections lost and regained on their own are part of the history too (retries are not).
  pool.events.on('lost', (e: PoolLost) =>
    record({
      action: e.firstOfOutage ? 'hosts.connectionLost' : 'hosts.reconnectFailed',
      target: nameOf(e.hostId),
      ok: false,
      errorCode: e.code,
      details: { message: e.message },
      refs: { hostId: e.hostId },
    }),
  );
  pool.events.on('recovered', (e: PoolRecovered) =>
    record({
      action: 'hosts.reconnected',
      target: nameOf(e.hostId),
      ok: true,
      details: { downSeconds: Math.round(e.downMs / 100) / 10 },
      durationMs: e.downMs,
      refs: { hostId: e.hostId },
    }),
  );
  return {
    handlers: {
      'hosts.list': () => hosts.list(),
      'hosts.add': (i, ctx) => {
        const host = hosts.add(i);
        ctx.refs = { hostId: host.id };
        return host;
      },
      'hosts.update': (i, ctx) => {
        ctx.refs = { hostId: i.id };
        return hosts.update(i.id, i);
      },
      'hosts.remove': ({ id }, ctx) => {
        ctx.refs = { hostId: id };
        ctx.target = hosts.remove(id).name;
        return { removed: true as const };
      },
      'hosts.connect': ({ id, secret }, ctx) => {
        ctx.target = nameOf(id);
        ctx.refs = { hostId: id };
        return hosts.connect(id, secret);
      },
      'hosts.disconnect': ({ id }) => hosts.disconnect(id),
      'hosts.test': ({ id, secret }, ctx) => {
        ctx.target = nameOf(id);
        ctx.refs = { hostId: id };
        return hosts.test(id, secret);
      },
      'hosts.trustedKey': ({ id }) => hosts.trustedKey(id),
      'hosts.trustKey': ({ id, fingerprint }, ctx) => {
        ctx.target = nameOf(id);
        ctx.refs = { hostId: id };
        return hosts.trustKey(id, fingerprint);
      },
      'hosts.untrustKey': ({ id }, ctx) => {
        ctx.target = nameOf(id);
        ctx.refs = { hostId: id };
        return { removed: hosts.untrustKey(id) };
      },
      'hosts.importPreview': (i) => hosts.importPreview(i),
      'hosts.import': ({ drafts }) => hosts.import(drafts),
    },
    streams: { 'hosts.states': () => hostStatesSource(hosts) },
  };
}
