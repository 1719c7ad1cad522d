// A container's log as a flow-controlled stream: stdout and stderr told apart with docker-modem's
// demuxer (a container with a tty has one raw stream), split into lines with Docker's timestamps.
// Pausing the source pauses the HTTP response, so its SSH channel stops and the engine waits.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type { DockerLogEvent } from '../../../shared/api/docker-domain';
import type { StreamSource } from '../../lib/area';
import { mapDockerError } from './docker-errors';
import type { Engine } from './engines';

/** Longer lines are cut into pieces of this many characters. */
export const MAX_LINE = 16 * 1024;
/** Lines sent in one event. */
const LINES_PER_EVENT = 256;

/**
 * Splits a byte stream into [timestamp, text] lines (Docker puts "2024-…Z " before each line when
 * asked for timestamps); a partial line waits for the rest, a character is never split.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly timestamps: boolean) {}

  push(chunk: Buffer): [string, string][] {
    const text = this.rest + this.decoder.write(chunk);
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    const out = parts.map((l) => this.line(l));
    // A line with no end in sight is cut rather than held without bound.
    while (this.rest.length > MAX_LINE) {
      out.push(this.line(this.rest.slice(0, MAX_LINE)));
      this.rest = this.rest.slice(MAX_LINE);
    }
    return out.flatMap((l) => this.cut(l));
  }

  end(): [string, string][] {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    return last ? this.cut(this.line(last)) : [];
  }

  private line(raw: string): [string, string] {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.timestamps) return ['', l];
    const sp = l.indexOf(' ');
    return sp > 0 && /^\d{4}-\d\d-\d\dT/.test(l) ? [l.slice(0, sp), l.slice(sp + 1)] : ['', l];
  }

  private cut([ts, text]: [string, string]): [string, string][] {
    if (text.length <= MAX_LINE) return [[ts, text]];
    const out: [string, string][] = [];
    for (let i = 0; i < text.length; i += MAX_LINE) out.push([ts, text.slice(i, i + MAX_LINE)]);
    return out;
  }
}

export interface LogOptions {
  follow: boolean;
  since?: number | undefined;
  tail?: number | undefined;
}

export function logSource(engine: Engine, id: string, o: LogOptions): StreamSource<DockerLogEvent> {
  let res: IncomingMessage | null = null;
  let stopped = false;
  let paused = false;
  let ended = false;
  let emit: (e: DockerLogEvent) => void = () => {};
  const end = (reason: string | null): void => {
    if (ended || stopped) return;
    ended = true;
    emit({ t: 'end', reason });
  };
  const sink = (s: 'out' | 'err', split: LineSplitter): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        const lines = split.push(chunk);
        for (let i = 0; i < lines.length; i += LINES_PER_EVENT) {
          emit({ t: 'lines', s, lines: lines.slice(i, i + LINES_PER_EVENT) });
        }
        cb();
      },
    });
  const open = async (): Promise<void> => {
    const container = engine.docker.getContainer(id);
    const info = await container.inspect();
    const tty = info.Config?.Tty === true;
    const tail = o.tail ?? (o.since !== undefined ? undefined : 500);
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(tail !== undefined ? { tail } : {}),
      // follow=false would make dockerode buffer the whole log: stop at "now" instead.
      ...(o.follow ? {} : { until: Math.floor(Date.now() / 1000) + 1 }),
    })) as IncomingMessage;
    if (stopped) {
      stream.destroy();
      return;
    }
    res = stream;
    const outSplit = new LineSplitter(true);
    const errSplit = new LineSplitter(true);
    const out = sink('out', outSplit);
    const err = sink('err', errSplit);
    if (tty) stream.on('data', (d: Buffer) => out.write(d));
    else engine.docker.modem.demuxStream(stream, out, err);
    if (paused) stream.pause();
    stream.on('end', () => {
      for (const [s, split] of [
        ['out', outSplit],
        ['err', errSplit],
      ] as const) {
        const rest = split.end();
        if (rest.length) emit({ t: 'lines', s, lines: rest });
      }
      end(o.follow ? 'The container stopped; its log ended.' : null);
    });
    stream.on('error', (e: Error) => end(`The log stream broke: ${e.message}`));
    stream.on('close', () => end(o.follow ? `The log stream from ${engine.hostName} closed.` : null));
  };
  return {
    start(e) {
      emit = e;
      open().catch((err: unknown) => end(mapDockerError(err, engine.hostName, `container ${id}`).message));
    },
    pause() {
      paused = true;
      res?.pause();
    },
    resume() {
      paused = false;
      res?.resume();
    },
    stop() {
      stopped = true;
      res?.destroy();
    },
  };
}
