// A command on a pooled channel whose output is consumed as it comes: stdout and stderr as
// flow-controlled events (the channel is paused, not buffered, while the consumer is behind), the
// exit code or signal at the end, output capped with an explicit "truncated" flag, and a cancel that
// really stops the remote process group — a signal, then the channel closed.
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { StreamSource } from '../../lib/area';
import { shCommand } from './quote';
import type { Lease } from './types';

export type ExecEvent = { t: 'out'; d: string } | { t: 'err'; d: string } | ({ t: 'end' } & ExecEnd);

export interface ExecEnd {
  code: number | null;
  signal: string | null;
  /** More output came than `maxBytes`: the rest was read and dropped. */
  truncated: boolean;
  cancelled: boolean;
  /** Why it ended without an exit status (the link dropped), else null. */
  reason: string | null;
  bytesOut: number;
  bytesErr: number;
}

export interface ExecStreamOptions {
  /** Output forwarded at most (stdout and stderr together); default 64 MiB. */
  maxBytes?: number;
  /** After a cancel, how long the process gets to stop before it is killed and the channel closed. */
  graceMs?: number;
}

/**
 * Runs the command in its own session and process group (setsid), prints the wrapper's pid first
 * (so a cancel can reach it even where sshd ignores signal requests), and passes TERM/INT/HUP on
 * to the whole group: a pipeline or a backgrounded child stops too, not only the shell.
 */
export const GROUP_WRAPPER = [
  `printf '${'\\036'}labdeck-pid=%s\\n' "$$" >&2`,
  'setsid sh -c "$1" </dev/null &',
  'p=$!',
  'stopping=',
  `stop() { stopping=1; kill -s "$1" -- -"$p" 2>/dev/null; }`,
  `trap 'stop TERM' TERM INT HUP`,
  `trap 'stop KILL' USR1`,
  'while :; do wait "$p"; r=$?; kill -0 "$p" 2>/dev/null || break; done',
  // Cancelled: stay until the whole group is gone (at most 30 s), so a KILL can still reach what
  // ignored TERM. (dash's kill takes a process group only as `-s SIG -- -PGID`.)
  'n=0',
  'if [ -n "$stopping" ]; then while [ $n -lt 300 ] && kill -s 0 -- -"$p" 2>/dev/null; do n=$((n+1)); sleep 0.1; done; fi',
  'exit "$r"',
].join('\n');

// The record separator (0x1e) marks our line: no command's stderr starts that way by accident.
// eslint-disable-next-line no-control-regex
const PID_LINE = /^\x1elabdeck-pid=(\d+)\n/;

export function wrapCommand(command: string): string {
  return shCommand(['sh', '-c', GROUP_WRAPPER, 'labdeck', command]);
}

/** Runs a small command on the same host (for the kill fallback). */
export type SideExec = (command: string) => Promise<unknown>;

export class ExecStream implements StreamSource<ExecEvent> {
  readonly done: Promise<ExecEnd>;
  private resolveDone!: (e: ExecEnd) => void;
  private emit: ((e: ExecEvent) => void) | null = null;
  private readonly out = new StringDecoder('utf8');
  private readonly err = new StringDecoder('utf8');
  private pending: ExecEvent[] = [];
  private forwarded = 0;
  private bytesOut = 0;
  private bytesErr = 0;
  private truncated = false;
  private cancelled = false;
  private exit: { code: number | null; signal: string | null } | null = null;
  private ended: ExecEnd | null = null;
  private remotePid: number | null = null;
  private pidSaid!: () => void;
  /** Settles once the wrapper's pid line has been read (or shown not to come). */
  private readonly pidKnown = new Promise<void>((r) => (this.pidSaid = r));
  private errHead = '';
  private readonly maxBytes: number;
  private readonly graceMs: number;

  constructor(
    private readonly channel: ClientChannel,
    private readonly lease: Lease,
    private readonly sideExec: SideExec,
    opts: ExecStreamOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.graceMs = opts.graceMs ?? 3000;
    this.done = new Promise((r) => (this.resolveDone = r));
    // Nothing is read until a consumer starts: the remote side waits in its SSH window.
    this.flow('pause');
    channel.on('data', (b: Buffer) => this.data('out', b));
    channel.stderr.on('data', (b: Buffer) => this.data('err', b));
    channel.on('exit', (code: number | null, signal?: string) => {
      this.exit = { code: code ?? null, signal: signal ?? null };
    });
    channel.on('close', () => this.finish());
  }

  /** The pid of the wrapper on the host, once it has said it. */
  get pid(): number | null {
    return this.remotePid !== null && this.remotePid > 0 ? this.remotePid : null;
  }

  start(emit: (e: ExecEvent) => void): void {
    this.emit = emit;
    for (const e of this.pending.splice(0)) emit(e);
    if (!this.ended) this.resume();
  }

  pause(): void {
    if (!this.ended && !this.cancelled) this.flow('pause');
  }

  resume(): void {
    if (!this.ended) this.flow('resume');
  }

  /** The consumer went away: stop the command. */
  stop(): void {
    this.emit = null;
    if (!this.ended) void this.cancel();
  }

  /**
   * TERM to the process group (by an SSH signal request, and by pid in case sshd ignores those),
   * then after the grace period KILL and the channel closed. Resolves when the channel has closed.
   */
  async cancel(): Promise<ExecEnd> {
    if (this.ended) return this.ended;
    if (!this.cancelled) {
      this.cancelled = true;
      // Whatever is still in flight is read and dropped, so the remote side is not left blocked.
      this.flow('resume');
      // The pid line may still be on its way (a stream cancelled before it was started).
      await Promise.race([this.pidKnown, new Promise((r) => setTimeout(r, 1000).unref())]);
      void this.signal('TERM');
      const killAfter = setTimeout(() => {
        // The channel closes only once the KILL has been delivered: sshd ends the session (and
        // with it the wrapper that would pass the KILL on) when the channel closes.
        void this.signal('KILL').finally(() => this.channel.close());
      }, this.graceMs);
      killAfter.unref();
      void this.done.then(() => clearTimeout(killAfter));
    }
    return this.done;
  }

  /**
   * Through the wrapper's pid (a second, short exec): TERM is passed on to the command's process
   * group, USR1 makes the wrapper KILL it. An SSH "signal" request is only the fallback for a
   * command that has not said its pid: sshd delivers it to the session's whole process group,
   * which would end the wrapper before it could pass anything on.
   */
  private async signal(sig: 'TERM' | 'KILL'): Promise<void> {
    if (this.remotePid !== null && this.remotePid > 0) {
      const cmd = shCommand(['kill', `-${sig === 'TERM' ? 'TERM' : 'USR1'}`, String(this.remotePid)]);
      await this.sideExec(cmd).catch(() => undefined);
      return;
    }
    try {
      this.channel.signal(sig);
    } catch {
      /* the channel may already be closing */
    }
  }

  private flow(how: 'pause' | 'resume'): void {
    this.channel[how]();
    this.channel.stderr[how]();
  }

  private data(kind: 'out' | 'err', buf: Buffer): void {
    if (kind === 'err' && this.remotePid === null) {
      // The wrapper's first stderr line is its pid; it is not the command's output.
      this.errHead += buf.toString('latin1');
      const m = PID_LINE.exec(this.errHead);
      if (!m) {
        if (this.errHead.length < 64 && !this.errHead.includes('\n')) return;
        this.remotePid = -1; // not our wrapper's line: pass everything on
        buf = Buffer.from(this.errHead, 'latin1');
        this.pidSaid();
      } else {
        this.remotePid = Number(m[1]);
        buf = Buffer.from(this.errHead.slice(m[0].length), 'latin1');
        this.pidSaid();
      }
      this.errHead = '';
      if (buf.length === 0) return;
    }
    if (kind === 'out') this.bytesOut += buf.length;
    else this.bytesErr += buf.length;
    if (this.cancelled) return;
    const room = this.maxBytes - this.forwarded;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (buf.length > room) {
      this.truncated = true;
      buf = buf.subarray(0, room);
    }
    this.forwarded += buf.length;
    const d = (kind === 'out' ? this.out : this.err).write(buf);
    if (d) this.push({ t: kind, d });
  }

  private push(e: ExecEvent): void {
    if (this.emit) this.emit(e);
    else this.pending.push(e);
  }

  private finish(): void {
    if (this.ended) return;
    this.pidSaid();
    const restOut = this.out.end();
    const restErr = this.err.end();
    if (restOut && !this.cancelled) this.push({ t: 'out', d: restOut });
    if (restErr && !this.cancelled) this.push({ t: 'err', d: restErr });
    this.ended = {
      code: this.exit?.code ?? null,
      signal: this.exit?.signal ?? null,
      truncated: this.truncated,
      cancelled: this.cancelled,
      reason: this.exit || this.cancelled ? null : 'the connection was lost before the command finished',
      bytesOut: this.bytesOut,
      bytesErr: this.bytesErr,
    };
    this.push({ t: 'end', ...this.ended });
    this.lease.release();
    this.resolveDone(this.ended);
  }
}
