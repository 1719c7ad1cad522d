import { describe, expect, it } from 'vitest';
import { createClientPeer } from './peer';
import type { ClientMessage } from './protocol';

describe('client peer', () => {
  it('routes results and batches by id, fails calls in flight, and lists live subscriptions', async () => {
    const sent: ClientMessage[] = [];
    const peer = createClientPeer((m) => sent.push(m));
    const a = peer.transport.call('settings.get', {});
    const b = peer.transport.call('hosts.list', {});
    const batches: unknown[][] = [];
    const ended: unknown[] = [];
    const sub = peer.transport.subscribe(
      'system.metrics',
      {},
      (items) => batches.push(items),
      (e) => ended.push(e),
    );
    const gone = peer.transport.subscribe(
      'hosts.states',
      {},
      () => {},
      () => {},
    );
    peer.transport.unsubscribe(gone);
    peer.receive({ t: 'result', id: 1, env: { ok: true, result: 'A' } });
    peer.receive({ t: 'batch', sub, items: [1, 2], bytes: 2 });
    expect(await a).toEqual({ ok: true, result: 'A' });
    expect(batches).toEqual([[1, 2]]);
    expect(peer.openSubscriptions()).toEqual([{ t: 'sub', sub, name: 'system.metrics', params: {} }]);
    peer.failPending({ code: 'UNAVAILABLE', message: 'gone' });
    expect(await b).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'gone' } });
    peer.receive({ t: 'end', sub, error: { code: 'NOT_FOUND', message: 'x' } });
    expect(ended).toEqual([{ code: 'NOT_FOUND', message: 'x' }]);
    expect(peer.openSubscriptions()).toEqual([]);
    expect(sent.map((m) => m.t)).toEqual(['call', 'call', 'sub', 'sub', 'unsub']);
  });
});
