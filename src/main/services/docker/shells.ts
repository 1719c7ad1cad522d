// Shells inside containers: an exec with a tty, its hijacked stream on a channel of the host's
// pooled connection, flow-controlled like SSH terminals (the stream is paused, not buffered, while
// the viewer is behind) and resizable. Closing a tab ends the shell: the engine has no "kill exec",
// so the shell carries a marker in its environment and a second exec hangs up whatever has it.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Exec } from 'dockerode';
import type { ContainerShellInfo, ContainerShellSummary } from '../../../shared/api/docker-domain';
import type { TerminalEvent } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { StreamSource } from '../../lib/area';
import { mapDockerError } from './docker-errors';
import type { Engine } from './engines';

/** bash when the image has it, else sh; a login-ish shell in the container's working directory. */
export const SHELL_SCRIPT = 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi';

/** Hangs up (then kills) every process whose environment carries the marker "$1". */
export const HANGUP_SCRIPT = [
  'for sig in HUP KILL; do',
  '  n=0',
  '  for p in /proc/[0-9]*; do',
  '    if tr "\\000" "\\n" < "$p/environ" 2>/dev/null | grep -qx "LABDECK_SHELL=$1"; then kill -s $sig "${p#/proc/}" 2>/dev/null && n=$((n+1)); fi',
  '  done',
  '  [ "$n" = 0 ] && exit 0',
  '  sleep 1',
  'done',
].join('\n');

interface Shell {
  info: ContainerShellInfo;
  engine: Engine;
  exec: Exec;
  sock: Duplex;
  marker: string;
  decoder: StringDecoder;
  bytesIn: number;
  bytesOut: number;
  emit: ((e: TerminalEvent) => void) | null;
  ended: TerminalEvent | null;
  /** The size the viewer wants, and whether a resize call is on its way. */
  want: { cols: number; rows: number };
  resizing: boolean;
}

export class ContainerShells {
  private readonly shells = new Map<string, Shell>();
  /** A shell that ended by itself (exit, lost link), for the history. */
  onEnded: (info: ContainerShellInfo, e: Extract<TerminalEvent, { t: 'exit' }>, durationMs: number) => void =
    () => {};

  constructor(private readonly now: () => number = Date.now) {}

  get openCount(): number {
    return this.shells.size;
  }

  async open(engine: Engine, container: string, cols: number, rows: number): Promise<ContainerShellInfo> {
    const marker = randomUUID();
    const c = engine.docker.getContainer(container);
    let sock: Duplex;
    let exec: Exec;
    let name = container;
    try {
      const ci = await c.inspect();
      name = ci.Name.replace(/^\//, '');
      if (!ci.State.Running) {
        throw new ApiError(
          'CONFLICT',
          `${name} on ${engine.hostName} is not running: start it to open a shell.`,
        );
      }
      if (ci.State.Paused) {
        throw new ApiError(
          'CONFLICT',
          `${name} on ${engine.hostName} is paused: unpause it to open a shell.`,
        );
      }
      exec = await c.exec({
        Cmd: ['/bin/sh', '-c', SHELL_SCRIPT],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        Env: ['TERM=xterm-256color', `LABDECK_SHELL=${marker}`],
      });
      sock = await exec.start({ hijack: true, stdin: true, Tty: true });
    } catch (err) {
      throw mapDockerError(err, engine.hostName, `container ${name}`);
    }
    const info: ContainerShellInfo = {
      id: randomUUID(),
      hostId: engine.hostId,
      hostName: engine.hostName,
      containerId: container,
      containerName: name,
      startedAt: this.now(),
    };
    const s: Shell = {
      info,
      engine,
      exec,
      sock,
      marker,
      decoder: new StringDecoder('utf8'),
      bytesIn: 0,
      bytesOut: 0,
      emit: null,
      ended: null,
      want: { cols, rows },
      resizing: false,
    };
    // Nothing flows until a viewer attaches.
    sock.pause();
    sock.on('data', (d: Buffer) => {
      s.bytesOut += d.length;
      const text = s.decoder.write(d);
      if (text) s.emit?.({ t: 'data', d: text });
    });
    sock.on('error', () => undefined);
    sock.on('close', () => void this.finish(s));
    this.shells.set(info.id, s);
    this.resize(info.id, cols, rows);
    return info;
  }

  private async finish(s: Shell): Promise<void> {
    if (s.ended) return;
    const rest = s.decoder.end();
    if (rest) s.emit?.({ t: 'data', d: rest });
    let code: number | null = null;
    let reason: string | null = null;
    try {
      const r = await s.exec.inspect();
      code = r.ExitCode ?? null;
      if (r.Running) reason = `The stream from ${s.info.containerName} on ${s.info.hostName} closed.`;
    } catch {
      reason = `The connection to ${s.info.hostName} was lost. The scrollback is kept; open a new shell when it is back.`;
    }
    const end: Extract<TerminalEvent, { t: 'exit' }> = { t: 'exit', code, signal: null, reason };
    s.ended = end;
    s.emit?.(end);
    if (this.shells.has(s.info.id)) this.onEnded(s.info, end, this.now() - s.info.startedAt);
  }

  private get(id: string): Shell {
    const s = this.shells.get(id);
    if (!s) throw new ApiError('NOT_FOUND', 'This container shell is closed.');
    return s;
  }

  input(id: string, data: string): void {
    const s = this.get(id);
    if (s.ended) return;
    s.bytesIn += Buffer.byteLength(data);
    s.sock.write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    const s = this.get(id);
    if (s.ended) return;
    s.want = { cols, rows };
    if (!s.resizing) this.applySize(s, 0);
  }

  /**
   * One resize call at a time, always with the latest size: right after start the exec may not
   * run yet (the engine refuses), and a stale retry must never undo a newer size.
   */
  private applySize(s: Shell, failures: number): void {
    const size = s.want;
    s.resizing = true;
    s.exec.resize({ h: size.rows, w: size.cols }).then(
      () => {
        s.resizing = false;
        if (s.want !== size && !s.ended) this.applySize(s, 0);
      },
      () => {
        if (failures < 20 && !s.ended) setTimeout(() => this.applySize(s, failures + 1), 50);
        else s.resizing = false;
      },
    );
  }

  close(id: string): ContainerShellSummary & { info: ContainerShellInfo } {
    const s = this.get(id);
    this.shells.delete(id);
    s.emit = null;
    if (!s.ended) {
      s.sock.resume();
      s.sock.end();
      s.sock.destroy();
      void this.hangUp(s);
    }
    return {
      durationMs: this.now() - s.info.startedAt,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      info: s.info,
    };
  }

  /** Closing the stream leaves the exec running: end it and what it started. */
  private async hangUp(s: Shell): Promise<void> {
    try {
      const r = await s.exec.inspect();
      if (!r.Running) return;
      const kill = await s.engine.docker.getContainer(s.info.containerId).exec({
        Cmd: ['/bin/sh', '-c', HANGUP_SCRIPT, 'labdeck', s.marker],
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = (await kill.start({})) as unknown as NodeJS.ReadableStream;
      stream.resume();
    } catch {
      /* the container or the host is gone: nothing left to end */
    }
  }

  source(id: string): StreamSource<TerminalEvent> {
    const s = this.get(id);
    let mine: ((e: TerminalEvent) => void) | null = null;
    return {
      start: (emit) => {
        mine = emit;
        s.emit = emit;
        if (s.ended) emit(s.ended);
        else s.sock.resume();
      },
      pause: () => void s.sock.pause(),
      resume: () => void (s.ended || s.sock.resume()),
      stop: () => {
        if (s.emit !== mine) return;
        s.emit = null;
        if (!s.ended) s.sock.pause();
      },
    };
  }

  closeAll(): void {
    for (const id of [...this.shells.keys()]) this.close(id);
  }
}
