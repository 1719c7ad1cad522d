// Browser mode against the real built server process: token, Origin and Host checks, and crash
// durability of audited writes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/database';
import { startServe, SERVE_JS, type ServeProcess } from '../support/serve-process';
import { MIGRATIONS, tempDir } from '../support/temp-db';
import { connect } from '../support/ws-client';

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, redirect: 'manual' });
}

describe('browser-mode server access control', () => {
  let s: ServeProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    s = await startServe(dataDir);
  });
  afterAll(() => s.stop());

  it('serves an export as a download with the token only, and nothing outside the exports folder', async () => {
    fs.mkdirSync(path.join(dataDir, 'exports'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'exports', 'labdeck-audit-x.csv'), 'id,ts\n1,2\n');
    const cookie = { cookie: `labdeck_token_${s.port}=${s.token}` };
    const ok = await get(`${s.origin}/downloads/labdeck-audit-x.csv`, cookie);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="labdeck-audit-x.csv"');
    expect(await ok.text()).toBe('id,ts\n1,2\n');
    expect((await get(`${s.origin}/downloads/labdeck-audit-x.csv`)).status).toBe(401);
    for (const bad of ['..%2Flabdeck.db', '%2E%2E%2Flabdeck.db', '.hidden', 'secrets.key', 'a%2Fb.csv', '']) {
      expect((await get(`${s.origin}/downloads/${bad}`, cookie)).status, bad).toBe(404);
    }
  });

  it('serves GET /metrics in Prometheus text format, with the token as a bearer token only', async () => {
    expect((await get(`${s.origin}/metrics`)).status).toBe(401);
    const wrong = await get(`${s.origin}/metrics`, { authorization: 'Bearer wrong-token-wrong' });
    expect(wrong.status).toBe(401);
    const ok = await get(`${s.origin}/metrics`, { authorization: `Bearer ${s.token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    // No hosts in this data folder: the families with rows only, so an empty but valid answer.
    expect(await ok.text()).toBe('\n');
  });

  it('prints a loopback URL that carries the token', () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/);
    expect(s.output()).toContain('data folder:');
  });

  it('refuses HTTP requests without the right token', async () => {
    expect((await get(`${s.origin}/`)).status).toBe(401);
    expect((await get(`${s.origin}/?token=wrong`)).status).toBe(401);
    expect((await get(`${s.origin}/`, { cookie: `labdeck_token_${s.port}=wrong` })).status).toBe(401);
    const body = await (await get(`${s.origin}/`)).text();
    expect(body).toMatch(/npm run serve/);
  });

  it('trades the URL token for an HttpOnly cookie, then serves the app', async () => {
    const first = await get(s.url);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^labdeck_token_${s.port}=`)); // its own port's cookie
    // The redirect never leaves this server, whatever the path looks like.
    const sneaky = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      // A raw request: fetch() would normalise the path before sending it.
      void import('node:http').then(({ request }) => {
        const req = request(
          { host: '127.0.0.1', port: s.port, path: `/.//evil.example/x?token=${s.token}` },
          (r) => resolve({ status: r.statusCode ?? 0, location: r.headers.location }),
        );
        req.on('error', reject);
        req.end();
      });
    });
    expect(sneaky).toEqual({ status: 302, location: '/evil.example/x' });
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get(`${s.origin}/`, { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      // fetch() cannot override Host; use a raw request.
      void import('node:http').then(({ request }) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: s.port,
            path: `/?token=${s.token}`,
            headers: { host: `evil.example:${s.port}` },
          },
          (r) => resolve(r.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end();
      });
    });
    expect(res).toBe(421);
  });

  it('refuses WebSockets without a token, with a wrong one, or from a foreign Origin', async () => {
    const ws = `ws://127.0.0.1:${s.port}/api`;
    await expect(connect(ws)).rejects.toThrow('HTTP 401');
    await expect(connect(`${ws}?token=nope`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${ws}?token=${s.token}`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(
      connect(`${ws}?token=${s.token}`, { origin: `http://127.0.0.1:${s.port + 1}` }),
    ).rejects.toThrow('HTTP 403');
  });

  it('survives malformed requests and refused upgrades that reset, before and after the token', async () => {
    const raw = (text: string, reset = false): Promise<string> =>
      new Promise((resolve) => {
        void import('node:net').then(({ connect: dial }) => {
          const sock = dial(s.port, '127.0.0.1', () => {
            sock.write(text);
            if (reset) setTimeout(() => sock.resetAndDestroy(), 1);
          });
          let got = '';
          sock.on('data', (d) => (got += d.toString()));
          sock.on('close', () => resolve(got));
          sock.on('error', () => resolve(got));
          sock.setTimeout(2000, () => sock.destroy());
        });
      });
    const host = `Host: 127.0.0.1:${s.port}\r\n`;
    expect(await raw(`GET http://[ HTTP/1.1\r\n${host}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await raw(`GET / HTTP/1.1\r\n${host}Connection: close\r\nCookie: labdeck_token_${s.port}=%\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 401/);
    const auth = `Authorization: Bearer ${s.token}\r\nConnection: close\r\n`;
    expect(await raw(`GET /%E0.js HTTP/1.1\r\n${host}${auth}\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET /a%00.js HTTP/1.1\r\n${host}${auth}\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = (origin: string): string =>
      `GET /api HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`;
    await Promise.all(Array.from({ length: 100 }, () => raw(upgrade('http://evil.example'), true)));
    // Still up and answering.
    expect((await get(`${s.origin}/`)).status).toBe(401);
    expect(s.child.exitCode).toBeNull();
  });

  it('accepts the right token from the page origin and answers calls', async () => {
    const c = await connect(`ws://127.0.0.1:${s.port}/api`, {
      origin: s.origin,
      cookie: `labdeck_token_${s.port}=${s.token}`,
    });
    const info = await c.call('app.info');
    expect(info).toMatchObject({ ok: true, result: { mode: 'browser' } });
    const bad = await c.call('settings.update', { theme: 'neon' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'theme' } });
    c.close();
  });
});

describe('browser-mode server binding', () => {
  it('will not listen beyond loopback without --allow-remote', () => {
    const r = spawnSync(process.execPath, [SERVE_JS, '--data-dir', tempDir(), '--host', '0.0.0.0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--allow-remote/);
  });

  it('warns loudly when told to listen beyond loopback', async () => {
    const s = await startServe(tempDir(), ['--host', '0.0.0.0', '--allow-remote']);
    try {
      expect(s.output()).toMatch(/WARNING: Labdeck is listening on 0\.0\.0\.0/);
    } finally {
      await s.stop();
    }
  });
});

describe('crash durability', () => {
  it('keeps every acknowledged audited write after kill -9 during a burst', async () => {
    const dir = tempDir();
    const s = await startServe(dir);
    const c = await connect(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
    const acked: string[] = [];
    let stop = false;
    const exited = new Promise((r) => s.child.once('exit', r));
    // Eight writers in flight at once, until the server dies under them.
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `burst-${w}-${i}`;
        const env = await Promise.race([
          c.call('settings.update', { workstationName: name }),
          exited.then(() => null),
        ]);
        if (env?.ok) acked.push(name);
        else return;
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 700));
    s.child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(writers);
    c.close();
    expect(acked.length).toBeGreaterThan(100);

    const db = openDatabase(path.join(dir, 'labdeck.db'), MIGRATIONS);
    try {
      expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set(
        (
          db.sqlite
            .prepare("SELECT params FROM audit_events WHERE action = 'settings.update' AND result = 'ok'")
            .all() as {
            params: string;
          }[]
        ).map((r) => (JSON.parse(r.params) as { workstationName: string }).workstationName),
      );
      const missing = acked.filter((n) => !stored.has(n));
      expect(missing).toEqual([]);
      console.log(
        `[durability] ${acked.length} acknowledged writes before kill -9, all present (${stored.size} rows)`,
      );
    } finally {
      db.close();
    }
  });
});
