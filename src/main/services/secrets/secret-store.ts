// Secrets (passwords, passphrases, tokens) at rest: encrypted by a Cipher before they reach SQLite.
// Desktop: Electron's safeStorage (the OS keychain); browser mode: AES-256-GCM with a key file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/database';
import { secrets } from '../../db/schema';

export interface Cipher {
  /** Stored with each secret, so a change of cipher is detected rather than mis-decrypted. */
  readonly id: string;
  encrypt(plain: string): string;
  decrypt(encoded: string): string;
}

/** AES-256-GCM with a random 32-byte key kept in a 0600 file beside the database. */
export class KeyFileCipher implements Cipher {
  readonly id = 'aes-256-gcm/keyfile';
  private readonly key: Buffer;

  constructor(keyFile: string) {
    if (!fs.existsSync(keyFile)) {
      fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      // 'wx' fails if another process made it first: then read theirs.
      try {
        fs.writeFileSync(keyFile, crypto.randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    this.key = fs.readFileSync(keyFile);
    if (this.key.length !== 32)
      throw new Error(`The secrets key file ${keyFile} is damaged (expected 32 bytes).`);
  }

  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  decrypt(encoded: string): string {
    const raw = Buffer.from(encoded, 'base64');
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

export class SecretStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: Cipher,
  ) {}

  put(ref: string, plain: string): void {
    const ciphertext = this.cipher.encrypt(plain);
    const row = { ref, ciphertext, cipher: this.cipher.id, updatedAt: Date.now() };
    this.db.insert(secrets).values(row).onConflictDoUpdate({ target: secrets.ref, set: row }).run();
  }

  /** The secret, or null if none is stored (or it was stored with another cipher). */
  get(ref: string): string | null {
    const row = this.db.select().from(secrets).where(eq(secrets.ref, ref)).get();
    if (!row || row.cipher !== this.cipher.id) return null;
    return this.cipher.decrypt(row.ciphertext);
  }

  delete(ref: string): void {
    this.db.delete(secrets).where(eq(secrets.ref, ref)).run();
  }
}
