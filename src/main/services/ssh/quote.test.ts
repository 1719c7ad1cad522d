import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { HOSTILE } from '../../../../tests/support/hostile-strings';
import { shCommand, shQuote } from './quote';

describe('shQuote', () => {
  it.each(HOSTILE.map((s) => [JSON.stringify(s).slice(0, 40), s]))(
    'round-trips %s through a real sh and bash unchanged',
    (_label, s) => {
      for (const shell of ['sh', 'bash']) {
        const out = execFileSync(shell, ['-c', shCommand(['printf', '%s', s])], { encoding: 'utf8' });
        expect(out).toBe(s);
      }
    },
  );

  it('refuses NUL bytes instead of truncating', () => {
    expect(() => shQuote('a\u0000b')).toThrow(/NUL/);
  });

  it('quotes each argument separately', () => {
    expect(shCommand(['echo', 'a b', "c'd"])).toBe(`'echo' 'a b' 'c'\\''d'`);
  });
});
