import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb, tempDir } from '../../../../tests/support/temp-db';
import type { OpenedDatabase } from '../../db/database';
import { SafeStorageCipher, type SafeStorageLike } from './safe-storage-cipher';
import { KeyFileCipher, SecretStore } from './secret-store';

const dbs: OpenedDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

describe('SecretStore', () => {
  it('stores only ciphertext, and reads back the plaintext', () => {
    const d = tempDb();
    dbs.push(d);
    const keyFile = path.join(d.dir, 'secrets.key');
    const store = new SecretStore(d.db, new KeyFileCipher(keyFile));
    store.put('host:1', 'correct horse battery staple');
    expect(store.get('host:1')).toBe('correct horse battery staple');
    const raw = JSON.stringify(d.sqlite.prepare('SELECT * FROM secrets').all());
    expect(raw).not.toContain('correct horse');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    store.delete('host:1');
    expect(store.get('host:1')).toBeNull();
  });

  it('a lost key, tampering or swapped rows read as absent (asked for again), with one warning each', () => {
    const d = tempDb();
    dbs.push(d);
    const quiet = (): void => undefined;
    const store = new SecretStore(d.db, new KeyFileCipher(path.join(d.dir, 'a.key'), quiet), quiet);
    store.put('host:1', 'secret-one');
    store.put('host:2', 'secret-two');
    const warnings: string[] = [];
    const lostKey = new KeyFileCipher(path.join(tempDir(), 'b.key'), quiet);
    expect(lostKey.created).toBe(true);
    const other = new SecretStore(d.db, lostKey, (l) => warnings.push(l));
    expect(other.get('host:1')).toBeNull();
    expect(other.get('host:1')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/host:1 cannot be read.*asked for again/);
    expect(other.unreadableCount()).toBe(2);
    expect(store.unreadableCount()).toBe(0);
    // Each ciphertext is bound to its name: copying host:2's row onto host:1 does not decrypt.
    d.sqlite
      .prepare(
        "UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE ref = 'host:2') WHERE ref = 'host:1'",
      )
      .run();
    expect(store.get('host:1')).toBeNull();
    expect(store.get('host:2')).toBe('secret-two');
    // A truncated authentication tag is refused.
    const raw = Buffer.from(new KeyFileCipher(path.join(d.dir, 'a.key'), quiet).encrypt('x', 'r'), 'base64');
    expect(() =>
      new KeyFileCipher(path.join(d.dir, 'a.key'), quiet).decrypt(
        raw.subarray(0, 20).toString('base64'),
        'r',
      ),
    ).toThrow();
  });

  it('makes a key file that others can read private again', () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'secrets.key');
    new KeyFileCipher(keyFile, () => undefined);
    fs.chmodSync(keyFile, 0o644);
    const warnings: string[] = [];
    new KeyFileCipher(keyFile, (l) => warnings.push(l));
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/readable by other users/);
  });

  it('uses safeStorage on the desktop, unless Linux has no keyring', () => {
    const fake: SafeStorageLike = {
      isEncryptionAvailable: () => true,
      encryptString: (p) => Buffer.from([...Buffer.from(p)].reverse()),
      decryptString: (b) => Buffer.from([...b].reverse()).toString(),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    };
    expect(SafeStorageCipher.usable(fake)).toBe(true);
    expect(SafeStorageCipher.usable({ ...fake, getSelectedStorageBackend: () => 'basic_text' })).toBe(false);
    expect(SafeStorageCipher.usable({ ...fake, isEncryptionAvailable: () => false })).toBe(false);
    const d = tempDb();
    dbs.push(d);
    const store = new SecretStore(d.db, new SafeStorageCipher(fake));
    store.put('host:2', 'pw');
    expect(store.get('host:2')).toBe('pw');
    // A secret written by another cipher is not mis-decrypted: it reads as absent.
    const keyfile = new SecretStore(d.db, new KeyFileCipher(path.join(d.dir, 'k.key')), () => undefined);
    expect(keyfile.get('host:2')).toBeNull();
  });
});
