import { describe, expect, it } from 'vitest';
import { buildBridgeApi, toApi } from './client';
import { ApiError, type Envelope } from './errors';
import type { ClientTransport } from './protocol';

function fakeTransport(reply: (name: string, input: unknown) => Envelope<unknown>) {
  const acks: [number, number][] = [];
  const subs = new Map<number, (items: unknown[], bytes: number) => void>();
  const unsubscribed: number[] = [];
  const calls: [string, unknown][] = [];
  const t: ClientTransport = {
    call: (name, input) => {
      calls.push([name, input]);
      return Promise.resolve(reply(name, input));
    },
    subscribe: (_name, _params, onBatch) => {
      subs.set(7, onBatch);
      return 7;
    },
    unsubscribe: (sub) => unsubscribed.push(sub),
    ack: (sub, bytes) => acks.push([sub, bytes]),
  };
  return { t, acks, subs, unsubscribed, calls };
}

describe('typed API client', () => {
  it('routes each call by its contract name and rebuilds errors with code and field', async () => {
    const f = fakeTransport((name) =>
      name === 'settings.update'
        ? { ok: false, error: { code: 'VALIDATION', message: 'Invalid input: theme: bad', field: 'theme' } }
        : { ok: true, result: { theme: 'dark', workstationName: 'ws' } },
    );
    const api = toApi(buildBridgeApi(f.t));
    await expect(api.settings.get()).resolves.toEqual({ theme: 'dark', workstationName: 'ws' });
    const err = await api.settings.update({ theme: 'dark' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'VALIDATION', field: 'theme' });
    expect(f.calls).toEqual([
      ['settings.get', {}],
      ['settings.update', { theme: 'dark' }],
    ]);
  });

  it('acknowledges a batch only after an async handler settles, and not after unsubscribe', async () => {
    const f = fakeTransport(() => ({ ok: true, result: null }));
    const api = toApi(buildBridgeApi(f.t));
    let release!: () => void;
    const off = api.streams.system.metrics({}, () => new Promise<void>((r) => (release = r)));
    f.subs.get(7)!([{ ts: 1 }], 123);
    await Promise.resolve();
    expect(f.acks).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(f.acks).toEqual([[7, 123]]);
    off();
    f.subs.get(7)!([{ ts: 2 }], 50);
    expect(f.acks).toHaveLength(1);
    expect(f.unsubscribed).toEqual([7]);
  });
});
