import { describe, expect, it } from 'vitest';
import { appendSamples } from './sample-window';

const at = (...ts: number[]): { ts: number }[] => ts.map((t) => ({ ts: t }));
const tss = (s: { ts: number }[]): number[] => s.map((x) => x.ts);

describe('metrics sample window', () => {
  it('appends in arrival order', () => {
    let w = appendSamples([], at(1, 2, 3), 10);
    w = appendSamples(w, at(4, 5), 10);
    expect(tss(w)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips samples at or before the last one kept (a resent history)', () => {
    const w = appendSamples([], at(10, 20, 30), 10);
    expect(tss(appendSamples(w, at(10, 20, 30, 40), 10))).toEqual([10, 20, 30, 40]);
    expect(tss(appendSamples(w, at(25, 30, 35), 10))).toEqual([10, 20, 30, 35]);
  });

  it('returns the same array when nothing new came', () => {
    const w = appendSamples([], at(1, 2), 10);
    expect(appendSamples(w, at(1, 2), 10)).toBe(w);
    expect(appendSamples(w, [], 10)).toBe(w);
  });

  it('keeps only the newest `keep` samples, dropping the oldest', () => {
    let w: { ts: number }[] = [];
    for (let t = 1; t <= 7; t++) w = appendSamples(w, at(t), 3);
    expect(tss(w)).toEqual([5, 6, 7]);
    expect(tss(appendSamples([], at(1, 2, 3, 4, 5), 2))).toEqual([4, 5]);
  });

  it('does not change the array it was given', () => {
    const w = appendSamples([], at(1, 2, 3), 3);
    appendSamples(w, at(4), 3);
    expect(tss(w)).toEqual([1, 2, 3]);
  });
});
