import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { MAX_CONFIG_BYTES, previewImport, readConfigFile, type ImportContext } from './ssh-config-import';

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

describe('~/.ssh/config import of untrusted or unusual text', () => {
  const preview = (text: string, existing: string[] = []) => previewImport(text, 'pasted', ctx(existing));

  it('never runs a Match exec command from the pasted text', () => {
    const marker = path.join(os.tmpdir(), `labdeck-match-exec-${process.pid}-${Date.now()}`);
    const p = preview(`Match exec "touch ${marker}"\n  User pwned\n\nHost web\n  HostName 10.0.0.5\n`);
    expect(fs.existsSync(marker)).toBe(false);
    expect(p.add).toEqual([expect.objectContaining({ name: 'web', address: '10.0.0.5', user: 'alice' })]);
  });

  it('reads keywords in any case, as OpenSSH does', () => {
    const p = preview(
      'Host j\n  hostname 10.0.0.1\n\nhost web\n  HOSTNAME 10.0.0.5\n  user deploy\n  port 2200\n' +
        '  identityfile ~/.ssh/id_ed25519\n  proxyjump j\n\nHost old\n  proxycommand nc %h %p\n',
    );
    expect(p.add.find((d) => d.name === 'web')).toEqual({
      name: 'web',
      address: '10.0.0.5',
      port: 2200,
      user: 'deploy',
      keyPath: `${HOME}/.ssh/id_ed25519`,
      authMethod: 'key',
      jumpHostName: 'j',
    });
    expect(p.skip.find((s) => s.alias === 'old')?.reason).toMatch(/ProxyCommand/);
  });

  it('orders a chain of jump hosts (a through b through c) so each comes before its users', () => {
    const p = preview(
      'Host a\n  HostName 10.0.0.1\n  ProxyJump b\n\nHost b\n  HostName 10.0.0.2\n  ProxyJump c\n\nHost c\n  HostName 10.0.0.3\n',
    );
    expect(p.add.map((d) => d.name)).toEqual(['c', 'b', 'a']);
  });

  it('skips jump hosts that loop, and hosts whose chain reaches a skipped host', () => {
    const p = preview(
      'Host x\n  HostName 10.0.0.1\n  ProxyJump y\n\nHost y\n  HostName 10.0.0.2\n  ProxyJump x\n\n' +
        'Host u\n  HostName 10.0.0.3\n  ProxyJump v\n\nHost v\n  HostName 10.0.0.4\n  ProxyJump w\n\n' +
        'Host w\n  ProxyCommand nc %h %p\n',
    );
    expect(p.add).toEqual([]);
    const reason = (n: string) => p.skip.find((s) => s.alias === n)?.reason;
    expect(reason('x')).toMatch(/loop/);
    expect(reason('y')).toMatch(/loop/);
    expect(reason('v')).toMatch(/"w" is skipped/);
    expect(reason('u')).toMatch(/"w" is skipped/);
  });
});

describe('reading config files the user names', () => {
  it('refuses what is not a small regular file, without hanging on a FIFO or /dev/zero', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-cfg-'));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readConfigFile(fifo)).toThrow(/not a regular file/);
    expect(() => readConfigFile('/dev/zero')).toThrow(/not a regular file/);
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, 'x'.repeat(MAX_CONFIG_BYTES + 1));
    expect(() => readConfigFile(big)).toThrow(/larger than an SSH config/);
    const ok = path.join(dir, 'config');
    fs.writeFileSync(ok, 'Host a\n  HostName 10.0.0.1\n');
    expect(readConfigFile(ok)).toContain('HostName 10.0.0.1');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops an Include that multiplies itself', () => {
    const loop: Record<string, string> = { '/home/alice/.ssh/a': 'Include a a a a\nHost x\n  HostName 10.0.0.1\n' };
    const c: ImportContext = {
      ...ctx(),
      fileExists: (p) => p in loop,
      readFile: (p) => loop[p]!,
    };
    expect(() => previewImport('Include a', 'pasted', c)).toThrow(/more than 8 levels|more than 1 MiB/);
  });
});
