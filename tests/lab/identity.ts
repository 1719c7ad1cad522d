// Client keys (cached), host keys and the lab's Unix accounts.
import fs from 'node:fs';
import path from 'node:path';
import { CREDS, NAMES, PATHS } from './config';
import { attempt, run } from './sh';

export interface ClientKeys {
  plain: string;
  encrypted: string;
}

export function ensureClientKeys(): ClientKeys {
  fs.mkdirSync(PATHS.keys, { recursive: true, mode: 0o700 });
  const plain = path.join(PATHS.keys, 'id_ed25519');
  const encrypted = path.join(PATHS.keys, 'id_ed25519_encrypted');
  if (!fs.existsSync(plain))
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'labdeck-lab', '-f', plain]);
  if (!fs.existsSync(encrypted)) {
    run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      CREDS.passphrase,
      '-C',
      'labdeck-lab-encrypted',
      '-f',
      encrypted,
    ]);
  }
  return { plain, encrypted };
}

export const publicKey = (keyFile: string): string => fs.readFileSync(`${keyFile}.pub`, 'utf8').trim();

/** A fresh ed25519 host key at `file` (replacing any old one). */
export function newHostKey(file: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'labdeck-lab-host', '-f', file]);
}

/** "SHA256:..." of a public key line or file. */
export function fingerprint(pubKeyLine: string): string {
  const out = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: `${pubKeyLine}\n` });
  const m = /(SHA256:\S+)/.exec(out);
  if (!m) throw new Error(`ssh-keygen printed no fingerprint for ${pubKeyLine.slice(0, 40)}…`);
  return m[1]!;
}

export function ensureAccounts(): void {
  if (!attempt('getent', ['group', NAMES.dockerGroup])) run('groupadd', ['--system', NAMES.dockerGroup]);
  for (const [name, groups] of [
    [NAMES.user, NAMES.dockerGroup],
    [NAMES.admin, `${NAMES.dockerGroup},sudo`],
  ] as const) {
    if (!attempt('id', [name]))
      run('useradd', ['--create-home', '--shell', '/bin/bash', '--groups', groups, name]);
    // Locked accounts are refused by sshd even for key auth; '*' unlocks without a password.
    run('usermod', ['-p', '*', name]);
  }
  // The normal user also has a password, accepted only by the host configured for password auth.
  run('chpasswd', [], { input: `${NAMES.user}:${CREDS.password}\n` });
  fs.writeFileSync(NAMES.sudoers, `${NAMES.admin} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
}

export function removeAccounts(): void {
  for (const name of [NAMES.user, NAMES.admin]) {
    if (attempt('id', [name])) {
      attempt('pkill', ['-KILL', '-u', name]);
      attempt('userdel', ['--remove', name]);
    }
  }
  attempt('groupdel', [NAMES.dockerGroup]);
  fs.rmSync(NAMES.sudoers, { force: true });
}
