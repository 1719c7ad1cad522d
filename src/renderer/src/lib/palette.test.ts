import { describe, expect, it } from 'vitest';
import { matchScore, opensPalette, paletteItems, rankItems, type PaletteSources } from './palette';

const src: PaletteSources = {
  pages: [
    { kind: 'local', label: 'This computer' },
    { kind: 'jobs', label: 'Jobs' },
    { kind: 'experiments', label: 'Experiments' },
    { kind: 'fleet', label: 'Fleet' },
    { kind: 'settings', label: 'Settings' },
  ],
  hosts: [
    { id: 1, name: 'h1', group: 'gpu', address: '10.0.0.1' },
    { id: 2, name: 'h2', group: 'gpu', address: '10.0.0.2' },
    { id: 3, name: 'nas', group: '', address: 'nas.lan' },
  ],
  jobs: [
    { id: 'j-old', title: 'Run uptime on h1', state: 'succeeded', target: 'h1', createdAt: 1 },
    { id: 'j-new', title: 'Pull nginx', state: 'failed', target: 'h2', createdAt: 2 },
  ],
  experiments: [{ id: 7, name: 'llama-finetune', hostName: 'h1', status: 'ready' }],
};
const items = paletteItems(src);
const labels = (q: string): string[] => rankItems(items, q).map((i) => i.label);

describe('paletteItems', () => {
  it('offers pages, hosts, per-host actions, group actions, experiments and jobs (newest first)', () => {
    const ids = items.map((i) => i.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'page:experiments',
        'page:fleet',
        'host:3',
        'terminal:1',
        'connect:2',
        'bootstrap:3',
        'connect-group:gpu',
        'bootstrap-group:gpu',
        'experiment:7',
      ]),
    );
    expect(ids.filter((i) => i.startsWith('job:'))).toEqual(['job:j-new', 'job:j-old']);
    expect(items.find((i) => i.id === 'connect-group:gpu')!.action).toEqual({
      kind: 'connect-group',
      group: 'gpu',
      hostIds: [1, 2],
    });
    // A host without a group gets no group action.
    expect(ids.some((i) => i === 'connect-group:')).toBe(false);
  });
});

describe('rankItems', () => {
  it('with no query: pages first, in order', () => {
    expect(labels('').slice(0, 3)).toEqual(['This computer', 'Jobs', 'Experiments']);
  });
  it('a page name typed puts that page first', () => {
    expect(labels('experi')[0]).toBe('Experiments');
    expect(labels('fleet')[0]).toBe('Fleet');
    expect(labels('sett')[0]).toBe('Settings');
  });
  it('a host name puts the host first, then its actions', () => {
    const r = labels('h1');
    expect(r[0]).toBe('h1');
    expect(r).toContain('Open terminal on h1');
    expect(r).not.toContain('Open terminal on h2');
  });
  it('actions by their words, in any order, and by letters scattered in order', () => {
    expect(labels('terminal h2')[0]).toBe('Open terminal on h2');
    expect(labels('h2 terminal')[0]).toBe('Open terminal on h2');
    expect(labels('open terminal on nas')[0]).toBe('Open terminal on nas');
    expect(labels('connect all gpu')[0]).toBe('Connect all in group gpu');
    expect(labels('bootstrap nas')[0]).toBe('Bootstrap nas…');
    expect(labels('otn')).toEqual(expect.arrayContaining(['Open terminal on nas']));
  });
  it('jobs and experiments by name; the hint matches too, with less weight', () => {
    expect(labels('nginx')[0]).toBe('Pull nginx');
    expect(labels('llama')[0]).toBe('llama-finetune');
    expect(labels('10.0.0.2')).toEqual(expect.arrayContaining(['h2']));
  });
  it('nothing matches: nothing offered', () => {
    expect(labels('zzzz')).toEqual([]);
  });
});

describe('matchScore', () => {
  it('prefix > word start > substring > scattered; no match is null', () => {
    const prefix = matchScore('ter', 'terminal')!;
    const word = matchScore('ter', 'open terminal')!;
    const sub = matchScore('min', 'terminal')!;
    const scattered = matchScore('tml', 'terminal')!;
    expect(prefix).toBeGreaterThan(word);
    expect(word).toBeGreaterThan(sub);
    expect(sub).toBeGreaterThan(scattered);
    expect(matchScore('xyz', 'terminal')).toBeNull();
    expect(matchScore('.*', 'a.*b')).not.toBeNull();
  });
});

describe('opensPalette', () => {
  const key = (
    o: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }>,
    k = 'k',
  ) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...o,
  });
  it('Ctrl+K and ⌘K open it; in a terminal Ctrl+K stays the shell’s (Ctrl+Shift+K opens it)', () => {
    expect(opensPalette(key({ ctrlKey: true }), false)).toBe(true);
    expect(opensPalette(key({ metaKey: true }), true)).toBe(true);
    expect(opensPalette(key({ ctrlKey: true }), true)).toBe(false);
    expect(opensPalette(key({ ctrlKey: true, shiftKey: true }, 'K'), true)).toBe(true);
    expect(opensPalette(key({}), false)).toBe(false);
    expect(opensPalette(key({ ctrlKey: true }, 'j'), false)).toBe(false);
  });
});
