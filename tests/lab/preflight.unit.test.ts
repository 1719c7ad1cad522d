import { describe, expect, it } from 'vitest';
import { preflight } from './preflight';

const all = { docker: true, containers: true };

describe('lab preflight', () => {
  it('stops without root, naming the privilege', () => {
    expect(() => preflight(all, { uid: 1000, has: () => true })).toThrow(/needs root/);
  });

  it('names each missing Debian package and the command to install them', () => {
    const absent = new Set(['lxc-create', 'dockerd', '/usr/sbin/apt-cacher-ng']);
    expect(() => preflight(all, { uid: 0, has: (c) => !absent.has(c) })).toThrow(
      /not installed: lxc apt-cacher-ng docker\.io\. Install them with: apt-get install -y --no-install-recommends lxc apt-cacher-ng docker\.io/,
    );
  });

  it('asks only for what the chosen lab needs', () => {
    expect(() =>
      preflight(
        { docker: false, containers: false },
        { uid: 0, has: (c) => !['dockerd', 'lxc-create'].includes(c) },
      ),
    ).not.toThrow();
  });

  it('passes when everything is there', () => {
    expect(() => preflight(all, { uid: 0, has: () => true })).not.toThrow();
  });
});
