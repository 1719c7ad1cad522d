import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatDuration, formatPercent, formatRate } from './format';

describe('format', () => {
  it('formats bytes with binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatRate(2048)).toBe('2.0 KiB/s');
  });
  it('formats percent and durations', () => {
    expect(formatPercent(12.345)).toBe('12.3%');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatDuration(12)).toBe('12 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
  it('formats relative time', () => {
    expect(formatAgo(1000, 1000)).toBe('just now');
    expect(formatAgo(0, 90_000)).toBe('1m ago');
    expect(formatAgo(0, 3 * 86_400_000)).toBe('3d ago');
  });
});
