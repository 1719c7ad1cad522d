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
  /** Where the protection comes from, in words, for the Settings page. */
  readonly describe: string;
  /** `ref` names the secret; a cipher that can binds the ciphertext to it. */
  encrypt(plain: string, ref: string): string;
  decrypt(encoded: string, ref: string): string;
}

const IV = 12;
const TAG = 16;

/**
 * AES-256-GCM with a random 32-byte key kept in a 0600 file beside the database. Each ciphertext
 * is bound to its secret's name (associated data), so rows cannot be swapped between hosts.
 */
export class KeyFileCipher implements Cipher {
  readonly id = 'aes-256-gcm/keyfile/v2';
  readonly describe: string;
  private readonly key: Buffer;
  /** True when this run had to make a new key (first start, or the old one was lost). */
  readonly created: boolean;

  constructor(keyFile: string, warn: (line: string) => void = (l) => console.warn(l)) {
    this.describe = `AES-256-GCM, key in ${keyFile}`;
    this.created = !fs.existsSync(keyFile);
    if (this.created) {
      fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      // 'wx' fails if another process made it first: then read theirs.
      try {
        fs.writeFileSync(keyFile, crypto.randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    // A key readable by others (restored from a backup, copied around) is made private again.
    const mode = fs.statSync(keyFile).mode & 0o777;
    if (mode & 0o077) {
      fs.chmodSync(keyFile, 0o600);
      warn(`[secrets] ${keyFile} was readable by other users (mode ${mode.toString(8)}); made it 0600`);
    }
    this.key = fs.readFileSync(keyFile);
    if (this.key.length !== 32)
      throw new Error(`The secrets key file ${keyFile} is damaged (expected 32 bytes).`);
  }

  encrypt(plain: string, ref: string): string {
    const iv = crypto.randomBytes(IV);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG });
    c.setAAD(Buffer.from(ref, 'utf8'));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  decrypt(encoded: string, ref: string): string {
    const raw = Buffer.from(encoded, 'base64');
    if (raw.length < IV + TAG) throw new Error('ciphertext too short');
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV), { authTagLength: TAG });
    d.setAAD(Buffer.from(ref, 'utf8'));
    d.setAuthTag(raw.subarray(IV, IV + TAG));
    return Buffer.concat([d.update(raw.subarray(IV + TAG)), d.final()]).toString('utf8');
  }
}

export class SecretStore {
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: Db,
    readonly cipher: Cipher,
    private readonly warn: (line: string) => void = (l) => console.warn(l),
  ) {}

  /** Saved secrets this cipher cannot read (another cipher, or a lost key): asked for again. */
  unreadableCount(): number {
    return this.db
      .select()
      .from(secrets)
      .all()
      .filter((r) => r.cipher !== this.cipher.id || !this.readable(r.ref, r.ciphertext)).length;
  }

  private readable(ref: string, ciphertext: string): boolean {
    try {
      this.cipher.decrypt(ciphertext, ref);
      return true;
    } catch {
      return false;
    }
  }

  put(ref: string, plain: string): void {
    const ciphertext = this.cipher.encrypt(plain, ref);
    const row = { ref, ciphertext, cipher: this.cipher.id, updatedAt: Date.now() };
    this.db.insert(secrets).values(row).onConflictDoUpdate({ target: secrets.ref, set: row }).run();
  }

  /**
   * The secret, or null if none is stored or it cannot be read here (stored with another cipher,
   * or its key was lost): then the person is asked for it again, and saving replaces the row.
   */
  get(ref: string): string | null {
    const row = this.db.select().from(secrets).where(eq(secrets.ref, ref)).get();
    if (!row) return null;
    try {
      if (row.cipher !== this.cipher.id)
        throw new Error(`saved with ${row.cipher}, reading with ${this.cipher.id}`);
      return this.cipher.decrypt(row.ciphertext, ref);
    } catch (err) {
      if (!this.warned.has(ref)) {
        this.warned.add(ref);
        this.warn(
          `[secrets] the saved secret ${ref} cannot be read (${(err as Error).message}); it will be asked for again`,
        );
      }
      return null;
    }
  }

  delete(ref: string): void {
    this.db.delete(secrets).where(eq(secrets.ref, ref)).run();
  }
}
