import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDb } from '../../../tests/support/temp-db';
import { Dispatcher, type Handlers } from './dispatcher';
import { AuditStore } from '../services/audit/audit-store';
import { OpenItemStore } from '../services/audit/open-items';

const dbs: { close(): void }[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

function setup() {
  const db = tempDb();
  dbs.push(db);
  let now = 1_000;
  const items = new OpenItemStore(db.db, () => now);
  const audit = new AuditStore(db.db);
  const id = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
  const handlers = {
    'terminals.open': vi.fn(() => ({ id, hostId: 1, hostName: 'h', user: 'u', startedAt: now })),
    'terminals.close': vi.fn(() => ({ durationMs: 1, bytesIn: 0, bytesOut: 0 })),
  } as unknown as Handlers;
  const dispatcher = new Dispatcher(handlers, audit, { openItems: items, now: () => now });
  return { items, dispatcher, handlers, id, tick: (ms: number) => (now += ms) };
}

const ctx = { actor: 'me@test' };

describe('OpenItemStore with the dispatcher', () => {
  it('keeps a terminal open from its open call until its close call is recorded', async () => {
    const t = setup();
    await t.dispatcher.dispatch('terminals.open', { hostId: 1, cols: 80, rows: 24 }, ctx);
    expect(t.items.list()).toEqual([
      { id: t.id, closeWith: 'terminals.close', target: '', openedAt: 1000, lastSeenAt: 1000 },
    ]);
    t.tick(5000);
    t.items.heartbeat();
    expect(t.items.list()[0]!.lastSeenAt).toBe(6000);
    await t.dispatcher.dispatch('terminals.close', { id: t.id }, ctx);
    expect(t.items.list()).toEqual([]);
  });

  it('forgets an item whose close says it is already gone, but not after other failures', async () => {
    const t = setup();
    await t.dispatcher.dispatch('terminals.open', { hostId: 1, cols: 80, rows: 24 }, ctx);
    vi.mocked(t.handlers['terminals.close']).mockImplementationOnce(() => {
      throw new Error('boom');
    });
    await t.dispatcher.dispatch('terminals.close', { id: t.id }, ctx);
    expect(t.items.list()).toHaveLength(1);
    const { ApiError } = await import('../../shared/api/errors');
    vi.mocked(t.handlers['terminals.close']).mockImplementationOnce(() => {
      throw new ApiError('NOT_FOUND', 'This terminal is closed.');
    });
    await t.dispatcher.dispatch('terminals.close', { id: t.id }, ctx);
    expect(t.items.list()).toEqual([]);
  });

  it('hands every leftover over once (for the "interrupted" close at start)', async () => {
    const t = setup();
    await t.dispatcher.dispatch('terminals.open', { hostId: 1, cols: 80, rows: 24 }, ctx);
    expect(t.items.takeAll().map((i) => i.id)).toEqual([t.id]);
    expect(t.items.takeAll()).toEqual([]);
  });
});
