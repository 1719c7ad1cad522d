// Terminal sessions end in the history whatever way the app stops: a clean SIGTERM of browser
// mode closes them through the dispatcher (as the client's), and after a kill -9 the next start
// closes each one as interrupted, with the last time the app saw it. Real server process, real
// sshd from the lab, real SQLite file read back afterwards.
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/main/db/database';
import type { AuditEvent } from '../../src/shared/api/domain';
import { readState } from '../lab/faults';
import { labHostInput } from '../support/app-harness';
import { startServe, type ServeProcess } from '../support/serve-process';
import { MIGRATIONS, tempDir } from '../support/temp-db';
import { connect, type WsClient } from '../support/ws-client';

inject('lab');
const h1 = readState().hosts.find((x) => x.name === 'h1')!;
let running: ServeProcess | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function call(c: WsClient, name: string, input: unknown): Promise<unknown> {
  const env = await c.call(name, input);
  if (!env.ok) throw new Error(`${name}: ${env.error.code} ${env.error.message}`);
  return env.result;
}

/** Starts the server on `dir`, adds h1 (trusted) unless there, and opens a terminal on it. */
async function serveWithTerminal(dir: string): Promise<{ s: ServeProcess; c: WsClient; terminalId: string }> {
  const s = await startServe(dir);
  running = s;
  const c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
  const hosts = (await call(c, 'hosts.list', {})) as { id: number; name: string }[];
  let id = hosts.find((h) => h.name === 'hist-h1')?.id;
  if (id === undefined) {
    id = ((await call(c, 'hosts.add', { ...labHostInput(h1, h1.user), name: 'hist-h1' })) as { id: number })
      .id;
    await c.call('hosts.connect', { id });
    await call(c, 'hosts.trustKey', { id, fingerprint: h1.fingerprint });
  }
  const info = (await call(c, 'terminals.open', { hostId: id, cols: 80, rows: 24 })) as { id: string };
  return { s, c, terminalId: info.id };
}

function rowsFor(dir: string, terminalId: string): AuditEvent[] {
  const db = openDatabase(path.join(dir, 'labdeck.db'), MIGRATIONS);
  try {
    return (
      db.sqlite
        .prepare(
          `SELECT id, ts, actor, action, target, params, result, error_code AS errorCode, duration_ms AS durationMs
           FROM audit_events WHERE action LIKE 'terminals.%' ORDER BY id`,
        )
        .all() as AuditEvent[]
    ).filter((r) => (JSON.parse(r.params) as { id?: string }).id === terminalId);
  } finally {
    db.close();
  }
}

describe('terminal sessions in the history when the app stops', () => {
  it('a clean SIGTERM of browser mode closes open terminals through the audited path', async () => {
    const dir = tempDir('labdeck-hist-');
    const { s, terminalId } = await serveWithTerminal(dir);
    await s.stop();
    running = null;
    const rows = rowsFor(dir, terminalId);
    expect(rows.map((r) => `${r.action} ${r.result}`)).toEqual(['terminals.open ok', 'terminals.close ok']);
    expect(rows[1]!.actor).toMatch(/@browser\(/); // closed as the client's, not anonymously
    expect(rows[1]!.target).toBe('hist-h1 as ldlab-user');
  });

  it('after kill -9, the next start closes the session as interrupted, with when it was last seen', async () => {
    const dir = tempDir('labdeck-hist-');
    const first = await serveWithTerminal(dir);
    const killedAt = Date.now();
    first.s.child.kill('SIGKILL');
    await new Promise((r) => first.s.child.once('exit', r));
    running = null;
    // Before the next start the history says the session is still open.
    expect(rowsFor(dir, first.terminalId).map((r) => r.action)).toEqual(['terminals.open']);

    running = await startServe(dir);
    const rows = rowsFor(dir, first.terminalId);
    expect(rows.map((r) => `${r.action} ${r.result}`)).toEqual([
      'terminals.open ok',
      'terminals.close error',
    ]);
    const close = rows[1]!;
    expect(close).toMatchObject({
      actor: 'labdeck (automatic)',
      errorCode: 'INTERRUPTED',
      target: 'hist-h1 as ldlab-user',
    });
    const params = JSON.parse(close.params) as { interrupted: boolean; lastSeenAt: string; openedAt: string };
    expect(params.interrupted).toBe(true);
    const lastSeen = Date.parse(params.lastSeenAt);
    expect(lastSeen).toBeGreaterThanOrEqual(Date.parse(params.openedAt));
    expect(lastSeen).toBeLessThanOrEqual(killedAt);
    // Only once: a further restart adds nothing.
    await running.stop();
    running = await startServe(dir);
    expect(rowsFor(dir, first.terminalId)).toHaveLength(2);
  });
});
