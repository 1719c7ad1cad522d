import { describe, expect, it } from 'vitest';
import { matchPatternList, tokenize, wildcardMatch, type PatternList } from './ssh-config-parse';

const list = (...patterns: string[]): PatternList => {
  const allow = patterns.filter((p) => !p.startsWith('!'));
  return {
    names: new Set(allow.filter((p) => !/[*?]/.test(p))),
    wild: allow.filter((p) => /[*?]/.test(p)),
    deny: patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
  };
};

describe('wildcard matching without RegExp', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['?', '', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['web?', 'web1', true],
    ['web?', 'web', false],
    ['web?', 'web12', false],
    ['*.lan', 'db.lan', true],
    ['*.lan', 'lan', false],
    ['*.lan', 'db.lanx', false],
    ['*.lan', 'a.b.lan', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['**', 'x', true],
    ['a*?c', 'abc', true],
    ['a*?c', 'ac', false],
    ['a.b', 'axb', false],
    ['a+b(c)[d]', 'a+b(c)[d]', true],
    ['Web', 'web', false],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it('takes at most pattern length times text length steps on backtracking-hostile input', () => {
    const t0 = performance.now();
    const text = 'a'.repeat(10_000);
    expect(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', text)).toBe(false);
    expect(wildcardMatch(`${'*a'.repeat(50)}*`, text)).toBe(true);
    expect(wildcardMatch(`${'*?'.repeat(50)}b`, text)).toBe(false);
    const budget = { steps: 1e9 };
    const pattern = `${'*a'.repeat(100)}b`;
    wildcardMatch(pattern, text, budget);
    expect(1e9 - budget.steps).toBeLessThanOrEqual(pattern.length * text.length + text.length);
    const ms = performance.now() - t0;
    console.log(`hostile wildcard patterns on 10,000 characters: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });

  it('gives up, answering no, when the budget is spent', () => {
    const budget = { steps: 100 };
    expect(wildcardMatch('*a*a*b', 'a'.repeat(1000), budget)).toBe(false);
    expect(budget.steps).toBeLessThan(0);
  });
});

describe('Host pattern lists', () => {
  it('excludes on any negated match, includes on any other, and needs a positive one', () => {
    expect(matchPatternList(list('*', '!bad*'), 'web')).toBe(true);
    expect(matchPatternList(list('*', '!bad*'), 'bad1')).toBe(false);
    expect(matchPatternList(list('!bad*'), 'web')).toBe(false);
    expect(matchPatternList(list('web1', 'web2'), 'web2')).toBe(true);
    expect(matchPatternList(list('web1', 'web2'), 'web3')).toBe(false);
  });

  it('matches names in any case (lists hold lower-cased patterns)', () => {
    expect(matchPatternList(list('web1', '*.lan'), 'WEB1')).toBe(true);
    expect(matchPatternList(list('*.lan'), 'Db.LAN')).toBe(true);
  });
});

describe('config lines', () => {
  it.each([
    ['HostName 10.0.0.1', 'hostname', ['10.0.0.1']],
    ['  HOSTNAME=10.0.0.1', 'hostname', ['10.0.0.1']],
    ['\tUser = deploy  ', 'user', ['deploy']],
    ['Host web1 web2\t web3', 'host', ['web1', 'web2', 'web3']],
    ['IdentityFile "~/.ssh/my key" # the old one', 'identityfile', ['~/.ssh/my key']],
    ["ProxyCommand sh -c 'nc %h %p'", 'proxycommand', ['sh', '-c', 'nc %h %p']],
    ['User a\\"b', 'user', ['a"b']],
    ['Host web\r', 'host', ['web']],
  ])('%j', (line, key, args) => {
    expect(tokenize(line, 'test')).toEqual({ key, args });
  });

  it('skips blank lines and comments, and refuses an unclosed quote', () => {
    expect(tokenize('', 'test')).toBeNull();
    expect(tokenize('   # Host web', 'test')).toBeNull();
    expect(() => tokenize('User "deploy', 'config line 3')).toThrow(
      /config line 3: a quoted argument is not closed/,
    );
  });
});
