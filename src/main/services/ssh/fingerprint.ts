// Host key fingerprints as OpenSSH prints them ("SHA256:" + unpadded base64 of the key blob's hash).
import crypto from 'node:crypto';

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob, e.g. "ssh-ed25519". */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return len > 0 && len < 64 && keyBlob.length >= 4 + len
    ? keyBlob.subarray(4, 4 + len).toString('ascii')
    : 'unknown';
}
