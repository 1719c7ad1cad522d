// One Debian sshd per namespace host: own host key, own config, key-only unless told otherwise.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NAMES, PATHS } from './config';
import { fingerprint, newHostKey } from './identity';
import { alive } from './sh';

export interface SshdSpec {
  name: string;
  namespace: string;
  address: string;
  /** user -> public key lines accepted for that user on this host. */
  authorizedKeys: Record<string, string[]>;
  passwordAuth: boolean;
  /** Extra sshd_config lines (e.g. SetEnv for the Docker host). */
  extra?: string[];
}

export const hostDir = (name: string): string => path.join(PATHS.run, name);
const pidFile = (name: string): string => path.join(hostDir(name), 'sshd.pid');
export const hostKeyFile = (name: string): string => path.join(hostDir(name), 'ssh_host_ed25519_key');

export function writeSshdConfig(spec: SshdSpec): void {
  const dir = hostDir(spec.name);
  fs.mkdirSync(path.join(dir, 'authorized_keys'), { recursive: true, mode: 0o755 });
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const [user, keys] of Object.entries(spec.authorizedKeys)) {
    fs.writeFileSync(path.join(dir, 'authorized_keys', user), `${keys.join('\n')}\n`, { mode: 0o644 });
  }
  if (!fs.existsSync(hostKeyFile(spec.name))) newHostKey(hostKeyFile(spec.name));
  const config = [
    `ListenAddress ${spec.address}:22`,
    `HostKey ${hostKeyFile(spec.name)}`,
    'PidFile none',
    'UsePAM no',
    `PasswordAuthentication ${spec.passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin no',
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}/%u`,
    `AllowUsers ${NAMES.user} ${NAMES.admin}`,
    'Subsystem sftp internal-sftp',
    'AllowTcpForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    ...(spec.extra ?? []),
  ];
  fs.writeFileSync(path.join(dir, 'sshd_config'), `${config.join('\n')}\n`);
}

export function startSshd(name: string, namespace: string): number {
  const dir = hostDir(name);
  const log = fs.openSync(path.join(dir, 'sshd.log'), 'a');
  const child = spawn(
    'ip',
    ['netns', 'exec', namespace, '/usr/sbin/sshd', '-D', '-e', '-f', path.join(dir, 'sshd_config')],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  fs.closeSync(log);
  if (!child.pid) throw new Error(`could not start sshd for ${name}`);
  // `ip netns exec` execs sshd, so this pid is sshd's own.
  fs.writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

export function sshdPid(name: string): number | null {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    return alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export function stopSshd(name: string): void {
  const pid = sshdPid(name);
  if (pid) {
    try {
      process.kill(pid, 'SIGCONT'); // a frozen sshd cannot act on TERM
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(pidFile(name), { force: true });
}

export function hostKeyInfo(name: string): { hostKey: string; fingerprint: string } {
  const line = fs.readFileSync(`${hostKeyFile(name)}.pub`, 'utf8').trim();
  const [type, key] = line.split(/\s+/);
  return { hostKey: `${type} ${key}`, fingerprint: fingerprint(line) };
}

/** Resolves once something at address:port speaks SSH (sends its banner). */
export async function waitForSsh(address: string, port = 22, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: address, port, timeout: 1000 });
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.startsWith('SSH-')) {
          sock.destroy();
          resolve(true);
        }
      });
      sock.on('timeout', () => {
        last = 'timeout';
        sock.destroy();
        resolve(false);
      });
      sock.on('error', (e) => {
        last = e.message;
        resolve(false);
      });
      sock.on('close', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no SSH banner from ${address}:${port} within ${timeoutMs} ms (${last})`);
}
