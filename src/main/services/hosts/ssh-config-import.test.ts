import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { ImportPreview } from '../../../shared/api/domain';
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
  localHost: 'desk',
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
});

// Previews of hostile or unusual files: bounded work, nothing run or resolved, and the preview says what it left out.
describe('~/.ssh/config import preview of hostile or unusual files', () => {
  const preview = (text: string, c: ImportContext = ctx()) => previewImport(text, 'pasted', c);
  const added = (p: ImportPreview, n: string) => p.add.find((d) => d.name === n);
  const skipped = (p: ImportPreview, n: string) => p.skip.find((s) => s.alias === n)?.reason;
  const timed = <T>(label: string, f: () => T): [T, number] => {
    const t0 = performance.now();
    const r = f();
    const ms = performance.now() - t0;
    console.log(`${label}: ${ms.toFixed(0)} ms`);
    return [r, ms];
  };

  it('previews 5,000 Host blocks in time linear in the file', () => {
    let text = '';
    for (let i = 0; i < 5000; i++)
      text += `Host h${i}\n  HostName 10.0.${i >> 8}.${i & 255}\n  User u${i % 7}\n\n`;
    text += 'Host *.lan\n  Port 2222\n\nHost *\n  IdentityFile ~/.ssh/id_rsa\n';
    const [p, ms] = timed('5,000 Host blocks', () => preview(text));
    expect(ms).toBeLessThan(2000);
    expect(p.add).toHaveLength(5000);
    expect(added(p, 'h4999')).toMatchObject({
      address: '10.0.19.135',
      user: 'u1',
      port: 22,
      keyPath: `${HOME}/.ssh/id_rsa`,
    });
    expect(p.notes).toEqual([]);
  });

  it('stops, and says so, when many wildcard blocks would take too long', () => {
    let text = '';
    for (let i = 0; i < 3000; i++) text += `Host *x${i}*y*z*\n  Port 2200\n\n`;
    for (let i = 0; i < 3000; i++) text += `Host web${i}\n`;
    const [p, ms] = timed('3,000 wildcard blocks x 3,000 hosts', () => preview(text));
    expect(ms).toBeLessThan(2000);
    expect(
      p.notes.find((n) => /^Stopped after \d+ of 6000 Host names: the file is too complex/.test(n)),
    ).toBeDefined();
    expect(p.add.length).toBeLessThan(3000);
    // A smaller budget stops sooner, and says how far it got.
    const q = previewImport(text, 'pasted', ctx(), { steps: 1000, ms: 2000 });
    const done = q.add.length + q.skip.length;
    expect(done).toBeLessThan(p.add.length + p.skip.length);
    expect(q.notes).toEqual([
      `Stopped after ${done} of 6000 Host names: the file is too complex to preview fully; the rest are not listed.`,
    ]);
  });

  it('matches a backtracking-hostile Host pattern against a long name quickly and correctly', () => {
    const long = 'a'.repeat(36);
    const [p, ms] = timed('hostile Host pattern', () =>
      preview(`Host *a*a*a*a*a*a*a*a*a*a*b\n  User hostile\n\nHost ${long}\nHost ${long}b\n`),
    );
    expect(ms).toBeLessThan(1000);
    expect(added(p, long)?.user).toBe('alice');
    expect(added(p, `${long}b`)?.user).toBe('hostile');
  });

  it('matches Host patterns as OpenSSH does: ? is one character, ! excludes, any case', () => {
    const p = preview(
      'Host web?\n  User webuser\n\nHost * !bad*\n  Port 2200\n\nHost *.LAN\n  User lanuser\n\n' +
        ['web', 'web1', 'web12', 'bad1', 'good1', 'db.lan'].map((h) => `Host ${h}\n`).join(''),
    );
    expect(added(p, 'web')).toMatchObject({ user: 'alice', port: 2200 });
    expect(added(p, 'web1')).toMatchObject({ user: 'webuser', port: 2200 });
    expect(added(p, 'web12')).toMatchObject({ user: 'alice' });
    expect(added(p, 'bad1')).toMatchObject({ port: 22 });
    expect(added(p, 'good1')).toMatchObject({ port: 2200 });
    expect(added(p, 'db.lan')).toMatchObject({ user: 'lanuser' });
    expect(skipped(p, 'web?')).toMatch(/pattern/);
    expect(skipped(p, '!bad*')).toMatch(/pattern/);
  });

  it('skips an Include loop with a note and previews the rest', () => {
    const loop: Record<string, string> = {
      [`${HOME}/.ssh/a`]: 'Include a b\nHost x\n  HostName 10.0.0.1\n',
      [`${HOME}/.ssh/b`]: 'Include ~/.ssh/a\nHost y\n  HostName 10.0.0.2\n',
    };
    const c: ImportContext = { ...ctx(), fileExists: (f) => f in loop, readFile: (f) => loop[f]! };
    const p = previewImport('Include a a a a', 'pasted', c);
    expect(p.add.map((d) => d.name)).toEqual(['y', 'x']);
    expect(p.notes).toEqual(['Include ~/.ssh/a was skipped: it includes itself (a loop).']);
  });

  it('stops an Include fan-out before reading more than 256 files', () => {
    // Each level includes the next ten times: 10^6 reads if expanded fully.
    const levels: Record<string, string> = {};
    for (let i = 0; i < 6; i++)
      levels[`${HOME}/.ssh/l${i}`] = `Include${` l${i + 1}`.repeat(10)}\nHost h${i}\n`;
    levels[`${HOME}/.ssh/l6`] = 'Host leaf\n';
    let reads = 0;
    const c: ImportContext = {
      ...ctx(),
      fileExists: (f) => f in levels,
      readFile: (f) => (reads++, levels[f]!),
    };
    expect(() => previewImport('Include l0', 'pasted', c)).toThrow(/more than 256 files/);
    expect(reads).toBeLessThanOrEqual(256);
  });

  it('applies an Include inside a Host block within that block only, as OpenSSH does', () => {
    const inc: Record<string, string> = {
      [`${HOME}/.ssh/web.conf`]: 'User inc\nHost *\n  Port 2200\nHost other\n  HostName 10.0.0.9\n',
    };
    const c: ImportContext = { ...ctx(), fileExists: (f) => f in inc, readFile: (f) => inc[f]! };
    const p = previewImport('Host web\n  Include web.conf\n  HostName 10.0.0.1\n\nHost db\n', 'pasted', c);
    expect(added(p, 'web')).toMatchObject({ address: '10.0.0.1', user: 'inc', port: 2200 });
    expect(added(p, 'db')).toMatchObject({ address: 'db', user: 'alice', port: 22 });
    expect(skipped(p, 'other')).toMatch(/do not apply to it/);
  });

  it('never runs a program or resolves a name, and says canonicalisation was not applied', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-nocmd-'));
    const marker = path.join(dir, 'ran');
    for (const tool of ['nslookup', 'host', 'dig', 'getent']) {
      fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "$0 $*" >> ${marker}\nexit 1\n`, {
        mode: 0o755,
      });
    }
    const oldPath = process.env['PATH'];
    process.env['PATH'] = `${dir}:${oldPath ?? ''}`;
    try {
      const p = preview(
        'CanonicalizeHostName yes\nCanonicalDomains lan example.org\n\nHost web\n  CanonicalizeHostName yes\n' +
          `  CanonicalDomains lan example.org\n\nMatch exec "touch ${marker}"\n  User pwned\n\n` +
          `Host legacy\n  ProxyCommand sh -c "touch ${marker}"\n`,
      );
      expect(fs.existsSync(marker)).toBe(false);
      expect(added(p, 'web')).toMatchObject({ address: 'web', user: 'alice' });
      expect(skipped(p, 'legacy')).toMatch(/ProxyCommand/);
      expect(p.notes).toContain(
        'CanonicalizeHostName was not applied: names are not resolved during a preview.',
      );
    } finally {
      process.env['PATH'] = oldPath;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Nor could it: the preview does not load anything that runs programs or resolves names.
    for (const f of ['ssh-config-import.ts', 'ssh-config-parse.ts']) {
      const src = fs.readFileSync(path.join(import.meta.dirname, f), 'utf8');
      expect(src).not.toMatch(/from '(node:)?(child_process|dns|net)'|from 'ssh-config'/);
    }
  });

  it('makes each alias on a Host line its own host, with the settings that apply to it', () => {
    const p = preview('Host web1 web2\n  User deploy\n\nHost web2\n  HostName 10.0.0.2\n  User other\n');
    expect(p.add).toEqual([
      expect.objectContaining({ name: 'web1', address: 'web1', user: 'deploy' }),
      expect.objectContaining({ name: 'web2', address: '10.0.0.2', user: 'deploy' }),
    ]);
    expect(p.skip).toEqual([]);
  });

  it('expands the %-tokens OpenSSH allows and skips a host that uses any other', () => {
    const p = preview(
      'Host web db\n  HostName %h.lan\n  User ops\n  IdentityFile %d/keys/%u-%r@%h-%l-100%%\n  IdentityFile ~/.ssh/id_rsa\n\n' +
        'Host pct\n  HostName 10.0.0.1%%\n\nHost hp\n  HostName %p.lan\n\nHost ur\n  User %r\n\n' +
        'Host ic\n  IdentityFile ~/.ssh/%C\n\nHost pj\n  ProxyJump %h\n\nHost tail\n  HostName web%\n',
    );
    expect(added(p, 'web')).toMatchObject({
      address: 'web.lan',
      user: 'ops',
      keyPath: `${HOME}/.ssh/id_rsa`,
    });
    expect(added(p, 'db')).toMatchObject({ address: 'db.lan' });
    const q = preview('Host web\n  HostName %h.lan\n  User ops\n  IdentityFile %d/keys/%u-%r@%h-%l-100%%\n');
    expect(added(q, 'web')?.keyPath).toBe(`${HOME}/keys/alice-ops@web.lan-desk-100%`);
    expect(skipped(p, 'pct')).toMatch(/not a plain hostname/);
    expect(skipped(p, 'hp')).toBe('uses the %p token in HostName, which Labdeck does not expand');
    expect(skipped(p, 'ur')).toBe('uses the %r token in User, which Labdeck does not expand');
    expect(skipped(p, 'ic')).toBe('uses the %C token in IdentityFile, which Labdeck does not expand');
    expect(skipped(p, 'pj')).toBe('uses the %h token in ProxyJump, which Labdeck does not expand');
    expect(skipped(p, 'tail')).toMatch(/the % token in HostName/);
  });

  it('ignores Match blocks and says so', () => {
    const p = preview(
      'Match all\n  User pwned\n\nHost web\n  HostName 10.0.0.5\n\nMatch host web\n  Port 2200\n',
    );
    expect(added(p, 'web')).toMatchObject({ user: 'alice', port: 22 });
    expect(p.notes).toEqual(['2 Match blocks were ignored: Labdeck does not evaluate Match.']);
  });

  it('reads keyword=value, quoted arguments and comments as OpenSSH does', () => {
    const p = preview(
      'Host=web # a comment\n  HostName = 10.0.0.5\n  User "deploy"\n  IdentityFile "~/.ssh/my key"\n',
    );
    expect(added(p, 'web')).toMatchObject({
      address: '10.0.0.5',
      user: 'deploy',
      keyPath: `${HOME}/.ssh/my key`,
    });
    expect(skipped(p, '#')).toBeUndefined();
  });
});
