import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE } from './logs';

describe('log lines', () => {
  it('splits Docker timestamps from the text and holds a partial line for the rest', () => {
    const s = new LineSplitter(true);
    expect(
      s.push(Buffer.from('2026-11-25T10:00:00.123456789Z hello\n2026-11-25T10:00:01.000000000Z wor')),
    ).toEqual([['2026-11-25T10:00:00.123456789Z', 'hello']]);
    expect(s.push(Buffer.from('ld\r\n'))).toEqual([['2026-11-25T10:00:01.000000000Z', 'world']]);
    expect(s.end()).toEqual([]);
  });

  it('never splits a UTF-8 character across chunks', () => {
    const s = new LineSplitter(false);
    const bytes = Buffer.from('héllo ✓\n');
    const out = [
      ...s.push(bytes.subarray(0, 2)),
      ...s.push(bytes.subarray(2, 9)),
      ...s.push(bytes.subarray(9)),
    ];
    expect(out).toEqual([['', 'héllo ✓']]);
  });

  it('cuts a line longer than the cap instead of holding it without bound', () => {
    const s = new LineSplitter(false);
    const out = s.push(Buffer.from('x'.repeat(MAX_LINE * 2 + 5)));
    expect(out.map(([, t]) => t.length)).toEqual([MAX_LINE, MAX_LINE]);
    expect(s.end()).toEqual([['', 'xxxxx']]);
  });

  it('keeps a line with no timestamp whole', () => {
    expect(new LineSplitter(true).push(Buffer.from('no stamp here\n'))).toEqual([['', 'no stamp here']]);
  });
});
