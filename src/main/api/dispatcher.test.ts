import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/api/errors';
import { tempDb } from '../../../tests/support/temp-db';
import type { OpenedDatabase } from '../db/database';
import { AuditStore } from '../services/audit/audit-store';
import { REDACTED } from '../services/audit/redact';
import { SettingsService } from '../services/settings/settings-service';
import { AUTOMATIC_ACTOR, Dispatcher, type Handlers } from './dispatcher';

const ctx = { actor: 'tester@unit' };
const dbs: OpenedDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

function setup(overrides: Partial<Handlers> = {}) {
  const d = tempDb();
  dbs.push(d);
  const audit = new AuditStore(d.db);
  const settings = new SettingsService(d.db);
  // Only the calls under test; the rest are never reached.
  const handlers = {
    'app.info': vi.fn(() => {
      throw new Error('not under test');
    }),
    'settings.get': () => settings.get(),
    'settings.update': vi.fn((patch: Parameters<Handlers['settings.update']>[0]) => settings.update(patch)),
    'system.static': vi.fn(() => {
      throw new Error('not under test');
    }),
    'audit.list': (f) => audit.list(f),
    'audit.actions': () => audit.actions(),
    ...overrides,
  } as Handlers;
  let now = 1_000;
  const dispatcher = new Dispatcher(handlers, audit, { now: () => (now += 7), log: () => {} });
  const rows = () => audit.list({ limit: 500 }).rows;
  return { dispatcher, handlers, rows, settings };
}

describe('Dispatcher: validation at the door', () => {
  const hostile: [string, unknown, string][] = [
    ['wrong type', { theme: 42 }, 'theme'],
    ['unknown enum value', { theme: 'neon' }, 'theme'],
    ['newline inside a label', { workstationName: 'x$(id)\nrm -rf /' }, 'workstationName'],
    ['NUL byte', { workstationName: 'ws\u0000evil' }, 'workstationName'],
    ['bidi override', { workstationName: 'abc\u202Egpj.exe' }, 'workstationName'],
    ['10 KB string', { workstationName: 'a'.repeat(10_240) }, 'workstationName'],
    ['prototype pollution key', JSON.parse('{"__proto__": {"admin": true}, "theme": "dark"}'), '(input)'],
    ['extra field', { theme: 'dark', sneaky: 1 }, '(input)'],
    ['empty patch', {}, '(input)'],
  ];
  it.each(hostile)(
    'rejects %s with VALIDATION naming the field, running nothing',
    async (_label, input, field) => {
      const { dispatcher, handlers } = setup();
      const env = await dispatcher.dispatch('settings.update', input, ctx);
      expect(env.ok).toBe(false);
      if (env.ok) return;
      expect(env.error.code).toBe('VALIDATION');
      expect(env.error.field).toBe(field);
      expect(env.error.message).toContain(field);
      expect(handlers['settings.update']).not.toHaveBeenCalled();
    },
  );

  it('rejects non-object input and unknown calls', async () => {
    const { dispatcher } = setup();
    for (const input of [null, 'theme=dark', [1, 2], 7]) {
      const env = await dispatcher.dispatch('settings.update', input, ctx);
      expect(env.ok ? 'ok' : env.error.code).toBe('VALIDATION');
    }
    const unknown = await dispatcher.dispatch('hosts.deleteEverything', {}, ctx);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const proto = await dispatcher.dispatch('constructor', {}, ctx);
    expect(proto).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('validates nested limits of reads too', async () => {
    const { dispatcher } = setup();
    const env = await dispatcher.dispatch('audit.list', { limit: 100_000 }, ctx);
    expect(env).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'limit' } });
    const range = await dispatcher.dispatch('audit.list', { from: 10, to: 5 }, ctx);
    expect(range).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'from' } });
  });
});

describe('Dispatcher: error mapping', () => {
  it('passes ApiErrors through with their code', async () => {
    const { dispatcher } = setup({
      'settings.update': () => {
        throw new ApiError('UNAVAILABLE', 'settings are locked');
      },
    });
    const env = await dispatcher.dispatch('settings.update', { theme: 'dark' }, ctx);
    expect(env).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'settings are locked' } });
  });

  it('maps SQLite failures to DB_ERROR and anything else to INTERNAL, naming the call', async () => {
    const sqliteError = Object.assign(new Error('disk I/O error'), { name: 'SqliteError' });
    const db = setup({ 'settings.update': () => Promise.reject(sqliteError) });
    const a = await db.dispatcher.dispatch('settings.update', { theme: 'dark' }, ctx);
    expect(a).toMatchObject({ ok: false, error: { code: 'DB_ERROR' } });
    if (!a.ok) expect(a.error.message).toMatch(/settings\.update.*disk I\/O error/);

    const other = setup({ 'settings.update': () => Promise.reject(new TypeError('boom')) });
    const b = await other.dispatcher.dispatch('settings.update', { theme: 'dark' }, ctx);
    expect(b).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: 'settings.update failed unexpectedly: boom' },
    });
  });
});

describe('Dispatcher: audit', () => {
  it('writes exactly one row per mutating call, ok or not, and none for reads', async () => {
    const { dispatcher, rows } = setup();
    await dispatcher.dispatch('settings.get', {}, ctx);
    await dispatcher.dispatch('audit.list', {}, ctx);
    expect(rows()).toHaveLength(0);
    await dispatcher.dispatch('settings.update', { theme: 'light' }, ctx);
    await dispatcher.dispatch('settings.update', { theme: 'nope' }, ctx);
    const [failed, ok] = rows();
    expect(rows()).toHaveLength(2);
    expect(ok).toMatchObject({
      actor: 'tester@unit',
      action: 'settings.update',
      target: 'settings',
      result: 'ok',
      errorCode: null,
      durationMs: 7,
    });
    expect(JSON.parse(ok!.params)).toEqual({ theme: 'light' });
    expect(failed).toMatchObject({ result: 'error', errorCode: 'VALIDATION' });
  });

  it('never stores a secret passed in params, however it is nested', async () => {
    const { dispatcher, rows } = setup();
    const secret = 'hunter2-Sup3r-Secret!';
    await dispatcher.dispatch(
      'settings.update',
      {
        workstationName: 'ws',
        password: secret,
        nested: { passphrase: secret, list: [{ token: secret }, { privateKey: secret }], apiKey: secret },
      },
      ctx,
    );
    const all = rows();
    expect(all).toHaveLength(1);
    expect(JSON.stringify(all)).not.toContain(secret);
    const params = JSON.parse(all[0]!.params) as Record<string, unknown>;
    expect(params['password']).toBe(REDACTED);
    expect(params['workstationName']).toBe('ws');
  });

  it('records rejected input safely: a clean, short target and no bare values', async () => {
    const { dispatcher, rows } = setup({
      'hosts.add': vi.fn(() => {
        throw new Error('not reached');
      }),
    });
    const name = `evil\u001b[31m\n\u202e${'x'.repeat(500_000)}`;
    await dispatcher.dispatch('hosts.add', { name, pwd: 'hunter2', bearer: 'tok-123' }, ctx);
    await dispatcher.dispatch('settings.update', 'a-bare-secret-string', ctx);
    const [bare, host] = rows();
    expect(host!.target.length).toBeLessThanOrEqual(129);
    // eslint-disable-next-line no-control-regex
    expect(host!.target).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(host!.target.startsWith('evil?[31m??')).toBe(true);
    expect(host!.params).not.toContain('hunter2');
    expect(host!.params).not.toContain('tok-123');
    expect(bare!.params).not.toContain('a-bare-secret-string');
    expect(JSON.parse(bare!.params)).toEqual({ rejectedInput: 'string' });
  });

  it('names what a rejected call attempted when the call has no target of its own', async () => {
    const { dispatcher, rows } = setup({
      'terminals.open': vi.fn(() => {
        throw new Error('not reached');
      }),
    });
    const env = await dispatcher.dispatch(
      'terminals.open',
      {
        hostId: 3,
        asUser: `root; touch /tmp/x\n${'y'.repeat(300)}`,
        cols: 80,
        rows: 24,
        password: 'hunter2',
      },
      ctx,
    );
    expect(env.ok).toBe(false);
    const [row] = rows();
    expect(row).toMatchObject({ action: 'terminals.open', result: 'error', errorCode: 'VALIDATION' });
    expect(row!.target).toMatch(/^hostId=3 asUser="root; touch \/tmp\/x\\nyyy/);
    expect(row!.target).toContain('cols=80 rows=24');
    expect(row!.target).not.toContain('hunter2');
    expect(row!.target.length).toBeLessThanOrEqual(129);
    // eslint-disable-next-line no-control-regex
    expect(row!.target).not.toMatch(/[\u0000-\u001f]/);
  });

  it('records what Labdeck did by itself as Labdeck, with secrets redacted', () => {
    const { dispatcher, rows } = setup();
    dispatcher.record({
      action: 'hosts.connectionLost',
      target: 'gpu1',
      ok: false,
      errorCode: 'CONNECTION_LOST',
      details: { message: 'gone', password: 'hunter2' },
    });
    dispatcher.record({ action: 'hosts.reconnected', target: 'gpu1', ok: true, durationMs: 12_345.6 });
    const [back, lost] = rows();
    expect(lost).toMatchObject({
      actor: AUTOMATIC_ACTOR,
      action: 'hosts.connectionLost',
      target: 'gpu1',
      result: 'error',
      errorCode: 'CONNECTION_LOST',
    });
    expect(JSON.stringify(lost)).not.toContain('hunter2');
    expect(back).toMatchObject({
      action: 'hosts.reconnected',
      result: 'ok',
      errorCode: null,
      durationMs: 12_346,
    });
  });

  it('reports a call whose audit row cannot be written instead of pretending all is well', async () => {
    const d = tempDb();
    dbs.push(d);
    const failing = {
      append: () => {
        throw new Error('database or disk is full');
      },
    };
    const settings = new SettingsService(d.db);
    const dispatcher = new Dispatcher(
      {
        'settings.update': (p: Parameters<Handlers['settings.update']>[0]) => settings.update(p),
      } as unknown as Handlers,
      failing,
      { log: () => {} },
    );
    const env = await dispatcher.dispatch('settings.update', { theme: 'light' }, ctx);
    expect(env).toMatchObject({ ok: false, error: { code: 'DB_ERROR' } });
    if (!env.ok) expect(env.error.message).toMatch(/succeeded but could not be recorded/);
  });
});
