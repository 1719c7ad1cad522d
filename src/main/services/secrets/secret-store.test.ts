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

  it('detects tampering and a different key', () => {
    const d = tempDb();
    dbs.push(d);
    const store = new SecretStore(d.db, new KeyFileCipher(path.join(d.dir, 'a.key')));
    store.put('x', 'secret');
    const other = new SecretStore(d.db, new KeyFileCipher(path.join(tempDir(), 'b.key')));
    expect(() => other.get('x')).toThrow();
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
    expect(new SecretStore(d.db, new KeyFileCipher(path.join(d.dir, 'k.key'))).get('host:2')).toBeNull();
  });
});
