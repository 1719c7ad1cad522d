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

  it('keeps pending bytes bounded when the client acknowledges as it goes', () => {
    const { source, emit } = fakeSource();
    let paused = false;
    source.pause = () => (paused = true);
    source.resume = () => (paused = false);
    const ch = new FlowChannel(source, (_i, bytes) => queueMicrotask(() => ch.ack(bytes)), {
      highWatermark: 1000,
      lowWatermark: 100,
      maxBatchBytes: 200,
    });
    ch.start();
    let produced = 0;
    for (let round = 0; round < 200; round++) {
      while (!paused && produced < 100_000) {
        emit('y'.repeat(64));
        produced += 64;
      }
      vi.advanceTimersByTime(5);
    }
    expect(ch.peakBytes).toBeLessThanOrEqual(1000 + 64);
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
