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
  log?: (line: string) => void;
}

export interface BrowserServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'labdeck_token';
export const API_PATH = '/api';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_MESSAGE = 1024 * 1024;

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

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

function requestToken(req: http.IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
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
  const allowedHosts = (): Set<string> => {
    const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [host, os.hostname()];
    return new Set(names.map((n) => `${n}:${actualPort}`));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const security = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
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
          Location: url.pathname,
          'Set-Cookie': `${COOKIE}=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=/`,
          ...security,
        })
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, security).end();
      return;
    }
    let rel = decodeURIComponent(url.pathname);
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
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const hostHeader = req.headers.host ?? '';
    const origin = req.headers.origin;
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== API_PATH || !allowedHosts().has(hostHeader)) return refuse('404 Not Found');
    // Browsers always send Origin on WebSockets; it must be this very server. Non-browser clients
    // (tests, scripts) send none and must present the token in the query or a header.
    if (origin !== undefined && origin !== `http://${hostHeader}`) return refuse('403 Forbidden');
    if (!tokenMatches(o.token, requestToken(req, url))) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, req));
  });

  const attach = (ws: WebSocket, req: http.IncomingMessage): void => {
    const actor = `${os.userInfo().username}@browser(${req.socket.remoteAddress ?? '?'})`;
    const send = (msg: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
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
    ws.on('close', () => void session.close());
    ws.on('error', () => void session.close());
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
