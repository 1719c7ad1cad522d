// The desktop cipher: Electron's safeStorage (macOS Keychain, Windows DPAPI, libsecret/kwallet on
// Linux). Takes safeStorage as a parameter so this file stays plain Node.
import type { Cipher } from './secret-store';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring, i.e. no real protection. */
  getSelectedStorageBackend?: () => string;
}

export class SafeStorageCipher implements Cipher {
  readonly id = 'electron-safestorage';
  readonly describe: string;
  constructor(private readonly storage: SafeStorageLike) {
    const backend = storage.getSelectedStorageBackend?.();
    this.describe = `the OS keychain (Electron safeStorage${backend ? `, ${backend}` : ''})`;
  }

  /** Whether the OS keyring really protects secrets (otherwise use the key-file cipher). */
  static usable(storage: SafeStorageLike): boolean {
    if (!storage.isEncryptionAvailable()) return false;
    const backend = storage.getSelectedStorageBackend?.();
    return backend === undefined || backend !== 'basic_text';
  }

  encrypt(plain: string): string {
    return this.storage.encryptString(plain).toString('base64');
  }

  decrypt(encoded: string): string {
    return this.storage.decryptString(Buffer.from(encoded, 'base64'));
  }
}
