import { describe, expect, it } from 'vitest';
import type { JobLogLine } from '../../../shared/api/domain';
import { appendLog, chunkLines, EMPTY_LOG } from './log-buffer';

const lines = (from: number, to: number): JobLogLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    seq: from + i,
    ts: 0,
    stream: 'out' as const,
    text: `line ${from + i}`,
  }));

describe('job log buffer', () => {
  it('keeps lines in order and skips what a reconnect replays', () => {
    let b = appendLog(EMPTY_LOG, lines(0, 4));
    b = appendLog(b, lines(0, 6));
    expect(b.lines.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(b.lastSeq).toBe(6);
    expect(b.dropped).toBe(0);
  });

  it('returns the same buffer when nothing new came', () => {
    const b = appendLog(EMPTY_LOG, lines(0, 2));
    expect(appendLog(b, lines(1, 2))).toBe(b);
  });

  it('keeps only the newest lines and counts the rest', () => {
    let b = EMPTY_LOG;
    for (let i = 0; i < 10; i++) b = appendLog(b, lines(i * 100, i * 100 + 99), 250);
    expect(b.lines).toHaveLength(250);
    expect(b.lines[0]!.seq).toBe(750);
    expect(b.lines.at(-1)!.seq).toBe(999);
    expect(b.dropped).toBe(750);
  });

  it('a single batch larger than the bound keeps its tail', () => {
    const b = appendLog(appendLog(EMPTY_LOG, lines(0, 9), 5), lines(10, 29), 5);
    expect(b.lines.map((l) => l.seq)).toEqual([25, 26, 27, 28, 29]);
    expect(b.dropped).toBe(25);
  });

  it('groups lines into runs by seq', () => {
    const c = chunkLines(lines(195, 405), 200);
    expect(c.map((x) => [x.key, x.lines.length])).toEqual([
      [0, 5],
      [1, 200],
      [2, 6],
    ]);
  });
});
