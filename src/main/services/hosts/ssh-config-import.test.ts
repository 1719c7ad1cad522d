import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewImport, type ImportContext } from './ssh-config-import';

const HOME = '/home/alice';
const files: Record<string, string> = {
  [`${HOME}/.ssh/config`]: `
# Work machines
Include conf.d/*.conf

Host bastion
  HostName bastion.example.org
  User ops
  Port 2222
  IdentityFile ~/.ssh/missing_key
  IdentityFile ~/.ssh/id_ed25519

Host gpu1 gpu2
  User researcher
  ProxyJump bastion

Host gpu1
  HostName 10.0.0.11
  # a later, less specific line never overrides the first match
  User someone-else

Host gpu2
  HostName 10.0.0.12

Host legacy
  HostName 10.0.0.50
  ProxyCommand nc -X 5 -x proxy:1080 %h %p

Host chain
  HostName 10.0.0.60
  ProxyJump bastion,gpu1

Host orphan
  HostName 10.0.0.70
  ProxyJump nowhere

Host *.lab
  User labuser

Host *
  ServerAliveInterval 30
  IdentityFile ~/.ssh/id_rsa
`,
  [`${HOME}/.ssh/conf.d/10-lxc.conf`]: `
Host ct-web
  HostName 192.168.1.20
  User root

Host Bad_Name!
  HostName 1.2.3.4
`,
  [`${HOME}/.ssh/id_ed25519`]: 'key',
  [`${HOME}/.ssh/id_rsa`]: 'key',
};

const ctx = (existing: string[] = []): ImportContext => ({
  existing: new Set(existing),
  home: HOME,
  localUser: 'alice',
  fileExists: (p) => p in files,
  readFile: (p) => {
    const f = files[p];
    if (f === undefined) throw new Error(`ENOENT ${p}`);
    return f;
  },
  listDir: (d) =>
    Object.keys(files)
      .filter((f) => path.dirname(f) === d)
      .map((f) => path.basename(f)),
});

describe('~/.ssh/config import preview', () => {
  const p = previewImport(files[`${HOME}/.ssh/config`]!, '~/.ssh/config', ctx(['gpu2']));
  const added = (n: string) => p.add.find((d) => d.name === n);
  const skipped = (n: string) => p.skip.find((s) => s.alias === n)?.reason;

  it('adds hosts with OpenSSH first-match semantics and the first IdentityFile that exists', () => {
    expect(added('bastion')).toEqual({
      name: 'bastion',
      address: 'bastion.example.org',
      port: 2222,
      user: 'ops',
      keyPath: `${HOME}/.ssh/id_ed25519`,
      authMethod: 'key',
      jumpHostName: null,
    });
    expect(added('gpu1')).toMatchObject({
      address: '10.0.0.11',
      user: 'researcher',
      jumpHostName: 'bastion',
      port: 22,
    });
    expect(added('gpu1')!.keyPath).toBe(`${HOME}/.ssh/id_rsa`);
  });

  it('follows Include with globs', () => {
    expect(added('ct-web')).toMatchObject({ address: '192.168.1.20', user: 'root' });
  });

  it('orders jump hosts before the hosts that use them', () => {
    expect(p.add.findIndex((d) => d.name === 'bastion')).toBeLessThan(
      p.add.findIndex((d) => d.name === 'gpu1'),
    );
  });

  it('skips, with a reason, what it cannot import', () => {
    expect(skipped('*')).toMatch(/pattern/);
    expect(skipped('*.lab')).toMatch(/pattern/);
    expect(skipped('gpu2')).toMatch(/already in Labdeck/);
    expect(skipped('legacy')).toMatch(/ProxyCommand/);
    expect(skipped('chain')).toMatch(/multi-hop/);
    expect(skipped('orphan')).toMatch(/neither in this file nor in Labdeck/);
    expect(skipped('Bad_Name!')).toMatch(/pattern|not allowed/);
    expect(p.add.map((d) => d.name).sort()).toEqual(['bastion', 'ct-web', 'gpu1']);
  });
});
