// Interactive shells on hosts: a pty channel on the host's pooled connection (so it counts against
// that host's channel accounting), its output decoded as UTF-8 without ever splitting a character,
// and flow-controlled by whoever streams it (the channel is paused, not buffered, when the viewer
// falls behind). As another user: `su -l` when the login user is root, `sudo -n -i -u` otherwise.
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { TerminalEvent, TerminalInfo, TerminalSummary } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { StreamSource } from '../../lib/area';
import type { HostStore } from '../hosts/host-store';
import { shCommand } from '../ssh/quote';
import { mapChannelError } from '../ssh/ssh-errors';
import { openChannel, type Lease, type SshPool } from '../ssh/ssh-pool';

/** Runs a login shell as "$1": no user data is ever part of the script itself. */
export const AS_USER_SCRIPT =
  'if [ "$(id -u)" = 0 ]; then exec su -l -- "$1"; else exec sudo -n -i -u "$1"; fi';
/**
 * The same switch with `true` for a command, without a pty: whether it works at all, and if not,
 * what su or sudo says (no sudo rights, a password required, no such user, a nologin shell).
 */
export const AS_USER_CHECK =
  'if [ "$(id -u)" = 0 ]; then exec su -l -c true -- "$1"; else exec sudo -n -i -u "$1" true; fi </dev/null';
const TERM = 'xterm-256color';
const READ_BUFFER = 64 * 1024;

interface Session {
  info: TerminalInfo;
  channel: ClientChannel;
  lease: Lease;
  decoder: StringDecoder;
  bytesIn: number;
  bytesOut: number;
  emit: ((e: TerminalEvent) => void) | null;
  exit: { code: number | null; signal: string | null } | null;
  ended: TerminalEvent | null;
  /** Closed by a person (its close is recorded by that call), not ended by itself. */
  closing: boolean;
}

/** A session around a just-opened pty channel; its listeners attach before any event can fire. */
function wire(
  channel: ClientChannel,
  info: TerminalInfo,
  lease: Lease,
  hostName: string,
  onEnded: (s: Session) => void,
): Session {
  const s: Session = {
    info,
    channel,
    lease,
    decoder: new StringDecoder('utf8'),
    bytesIn: 0,
    bytesOut: 0,
    emit: null,
    exit: null,
    ended: null,
    closing: false,
  };
  // ssh2 buffers up to 2 MiB per channel before it stops granting the remote more window. A
  // smaller buffer means less output already in flight when the viewer falls behind — which is
  // what a Ctrl-C during a flood has to wait for.
  const state = (channel as unknown as { _readableState?: { highWaterMark: number } })._readableState;
  if (state) state.highWaterMark = READ_BUFFER;
  // Nothing flows until a viewer attaches: the remote side waits in its SSH window meanwhile.
  flow(s, 'pause');
  const onData = (buf: Buffer): void => {
    s.bytesOut += buf.length;
    const text = s.decoder.write(buf);
    if (text) s.emit?.({ t: 'data', d: text });
  };
  channel.on('data', onData);
  channel.stderr.on('data', onData);
  channel.on('exit', (code: number | null, signal?: string) => {
    s.exit = { code: code ?? null, signal: signal ?? null };
  });
  channel.on('close', () => {
    const rest = s.decoder.end();
    if (rest) s.emit?.({ t: 'data', d: rest });
    s.ended = {
      t: 'exit',
      code: s.exit?.code ?? null,
      signal: s.exit?.signal ?? null,
      reason: s.exit
        ? null
        : `The connection to ${hostName} was lost. The scrollback is kept; reconnect when the host is back.`,
    };
    s.emit?.(s.ended);
    lease.release();
    if (!s.closing) onEnded(s);
  });
  return s;
}

/** Output and stderr (unused with a pty, but the remote may still write it) flow or stop together. */
function flow(s: Session, how: 'pause' | 'resume'): void {
  s.channel[how]();
  s.channel.stderr[how]();
}

/** A shell that ended by itself (exit, or its link lost) while its tab stayed open. */
export interface TerminalEnded {
  info: TerminalInfo;
  code: number | null;
  signal: string | null;
  reason: string | null;
  durationMs: number;
}

export class TerminalService {
  private readonly sessions = new Map<string, Session>();
  /** Told when a shell ends by itself, so the history can say so before its tab is closed. */
  onEnded: (e: TerminalEnded) => void = () => {};

  constructor(
    private readonly pool: SshPool,
    private readonly hosts: HostStore,
    private readonly now: () => number = Date.now,
  ) {}

  get openCount(): number {
    return this.sessions.size;
  }

  async open(o: {
    hostId: number;
    asUser?: string | undefined;
    cols: number;
    rows: number;
  }): Promise<TerminalInfo> {
    const host = this.hosts.get(o.hostId);
    const asOther = o.asUser && o.asUser !== host.user ? o.asUser : null;
    // A shell as another user that cannot start would only show a dead tab: check first.
    if (asOther) await this.checkSwitch(o.hostId, host.name, host.user, asOther);
    const lease = await this.pool.acquire(o.hostId);
    const pty = { term: TERM, cols: o.cols, rows: o.rows, width: 0, height: 0 };
    const info: TerminalInfo = {
      id: randomUUID(),
      hostId: o.hostId,
      hostName: host.name,
      user: o.asUser ?? host.user,
      startedAt: this.now(),
    };
    let s: Session | null = null;
    try {
      await openChannel(
        (done) => {
          if (asOther) {
            lease.client.exec(shCommand(['sh', '-c', AS_USER_SCRIPT, 'labdeck', asOther]), { pty }, done);
          } else {
            lease.client.shell(pty, { env: { LANG: 'C.UTF-8' } }, done);
          }
        },
        (channel) =>
          (s = wire(channel, info, lease, host.name, (ended) => {
            const end = ended.ended as Extract<TerminalEvent, { t: 'exit' }>;
            this.onEnded({
              info: ended.info,
              code: end.code,
              signal: end.signal,
              reason: end.reason,
              durationMs: this.now() - ended.info.startedAt,
            });
          })),
      );
    } catch (err) {
      lease.release();
      throw mapChannelError(err, host.name);
    }
    this.sessions.set(info.id, s!);
    return info;
  }

  private async checkSwitch(hostId: number, hostName: string, login: string, user: string): Promise<void> {
    const r = await this.pool.exec(hostId, shCommand(['sh', '-c', AS_USER_CHECK, 'labdeck', user]), {
      timeoutMs: 15_000,
      maxBytes: 4096,
    });
    if (r.code === 0) return;
    const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 300);
    const noRights = /password is required|not in the sudoers|not allowed|may not run/i.test(said);
    const next = noRights
      ? `Give ${login} passwordless sudo on ${hostName} (a NOPASSWD rule in /etc/sudoers.d), or log in as ${user} directly.`
      : /unknown user|does not exist|no passwd entry/i.test(said)
        ? `Check the user name: ${user} does not exist on ${hostName}.`
        : `Check that ${user} has a login shell on ${hostName}.`;
    throw new ApiError(
      'PERMISSION_DENIED',
      `Cannot open a shell as ${user} on ${hostName}: ${said || `the switch exited with ${r.code ?? r.signal}`}. ${next}`,
    );
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new ApiError('NOT_FOUND', 'This terminal is closed.');
    return s;
  }

  input(id: string, data: string): void {
    const s = this.get(id);
    if (s.ended) return;
    s.bytesIn += Buffer.byteLength(data);
    s.channel.write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    const s = this.get(id);
    if (!s.ended) s.channel.setWindow(rows, cols, 0, 0);
  }

  close(id: string): TerminalSummary & { hostName: string; hostId: number; user: string } {
    const s = this.get(id);
    this.sessions.delete(id);
    s.emit = null;
    if (!s.ended) {
      s.closing = true;
      // ssh2 emits 'close' (which counts the channel back) only once the output is drained, so
      // let whatever is still in flight run out, unread.
      flow(s, 'resume');
      s.channel.close();
    }
    return {
      durationMs: this.now() - s.info.startedAt,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      hostName: s.info.hostName,
      hostId: s.info.hostId,
      user: s.info.user,
    };
  }

  /** The output stream of a terminal, for one viewer at a time. */
  source(id: string): StreamSource<TerminalEvent> {
    const s = this.get(id);
    let mine: ((e: TerminalEvent) => void) | null = null;
    return {
      start: (emit) => {
        mine = emit;
        s.emit = emit;
        if (s.ended) emit(s.ended);
        else flow(s, 'resume');
      },
      pause: () => flow(s, 'pause'),
      resume: () => void (s.ended || flow(s, 'resume')),
      stop: () => {
        // A newer viewer may have taken over: only detach ourselves.
        if (s.emit !== mine) return;
        s.emit = null;
        if (!s.ended) flow(s, 'pause');
      },
    };
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
