import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlowChannel, type StreamSource } from './flow';

/** A source that emits whenever told, and records pause/resume like an ssh2 stream would. */
function fakeSource() {
  let emit: ((e: string) => void) | null = null;
  const calls: string[] = [];
  const source: StreamSource<string> = {
    start: (e) => {
      emit = e;
      calls.push('start');
    },
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    stop: () => calls.push('stop'),
  };
  return { source, calls, emit: (s: string) => emit!(s) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('FlowChannel', () => {
  it('batches events that arrive within the batch window into one message', () => {
    const { source, emit } = fakeSource();
    const sent: [string[], number][] = [];
    const ch = new FlowChannel(source, (items, bytes) => sent.push([items, bytes]), { batchMs: 5 });
    ch.start();
    emit('ab');
    emit('cde');
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(5);
    expect(sent).toEqual([[['ab', 'cde'], 5]]);
  });

  it('sends at once when the client has caught up, and batches while batches are in flight', () => {
    const { source, emit } = fakeSource();
    const sent: string[][] = [];
    const ch = new FlowChannel(source, (items) => sent.push(items), { batchMs: 5 });
    ch.start();
    emit('k');
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['k']]);
    // 'k' is not acknowledged yet: what follows is coalesced for 5 ms.
    emit('a');
    emit('b');
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(5);
    expect(sent).toEqual([['k'], ['a', 'b']]);
    ch.ack(3);
    emit('z');
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['k'], ['a', 'b'], ['z']]);
  });

  it('pauses the source above the high watermark and resumes below the low one', () => {
    const { source, calls, emit } = fakeSource();
    const sent: number[] = [];
    const ch = new FlowChannel(source, (_i, bytes) => sent.push(bytes), {
      highWatermark: 100,
      lowWatermark: 20,
      maxBatchBytes: 50,
    });
    ch.start();
    for (let i = 0; i < 11; i++) emit('x'.repeat(10)); // 110 bytes, nothing acknowledged
    expect(calls).toContain('pause');
    expect(ch.isPaused).toBe(true);
    vi.advanceTimersByTime(5);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(110);
    ch.ack(50);
    expect(ch.isPaused).toBe(true); // 60 pending: still above low
    ch.ack(50);
    expect(ch.isPaused).toBe(false);
    expect(calls.filter((c) => c === 'resume')).toHaveLength(1);
    expect(ch.peakBytes).toBe(110);
  });

  it('delivers all of 100 KB through a slow consumer, in order, with pending bytes bounded', async () => {
    const { source, emit } = fakeSource();
    let paused = false;
    source.pause = () => (paused = true);
    source.resume = () => (paused = false);
    const received: string[] = [];
    let pauses = 0;
    source.pause = () => {
      pauses++;
      paused = true;
    };
    // The consumer takes its time: each batch is acknowledged 3 ms after it arrived.
    const ch = new FlowChannel(
      source,
      (items, bytes) => {
        received.push(...items);
        setTimeout(() => ch.ack(bytes), 3);
      },
      { highWatermark: 1000, lowWatermark: 100, maxBatchBytes: 200 },
    );
    ch.start();
    const total = 100_000;
    let produced = 0;
    let seq = 0;
    for (let round = 0; round < 10_000 && received.join('').length < total; round++) {
      while (!paused && produced < total) {
        // 64-byte chunks that say where they belong, so loss or reordering shows.
        const chunk = `${String(seq++).padStart(8, '0')}${'y'.repeat(56)}`;
        emit(chunk);
        produced += chunk.length;
      }
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(produced).toBe(total - (total % 64) + 64);
    const all = received.join('');
    expect(all.length).toBe(produced);
    expect(received).toEqual(
      Array.from({ length: seq }, (_, i) => `${String(i).padStart(8, '0')}${'y'.repeat(56)}`),
    );
    // The consumer was slower than the producer: the source had to wait, and memory stayed bounded.
    expect(pauses).toBeGreaterThan(10);
    expect(ch.peakBytes).toBeLessThanOrEqual(1000 + 64);
    await vi.advanceTimersByTimeAsync(10); // the last acknowledgements
    expect(ch.pending).toBe(0);
  });

  it('stops the source and drops queued events on close; ignores bogus acks', () => {
    const { source, calls, emit } = fakeSource();
    const sent: unknown[] = [];
    const ch = new FlowChannel(source, (items) => sent.push(items));
    ch.start();
    emit('late');
    ch.ack(Number.NaN);
    ch.ack(-5);
    ch.close();
    vi.advanceTimersByTime(50);
    emit('after close');
    expect(sent).toHaveLength(0);
    expect(calls).toEqual(['start', 'stop']);
  });
});
