// SFTP on a pooled connection against the lab's real sshd: a folder tree uploaded atomically to a
// versioned path with its modes, skipped when unchanged, a new version when a file changes; a
// download with progress and a checksum checked on both ends.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readLocalTree, TREE_MARKER } from '../../src/main/services/ssh/sftp';
import { shCommand } from '../../src/main/services/ssh/quote';
import { readState } from '../lab/faults';
import { addOnlineLabHost, harness, type Harness } from '../support/app-harness';

inject('lab');
const h1 = readState().hosts.find((x) => x.name === 'h1')!;
let h: Harness;
let id: number;
const base = `.labdeck-test/sftp-${Date.now()}`;
beforeAll(async () => {
  h = harness();
  id = await addOnlineLabHost(h, h1, 'sftp-h1');
});
afterAll(async () => {
  await h.app.pool.exec(id, shCommand(['rm', '-rf', '--', '.labdeck-test']));
  await h.close();
});

const remote = async (argv: string[]): Promise<string> => {
  const r = await h.app.pool.exec(id, shCommand(argv));
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

function makeTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldtree-'));
  fs.mkdirSync(path.join(dir, 'roles/base/tasks'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
  fs.chmodSync(path.join(dir, 'private'), 0o700);
  fs.writeFileSync(path.join(dir, 'site.yml'), '- hosts: all\n');
  fs.writeFileSync(path.join(dir, 'roles/base/tasks/main.yml'), '- debug: msg=hi\n');
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
  fs.writeFileSync(path.join(dir, 'private/token'), 'not-really-secret\n', { mode: 0o600 });
  fs.chmodSync(path.join(dir, 'private/token'), 0o600);
  fs.writeFileSync(path.join(dir, 'blob.bin'), randomBytes(300_000));
  fs.chmodSync(path.join(dir, 'blob.bin'), 0o644);
  return dir;
}

describe('SFTP', () => {
  it('uploads a folder tree atomically to a versioned path, with modes, and skips it when unchanged', async () => {
    const local = makeTree();
    const tree = await readLocalTree(local);
    const s = await h.app.pool.sftp(id);
    expect(h.app.pool.channelCount(id)).toBeGreaterThanOrEqual(1);
    const progress: number[] = [];
    try {
      const first = await s.uploadTree(local, tree, base, (p) => progress.push(p.done));
      expect(first).toMatchObject({
        skipped: false,
        files: 5,
        hash: tree.hash,
        path: `${base}/${tree.hash.slice(0, 16)}`,
      });
      expect(progress.at(-1)).toBe(tree.bytes);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const modes = await remote([
        'sh',
        '-c',
        'cd "$1" && stat -c "%a %n" run.sh private private/token site.yml',
        'x',
        first.path,
      ]);
      expect(modes.trim().split('\n')).toEqual([
        '755 run.sh',
        '700 private',
        '600 private/token',
        '644 site.yml',
      ]);
      const sums = await remote([
        'sh',
        '-c',
        'cd "$1" && sha256sum blob.bin roles/base/tasks/main.yml',
        'x',
        first.path,
      ]);
      const sha = (f: string): string =>
        createHash('sha256')
          .update(fs.readFileSync(path.join(local, f)))
          .digest('hex');
      expect(sums).toContain(`${sha('blob.bin')}  blob.bin`);
      expect(sums).toContain(`${sha('roles/base/tasks/main.yml')}  roles/base/tasks/main.yml`);
      expect(await remote(['cat', `${first.path}/${TREE_MARKER}`])).toContain(tree.hash);

      // Same content: nothing is sent.
      const again = await s.uploadTree(local, await readLocalTree(local), base);
      expect(again).toMatchObject({ skipped: true, path: first.path });

      // One file changed: a new version beside the old one, and no temp folder left behind.
      fs.writeFileSync(path.join(local, 'site.yml'), '- hosts: all\n  gather_facts: false\n');
      const changed = await s.uploadTree(local, await readLocalTree(local), base);
      expect(changed.skipped).toBe(false);
      expect(changed.path).not.toBe(first.path);
      const listing = (await remote(['ls', '-A', base])).trim().split('\n').sort();
      expect(listing).toEqual([first.path, changed.path].map((p) => p.split('/').pop()).sort());
    } finally {
      s.end();
    }
    for (let i = 0; i < 50 && h.app.pool.channelCount(id) > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(h.app.pool.channelCount(id)).toBe(0);
  });

  it('downloads a file with progress and a checksum both ends agree on', async () => {
    await remote(['sh', '-c', 'mkdir -p "$1" && head -c 5000000 /dev/urandom > "$1/dump.bin"', 'x', base]);
    const remoteSum = (await remote(['sha256sum', `${base}/dump.bin`])).split(' ')[0];
    const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lddl-')), 'dump.bin');
    const s = await h.app.pool.sftp(id);
    const progress: { done: number; total: number }[] = [];
    try {
      const r = await s.download(`${base}/dump.bin`, local, (p) => progress.push(p));
      expect(r).toEqual({ bytes: 5_000_000, sha256: remoteSum, verified: true });
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toEqual({ done: 5_000_000, total: 5_000_000 });
      expect(createHash('sha256').update(fs.readFileSync(local)).digest('hex')).toBe(remoteSum);
      await expect(s.download(`${base}/missing.bin`, local)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      s.end();
    }
  });
});
