// One host's collector: a long-lived shell on one channel running resources/metrics/collector.sh.
// Each interval it writes a tick on the shell's stdin and reads back one record; a host that has
// not answered the last tick is not asked again (no backlog builds up anywhere).
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import { toSample, userFigures, userPoint, type Carried, type Reading, type UserPoint } from './rates';
import { distinctMounts, gpuProcesses, parseHeader, parseRecord, type CollectorHeader } from './record';

export interface HostCollectorOptions {
  intervalMs: number;
  onSample: (s: HostMetricsSample) => void;
  /** The channel closed by itself (the shell died, the link dropped). */
  onExit: (reason: string) => void;
  now?: () => number;
}

export class HostCollector {
  private channel: Duplex | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private block: string[] = [];
  private header: CollectorHeader | null = null;
  private waiting = false;
  private previous: Reading | null = null;
  private carried: Carried = { mounts: [], gpuProcesses: [], users: [], usersFrom: null };
  private previousUsers: UserPoint | null = null;
  private stopped = false;
  /** Ticks not sent because the host had not answered the one before. */
  missed = 0;
  /** Collector lines that could not be read. */
  skipped = 0;

  constructor(
    readonly hostId: number,
    private readonly opts: HostCollectorOptions,
  ) {}

  /** Takes over an opened channel running the collector. */
  attach(channel: Duplex): void {
    this.channel = channel;
    channel.on('data', (b: Buffer) => this.data(b));
    channel.on('error', () => undefined); // 'close' follows and says it
    channel.on('close', () => {
      const wasRunning = !this.stopped;
      this.stop();
      if (wasRunning) this.opts.onExit('the collector stopped');
    });
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.channel?.destroy();
    this.channel = null;
  }

  private tick(): void {
    if (!this.channel || !this.header) return;
    if (this.waiting) {
      this.missed++;
      return;
    }
    this.waiting = true;
    this.channel.write('\n');
  }

  private data(b: Buffer): void {
    const text = this.partial + this.decoder.write(b);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line !== 'E') {
        // A runaway block (never ended) is cut rather than grown without bound.
        if (this.block.length < 10_000) this.block.push(line);
        continue;
      }
      const block = this.block;
      this.block = [];
      if (!this.header) {
        this.header = parseHeader(block);
        this.tick(); // the first record at once, so rates start a second later
      } else {
        this.waiting = false;
        this.record(block);
      }
    }
  }

  private record(lines: string[]): void {
    const record = parseRecord(lines);
    this.skipped += record.skipped;
    const reading = { ts: (this.opts.now ?? Date.now)(), record };
    if (record.mounts) this.carried.mounts = distinctMounts(record.mounts);
    const names = this.header?.users ?? new Map<number, string>();
    for (const [uid, name] of record.names) names.set(uid, name);
    const procs = gpuProcesses(record, names);
    if (procs) this.carried.gpuProcesses = procs;
    const users = userPoint(reading);
    if (users) {
      this.carried.users = userFigures(this.previousUsers, users, names);
      this.carried.usersFrom = users.reading.source;
      this.previousUsers = users;
    }
    const sample = toSample(this.hostId, this.previous, reading, this.carried);
    this.previous = reading;
    this.opts.onSample(sample);
  }
}
