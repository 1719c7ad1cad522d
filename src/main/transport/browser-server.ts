// Browser mode: serves the built renderer over HTTP and the API over a WebSocket, on loopback by
// default. Every request and socket must carry the per-run token (query on first load, then an
// HttpOnly cookie); the WebSocket also checks Origin and Host so other sites cannot reach it.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../../shared/api/protocol';
import type { Dispatcher } from '../api/dispatcher';
import { ApiSession, type StreamFactories } from '../api/session';
import { tokenMatches } from './token';

export interface BrowserServerOptions {
  dispatcher: Dispatcher;
  streams: StreamFactories;
  staticDir: string;
  token: string;
  host?: string;
  port?: number;
  /** Binding to anything but loopback needs this, and prints a warning. */
  allowRemote?: boolean;
  /** Files the app wrote for the person (exports), served as downloads under /downloads/NAME. */
  downloadsDir?: string;
  /** GET /metrics: the hosts' latest figures in Prometheus text format (token as for the rest). */
  prometheus?: () => string;
  log?: (line: string) => void;
}

export interface BrowserServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Cookies are not separated by port: each server names its own, so two never collide. */
export const cookieName = (port: number): string => `labdeck_token_${port}`;
export const API_PATH = '/api';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const WILDCARD = new Set(['0.0.0.0', '::']);
const MAX_MESSAGE = 1024 * 1024;
/** Open WebSockets at once (each is a window or tab of the app). */
const MAX_CLIENTS = 32;
/** A client that stops reading is cut off before its unsent replies grow without bound. */
const MAX_BUFFERED = 32 * 1024 * 1024;
const PING_MS = 30_000;

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** decodeURIComponent that answers null for malformed escapes instead of throwing. */
export function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function cookieToken(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return safeDecode(v.join('='));
  }
  return null;
}

/** The request's URL, or null when it cannot be parsed (answered 400, never thrown). */
function parseUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Host header values this server answers to: its own name and port only (DNS rebinding). */
export function allowedHostNames(bind: string): string[] {
  if (isLoopback(bind)) return ['127.0.0.1', 'localhost', '[::1]'];
  if (!WILDCARD.has(bind)) return [bind.includes(':') ? `[${bind}]` : bind, os.hostname()];
  // Listening everywhere: any address of this machine, by IP or by its name.
  const addrs = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a)
    .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
  return [...addrs, 'localhost', os.hostname()];
}

export async function startBrowserServer(o: BrowserServerOptions): Promise<BrowserServer> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? ((l: string) => console.log(l));
  if (!isLoopback(host) && !o.allowRemote) {
    throw new Error(
      `Refusing to listen on ${host}: browser mode binds to loopback unless --allow-remote is given.`,
    );
  }
  const staticRoot = path.resolve(o.staticDir);
  if (!fs.existsSync(path.join(staticRoot, 'index.html'))) {
    throw new Error(`No built renderer in ${staticRoot}: run "npm run build" first.`);
  }
  let actualPort = 0;
  let hostSet: Set<string> | null = null;
  const allowedHosts = (): Set<string> =>
    (hostSet ??= new Set(allowedHostNames(host).map((n) => `${n}:${actualPort}`)));
  const requestToken = (req: http.IncomingMessage, url: URL): string | null => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    return url.searchParams.get('token') ?? cookieToken(req.headers.cookie, cookieName(actualPort));
  };
  const security = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };

  const badRequest = (res: http.ServerResponse): void => {
    if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain', ...security });
    res.end('Bad request\n');
  };

  const server = http.createServer((req, res) => {
    try {
      serve(req, res);
    } catch (err) {
      // A malformed request must never take the server (and every open terminal) down.
      log(`[serve] bad request ${JSON.stringify((req.url ?? '').slice(0, 200))}: ${(err as Error).message}`);
      badRequest(res);
    }
  });

  const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = parseUrl(req);
    if (!url) {
      badRequest(res);
      return;
    }
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain', ...security }).end('Misdirected request\n');
      return;
    }
    if (!tokenMatches(o.token, requestToken(req, url))) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', ...security })
        .end('Labdeck: missing or wrong token. Open the URL that "npm run serve" printed.\n');
      return;
    }
    if (url.searchParams.has('token')) {
      // Trade the token in the address bar for a cookie, so it leaves the history and the screen.
      res
        .writeHead(302, {
          // One leading slash: "//evil.example" would leave this server.
          Location: `/${url.pathname.replace(/^\/+/, '')}`,
          'Set-Cookie': `${cookieName(actualPort)}=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=/`,
          ...security,
        })
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, security).end();
      return;
    }
    let rel = safeDecode(url.pathname);
    if (rel === null || rel.includes('\0')) {
      badRequest(res);
      return;
    }
    if (rel.startsWith('/downloads/')) {
      download(rel.slice('/downloads/'.length), req, res);
      return;
    }
    if (rel === '/metrics' && o.prometheus) {
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', ...security })
        .end(req.method === 'HEAD' ? undefined : o.prometheus());
      return;
    }
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(staticRoot, `.${rel}`);
    if (!file.startsWith(staticRoot + path.sep)) {
      res.writeHead(403, security).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain', ...security }).end('Not found\n');
        return;
      }
      res
        .writeHead(200, {
          'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          ...security,
        })
        .end(req.method === 'HEAD' ? undefined : body);
    });
  };

  /** A file from the downloads folder by its plain name only (no folders), as an attachment. */
  const download = (name: string, req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!o.downloadsDir || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name)) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...security }).end('Not found\n');
      return;
    }
    const file = path.join(o.downloadsDir, name);
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain', ...security }).end('Not found\n');
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': st.size,
        'Content-Disposition': `attachment; filename="${name}"`,
        ...security,
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    // Node removes its own error listener before this runs: a reset here must not crash the process.
    socket.on('error', () => socket.destroy());
    const url = parseUrl(req);
    const hostHeader = req.headers.host ?? '';
    const origin = req.headers.origin;
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!url) return refuse('400 Bad Request');
    if (url.pathname !== API_PATH || !allowedHosts().has(hostHeader)) return refuse('404 Not Found');
    // Browsers always send Origin on WebSockets; it must be this very server. Non-browser clients
    // (tests, scripts) send none and must present the token in the query or a header.
    if (origin !== undefined && origin !== `http://${hostHeader}`) return refuse('403 Forbidden');
    if (!tokenMatches(o.token, requestToken(req, url))) return refuse('401 Unauthorized');
    if (wss.clients.size >= MAX_CLIENTS) return refuse('503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, req));
  });

  // A peer that vanished without closing (a laptop lid, a dropped tunnel) is noticed and its
  // session closed, so its terminals and SSH channels do not live on.
  const alive = new WeakMap<WebSocket, boolean>();
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_MS);
  pinger.unref();

  const sessions = new Set<() => Promise<void>>();
  const attach = (ws: WebSocket, req: http.IncomingMessage): void => {
    const actor = `${os.userInfo().username}@browser(${req.socket.remoteAddress ?? '?'})`;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const send = (msg: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) {
        log(`[serve] ${actor} stopped reading its replies; closing its connection`);
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const session = new ApiSession(o.dispatcher, o.streams, { actor }, send);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        const text = Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.isBuffer(data)
            ? data
            : Buffer.from(data);
        msg = JSON.parse(text.toString('utf8'));
      } catch {
        return;
      }
      session.handle(msg);
    });
    // One promise per session, so shutting down can wait until what it left open is closed.
    let ended: Promise<void> | null = null;
    const end = (): Promise<void> => (ended ??= session.close().finally(() => sessions.delete(end)));
    sessions.add(end);
    ws.on('close', () => void end());
    ws.on('error', () => void end());
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  actualPort = (server.address() as AddressInfo).port;
  if (!isLoopback(host)) {
    log(`WARNING: Labdeck is listening on ${host}:${actualPort}, reachable from other machines.`);
    log(
      'WARNING: anyone with the token can control every host Labdeck manages. Use loopback + an SSH tunnel if you can.',
    );
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/?token=${o.token}`,
    port: actualPort,
    close: async () => {
      clearInterval(pinger);
      for (const c of wss.clients) c.terminate();
      // Each client's terminals are closed (and audited) as that client's before we return.
      await Promise.all([...sessions].map((end) => end()));
      await new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
