import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/errors';
import { loadPrivateKey, MAX_KEY_BYTES } from './private-key';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldpk-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'plain')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pw', '-f', path.join(dir, 'enc')]);
  fs.writeFileSync(path.join(dir, 'junk'), 'hello\n');
  fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(MAX_KEY_BYTES + 1, 'A'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
});

const failure = (file: string, passphrase?: string): ApiError => {
  try {
    loadPrivateKey(file, 'gpu1 (me@10.0.0.5:22)', passphrase);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`${file} was accepted`);
};

describe('loadPrivateKey', () => {
  it('returns the bytes of a private key, encrypted ones too when a passphrase is given', () => {
    expect(loadPrivateKey(path.join(dir, 'plain'), 'gpu1', undefined).toString()).toContain('PRIVATE KEY');
    expect(loadPrivateKey(path.join(dir, 'enc'), 'gpu1', 'anything').length).toBeGreaterThan(100);
  });

  it('asks for the passphrase of an encrypted key', () => {
    const e = failure(path.join(dir, 'enc'));
    expect(e.code).toBe('SECRET_REQUIRED');
    expect(e.details).toEqual({ secret: 'passphrase' });
  });

  it('says what is wrong with a file that is not a private key, naming the host and the fix', () => {
    const pub = failure(path.join(dir, 'plain.pub'));
    expect(pub.code).toBe('KEY_FILE');
    expect(pub.message).toMatch(/is a public key.*plain, without \.pub/);
    expect(pub.message).toContain('gpu1');
    const junk = failure(path.join(dir, 'junk'));
    expect(junk).toMatchObject({ code: 'KEY_FILE', field: 'keyPath' });
    expect(junk.message).toMatch(/is not an SSH private key/);
    expect(junk.details).toBeUndefined(); // no passphrase prompt for a file that is no key
    expect(failure(path.join(dir, 'missing')).message).toMatch(/does not exist/);
    expect(failure(path.join(dir, 'big')).message).toMatch(/more than 64 KiB/);
    expect(failure(dir).message).toMatch(/is a folder/);
  });

  it('refuses devices and FIFOs at once instead of reading them', () => {
    const t0 = Date.now();
    expect(failure('/dev/zero').message).toMatch(/a device, not a regular file/);
    expect(failure('/dev/urandom').message).toMatch(/a device/);
    expect(failure(path.join(dir, 'fifo')).message).toMatch(/a named pipe/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
