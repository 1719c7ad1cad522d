// An in-process SSH server (ssh2's Server on 127.0.0.1) for unit tests of the SSH pool: no root,
// no lab, no sshd. It speaks real SSH (key exchange, host key, publickey/password auth, exec
// channels, direct-tcpip forwards), counts what reaches it, and can misbehave on purpose: refuse sessions past a limit,
// free them late as sshd does, hold a TCP connection without ever speaking SSH, drop every client
// at once, or come back on the same port with another host key.
//
// Our own net.Server accepts the TCP connections and hands them to ssh2 (injectSocket), so the
// harness holds every socket itself: kill() can destroy them, and a "silent" server can keep one
// open without speaking SSH.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Server, utils, type AuthContext, type Connection, type ServerChannel } from 'ssh2';

export interface SshTestServerOptions {
  /** Accept this password (method "password") besides the client key. */
  password?: string;
  /** Sessions one connection may hold open; further session opens are refused. */
  maxSessions?: number;
  /**
   * How long a closed session still counts against maxSessions (sshd frees a session a moment
   * after it confirms the close, so an open sent right behind a close can be refused).
   */
  sessionReleaseDelayMs?: number;
  /** Accept TCP but wait this long before speaking SSH (a slow or overloaded host). */
  handshakeDelayMs?: number;
  /** Accept TCP and never speak SSH at all (a hung sshd, a tarpit). */
  silent?: boolean;
}

export interface SshTestServer {
  readonly port: number;
  /** The host's public key as OpenSSH writes it ("ssh-ed25519 AAAA..."). */
  readonly hostKey: string;
  /** The host key's fingerprint as ssh-keygen -l prints it ("SHA256:..."). */
  readonly fingerprint: string;
  /** A private key file (0600) whose public half the server accepts; "<file>.pub" holds that half. */
  readonly clientKeyFile: string;
  /** TCP connections open now (SSH or not). */
  readonly connections: number;
  /** TCP connections accepted since start, closed ones included. */
  readonly accepted: number;
  /** Session channels open now, over all connections (counted until freed, see sessionReleaseDelayMs). */
  readonly channelsOpen: number;
  /** Session opens refused because a connection had maxSessions open. */
  readonly channelsRefused: number;
  /** The most connections / channels open at once since start or resetPeaks(). */
  readonly peakConnections: number;
  readonly peakChannels: number;
  /** Authentication requests received (any method): zero means nothing got past the host key. */
  readonly authAttempts: number;
  /** Every command an exec request carried, in arrival order. */
  readonly execs: string[];
  /** Every direct-tcpip (port forward) destination asked for, in arrival order. */
  readonly tcpipRequests: { host: string; port: number }[];
  /** direct-tcpip channels open now. */
  readonly tcpipOpen: number;
  resetPeaks(): void;
  /** Resolves when `pred` holds, re-checked on every change of the counters above. */
  until(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /**
   * A hung host: stops reading every connection (keepalives go unanswered) and holds new ones
   * without speaking SSH, until thaw().
   */
  freeze(): void;
  thaw(): void;
  /** Destroys every client socket abruptly; the server keeps listening. */
  kill(): void;
  /** Stops listening and drops every client. */
  stop(): Promise<void>;
  /** Listens again on the same port; `newHostKey` makes it a different host to clients. */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
  /** stop(), and removes the temp folder with the keys. */
  close(): Promise<void>;
}

interface HostKeyPair {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2 1.17's generateKeyPairSync drops a leading zero
 * byte of the public key (about 1 key in 300), and then neither half parses: generate again.
 */
export function generateEd25519(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) {
      return { private: pair.private, public: pair.public.trim() };
    }
  }
}

function newHostKey(): HostKeyPair {
  const pair = generateEd25519();
  const blob = Buffer.from(pair.public.split(/\s+/)[1] ?? '', 'base64');
  const fingerprint = `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { privateKey: pair.private, publicKey: pair.public, fingerprint };
}

/** Equal buffers, compared in constant time as ssh2's server example does. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The tiny command table the exec handler understands:
 *   echo X   -> stdout "X\n", exit 0
 *   fail     -> stderr "boom", exit 3
 *   sleep MS -> nothing, exit 0 after MS milliseconds
 *   big N    -> N bytes of "x" on stdout, exit 0
 *   other    -> "<cmd>: command not found" on stderr, exit 127
 */
function runCommand(command: string, stream: ServerChannel, timers: Set<NodeJS.Timeout>): void {
  const finish = (code: number): void => {
    // The client may be gone already (a kill, a closed channel): nothing left to tell it.
    if (!stream.writable) return;
    stream.exit(code);
    stream.end();
  };
  const [verb = '', ...rest] = command.split(' ');
  const arg = rest.join(' ');
  switch (verb) {
    case 'echo':
      stream.write(`${arg}\n`);
      return finish(0);
    case 'fail':
      stream.stderr.write('boom');
      return finish(3);
    case 'sleep': {
      const t = setTimeout(() => {
        timers.delete(t);
        finish(0);
      }, Number(arg));
      timers.add(t);
      return;
    }
    case 'big':
      stream.write(Buffer.alloc(Number(arg), 'x'));
      return finish(0);
    default:
      stream.stderr.write(`${verb}: command not found\n`);
      return finish(127);
  }
}

export async function startSshTestServer(opts: SshTestServerOptions = {}): Promise<SshTestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-sshd-'));
  const clientPair = generateEd25519();
  const clientKeyFile = path.join(dir, 'id_ed25519');
  fs.writeFileSync(clientKeyFile, clientPair.private, { mode: 0o600 });
  fs.writeFileSync(`${clientKeyFile}.pub`, `${clientPair.public}\n`, { mode: 0o644 });
  const clientKey = utils.parseKey(clientPair.public);
  if (clientKey instanceof Error) throw clientKey;
  const clientKeySsh = clientKey.getPublicSSH();

  const changes = new EventEmitter();
  changes.setMaxListeners(100);
  const sockets = new Set<net.Socket>();
  /** Sockets handed to ssh2, those paused by freeze(), and those accepted while frozen. */
  const injected = new Set<net.Socket>();
  const paused = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  let frozen = false;
  const timers = new Set<NodeJS.Timeout>();
  const execs: string[] = [];
  const tcpipRequests: { host: string; port: number }[] = [];
  const tcpipOpen = new Set<object>();
  let hostKey = newHostKey();
  const sessionsOpen = new Set<object>();
  let accepted = 0;
  let channelsRefused = 0;
  let peakConnections = 0;
  let peakChannels = 0;
  const changed = (): void => {
    peakConnections = Math.max(peakConnections, sockets.size);
    peakChannels = Math.max(peakChannels, sessionsOpen.size);
    changes.emit('change');
  };

  let authAttempts = 0;
  const authenticate = (ctx: AuthContext): void => {
    authAttempts++;
    if (ctx.method === 'publickey') {
      const ok =
        ctx.key.algo === clientKey.type &&
        sameBytes(ctx.key.data, clientKeySsh) &&
        // No signature: the client only asks whether this key would do (then signs and asks again).
        (!ctx.signature ||
          (ctx.blob !== undefined && clientKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo)));
      return ok ? ctx.accept() : ctx.reject();
    }
    if (ctx.method === 'password' && opts.password !== undefined) {
      return sameBytes(Buffer.from(ctx.password), Buffer.from(opts.password)) ? ctx.accept() : ctx.reject();
    }
    ctx.reject();
  };

  const onConnection = (client: Connection): void => {
    // This connection's sessions, counted until freed; the connection's end frees them all at once
    // (whichever comes first of that and a late release is the one that counts).
    const mine = new Set<object>();
    const free = (session: object): void => {
      if (!mine.delete(session)) return;
      sessionsOpen.delete(session);
      changed();
    };
    client.on('authentication', authenticate);
    client.on('session', (accept, reject) => {
      if (opts.maxSessions !== undefined && mine.size >= opts.maxSessions) {
        channelsRefused++;
        reject();
        changed();
        return;
      }
      const session = accept();
      mine.add(session);
      sessionsOpen.add(session);
      changed();
      session.once('close', () => {
        const lag = opts.sessionReleaseDelayMs ?? 0;
        if (lag === 0) return free(session);
        const t = setTimeout(() => {
          timers.delete(t);
          free(session);
        }, lag);
        timers.add(t);
      });
      session.once('exec', (acceptExec, _rejectExec, info) => {
        execs.push(info.command);
        changed();
        runCommand(info.command, acceptExec(), timers);
      });
    });
    // direct-tcpip (a client's port forward): connects to the destination from here, as sshd does
    // from the host, and refuses the channel (CONNECT_FAILED) when that connect fails.
    client.on('tcpip', (accept, reject, info) => {
      tcpipRequests.push({ host: info.destIP, port: info.destPort });
      const out = net.connect({ host: info.destIP, port: info.destPort });
      out.once('error', () => reject());
      out.once('connect', () => {
        const ch = accept();
        tcpipOpen.add(ch);
        changed();
        ch.once('close', () => {
          tcpipOpen.delete(ch);
          out.destroy();
          changed();
        });
        out.on('error', () => ch.destroy());
        ch.on('error', () => out.destroy());
        out.pipe(ch).on('error', () => undefined);
        ch.pipe(out);
      });
    });
    // Silence socket errors (a client that resets): the tests look at counts, not at these.
    client.on('error', () => undefined);
    client.on('close', () => {
      for (const s of [...mine]) free(s);
    });
  };

  let ssh = new Server({ hostKeys: [hostKey.privateKey] }, onConnection);
  const tcp = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    // Without this, Nagle and delayed ACKs add ~40 ms to every round trip of the handshake.
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      changed();
    });
    changed();
    // Read and drop whatever a silent server is sent, so it sees the client's close.
    if (opts.silent) return void socket.resume();
    const server = ssh;
    if (opts.handshakeDelayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!socket.destroyed) inject(socket, server);
      }, opts.handshakeDelayMs);
      timers.add(t);
    } else inject(socket, server);
  });
  function inject(socket: net.Socket, server: Server): void {
    if (frozen) {
      held.add(socket);
      return;
    }
    injected.add(socket);
    socket.once('close', () => injected.delete(socket));
    server.injectSocket(socket);
  }

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => {
        tcp.off('error', reject);
        resolve((tcp.address() as net.AddressInfo).port);
      });
    });
  const kill = (): void => {
    for (const s of sockets) s.destroy();
  };
  const stop = async (): Promise<void> => {
    frozen = false;
    paused.clear();
    held.clear();
    for (const t of timers) clearTimeout(t);
    timers.clear();
    kill();
    if (tcp.listening) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  };
  const port = await listen(0);

  return {
    port,
    get hostKey() {
      return hostKey.publicKey;
    },
    get fingerprint() {
      return hostKey.fingerprint;
    },
    clientKeyFile,
    get connections() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    get channelsOpen() {
      return sessionsOpen.size;
    },
    get channelsRefused() {
      return channelsRefused;
    },
    get peakConnections() {
      return peakConnections;
    },
    get peakChannels() {
      return peakChannels;
    },
    get authAttempts() {
      return authAttempts;
    },
    execs,
    tcpipRequests,
    get tcpipOpen() {
      return tcpipOpen.size;
    },
    resetPeaks() {
      peakConnections = sockets.size;
      peakChannels = sessionsOpen.size;
    },
    until(pred, timeoutMs = 5_000, what = 'the condition') {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pred()) return;
          changes.off('change', check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          changes.off('change', check);
          reject(new Error(`ssh test server: ${what} did not happen within ${timeoutMs} ms`));
        }, timeoutMs);
        changes.on('change', check);
        check();
      });
    },
    freeze() {
      frozen = true;
      // ssh2 resumes a socket only once, when it takes it over: a pause now sticks.
      for (const socket of injected) {
        socket.pause();
        paused.add(socket);
      }
    },
    thaw() {
      frozen = false;
      for (const socket of paused) socket.resume();
      paused.clear();
      for (const socket of held) if (!socket.destroyed) inject(socket, ssh);
      held.clear();
    },
    kill,
    stop,
    async restart(o = {}) {
      await stop();
      if (o.newHostKey) {
        hostKey = newHostKey();
        ssh = new Server({ hostKeys: [hostKey.privateKey] }, onConnection);
      }
      await listen(port);
    },
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
