import { describe, expect, it } from 'vitest';
import { PullProgress } from './pull-job';

describe('pull progress', () => {
  it('follows each layer through download and extraction; logs phases and quarters, not ticks', () => {
    const p = new PullProgress();
    const lines: (string | null)[] = [];
    const ev = (id: string, status: string, current?: number, total?: number) =>
      lines.push(p.apply({ id, status, progressDetail: { current, total } }));
    lines.push(p.apply({ status: 'Pulling from labdeck/x', id: 'latest' }));
    ev('aaa', 'Pulling fs layer');
    ev('bbb', 'Already exists');
    ev('aaa', 'Downloading', 10, 100);
    ev('aaa', 'Downloading', 20, 100);
    ev('aaa', 'Downloading', 60, 100);
    expect(p.fraction).toBeCloseTo((0.7 * 0.6 + 1) / 2);
    ev('aaa', 'Download complete');
    ev('aaa', 'Extracting', 50, 100);
    ev('aaa', 'Extracting', 90, 100);
    expect(p.fraction).toBeCloseTo((0.7 + 0.3 * 0.9 + 1) / 2);
    ev('aaa', 'Pull complete');
    expect(p.fraction).toBe(1);
    expect(p.summary).toBe('2 of 2 layers');
    expect(lines.filter(Boolean)).toEqual([
      'layer aaa: queued',
      'layer bbb: already here',
      'layer aaa: downloading 10 B of 100 B',
      'layer aaa: downloading 60 B of 100 B',
      'layer aaa: downloaded (100 B)',
      'layer aaa: extracting',
      'layer aaa: done',
    ]);
  });
});
