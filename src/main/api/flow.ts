// One flow-controlled stream subscription: events are batched (~5 ms while earlier batches are still
// unacknowledged; at once when the client has caught up, so an echo is not delayed), each batch is sent with its
// size, and the client acknowledges that size once it has processed the batch. When unacknowledged
// plus queued bytes pass the high watermark the source is paused; below the low watermark it resumes.
// Memory therefore stays bounded by the watermarks whatever the source's rate.

import type { StreamSource } from '../lib/area';

export type { StreamSource } from '../lib/area';

export interface FlowOptions {
  batchMs?: number;
  highWatermark?: number;
  lowWatermark?: number;
  /** A batch is flushed early once it holds this many bytes. */
  maxBatchBytes?: number;
  sizeOf?: (event: unknown) => number;
}

export const FLOW_DEFAULTS = {
  batchMs: 5,
  highWatermark: 256 * 1024,
  lowWatermark: 32 * 1024,
  maxBatchBytes: 64 * 1024,
} as const;

const defaultSize = (e: unknown): number =>
  typeof e === 'string' ? e.length : (JSON.stringify(e)?.length ?? 0);

export class FlowChannel<E> {
  private queue: E[] = [];
  private queuedBytes = 0;
  private unacked = 0;
  private paused = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly o: Required<FlowOptions>;
  /** Largest unacknowledged+queued byte count seen; exposed for tests and benchmarks. */
  peakBytes = 0;

  constructor(
    private readonly source: StreamSource<E>,
    private readonly send: (items: E[], bytes: number) => void,
    options: FlowOptions = {},
  ) {
    this.o = { ...FLOW_DEFAULTS, sizeOf: defaultSize, ...options };
  }

  start(): void {
    this.source.start((e) => this.push(e));
  }

  get pending(): number {
    return this.unacked + this.queuedBytes;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private push(event: E): void {
    if (this.closed) return;
    this.queue.push(event);
    this.queuedBytes += this.o.sizeOf(event);
    this.peakBytes = Math.max(this.peakBytes, this.pending);
    if (this.queuedBytes >= this.o.maxBatchBytes) this.flush();
    else if (!this.timer && !this.immediate && this.unacked === 0) {
      // The client has caught up (e.g. a keystroke's echo): send at the end of this I/O turn
      // rather than 5 ms later. While batches are in flight, coalesce for batchMs.
      this.immediate = setImmediate(() => this.flush());
    } else if (!this.immediate) this.timer ??= setTimeout(() => this.flush(), this.o.batchMs);
    if (!this.paused && this.pending > this.o.highWatermark) {
      this.paused = true;
      this.source.pause();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.closed || this.queue.length === 0) return;
    const items = this.queue;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    this.unacked += bytes;
    this.send(items, bytes);
  }

  ack(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.pending < this.o.lowWatermark) {
      this.paused = false;
      this.source.resume();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.queue = [];
    this.source.stop();
  }
}
