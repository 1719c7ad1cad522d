// Checks a private key file on this computer before any connection is dialled, so a wrong path is
// reported as what it is (a public key, not a key at all, a device, too big) and never as an
// unreachable host, and never starts the reconnect loop.
import { utils, type ParsedKey } from 'ssh2';
import { ApiError } from '../../../shared/api/errors';
import { readSmallFile, SmallFileError } from '../../lib/small-file';

/** OpenSSH keys are a few KiB (an 16384-bit RSA key is about 13 KiB). */
export const MAX_KEY_BYTES = 64 * 1024;

const keyFileError = (message: string): ApiError => new ApiError('KEY_FILE', message, 'keyPath');

/**
 * Reads and checks the key. Decryption is left to ssh2 (a wrong passphrase is an AUTH_FAILED that
 * asks again); here we only tell whether the file is a private key and whether it is encrypted.
 */
export function loadPrivateKey(file: string, where: string, passphrase: string | undefined): Buffer {
  let data: Buffer;
  try {
    data = readSmallFile(file, MAX_KEY_BYTES);
  } catch (err) {
    if (!(err instanceof SmallFileError)) throw err;
    const fix = `Choose the private key file in the settings of ${where}.`;
    if (err.reason === 'unreadable') {
      const why =
        err.code === 'ENOENT'
          ? 'does not exist'
          : err.code === 'EACCES'
            ? 'cannot be read by Labdeck (permission denied)'
            : `cannot be read (${err.code ?? 'error'})`;
      throw keyFileError(`The key file ${file} for ${where} ${why}. ${fix}`);
    }
    throw keyFileError(`The key file for ${where} is unusable: ${err.message} ${fix}`);
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) {
      if (passphrase) return data;
      throw new ApiError(
        'SECRET_REQUIRED',
        `The key ${file} for ${where} is encrypted: enter its passphrase.`,
        undefined,
        {
          secret: 'passphrase',
        },
      );
    }
    throw keyFileError(
      `${file} (the key file for ${where}) is not an SSH private key (${parsed.message}). Choose the private key file, e.g. ~/.ssh/id_ed25519.`,
    );
  }
  const key: ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (!key?.isPrivateKey()) {
    throw keyFileError(
      `${file} (the key file for ${where}) is a public key. Labdeck needs the private key: ${file.endsWith('.pub') ? `${file.slice(0, -4)}, without .pub` : 'the file without .pub'}.`,
    );
  }
  return data;
}
