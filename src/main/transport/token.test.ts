import { describe, expect, it } from 'vitest';
import { newToken, tokenMatches } from './token';

describe('token', () => {
  it('makes unguessable, distinct, URL-safe tokens', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newToken()).not.toBe(a);
  });
  it('accepts only the exact token', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    for (const wrong of [t.slice(1), `${t}x`, t.toUpperCase(), '', null, undefined, 'x'.repeat(10_000)]) {
      expect(tokenMatches(t, wrong)).toBe(false);
    }
  });
});
