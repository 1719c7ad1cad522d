// Native OpenSSH against lab hosts, with the advertised host keys as the only known hosts: a host
// that answers with another key fails, which is what the lab's own tests rely on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabDescription, LabHost, LabLogin } from './types';

export interface SshResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function knownHostsFile(lab: LabDescription, hosts: LabHost[] = lab.hosts): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ldlab-kh-')), 'known_hosts');
  fs.writeFileSync(file, hosts.map((h) => `${h.address} ${h.hostKey}`).join('\n') + '\n');
  return file;
}

function askpass(secret: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ldlab-askpass-')), 'askpass.sh');
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${secret.replace(/'/g, `'\\''`)}'\n`, { mode: 0o700 });
  return file;
}

export function sshOptions(login: LabLogin, knownHosts: string, connectTimeout = 3): string[] {
  return [
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `ConnectTimeout=${connectTimeout}`,
    '-o',
    'LogLevel=ERROR',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `PasswordAuthentication=${login.password ? 'yes' : 'no'}`,
    '-o',
    `PubkeyAuthentication=${login.keyFile ? 'yes' : 'no'}`,
    '-o',
    'KbdInteractiveAuthentication=no',
    ...(login.keyFile ? ['-i', login.keyFile] : []),
    ...(login.password || login.passphrase ? [] : ['-o', 'BatchMode=yes']),
  ];
}

/** Runs `command` on a lab host with native ssh (asynchronously: a proxy in this process must keep running). */
export function ssh(
  lab: LabDescription,
  host: LabHost,
  command: string,
  o: {
    login?: LabLogin;
    knownHosts?: string;
    address?: string;
    port?: number;
    timeoutMs?: number;
    connectTimeout?: number;
  } = {},
): Promise<SshResult> {
  const login = o.login ?? host.user;
  const kh = o.knownHosts ?? knownHostsFile(lab);
  const args = sshOptions(login, kh, o.connectTimeout);
  if (host.jump) {
    const jump = lab.hosts.find((h) => h.name === host.jump)!;
    const inner = [
      'ssh',
      ...sshOptions(jump.user, kh),
      '-W',
      '%h:%p',
      `${jump.user.user}@${jump.address}`,
    ].join(' ');
    args.push('-o', `ProxyCommand=${inner}`);
  }
  if (o.port ?? host.port) args.push('-p', String(o.port ?? host.port));
  if (o.address && o.address !== host.address) args.push('-o', `HostKeyAlias=${host.address}`);
  args.push(`${login.user}@${o.address ?? host.address}`, command);
  const secret = login.password ?? login.passphrase;
  const env = secret
    ? { ...process.env, SSH_ASKPASS: askpass(secret), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }
    : process.env;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn('ssh', args, { env, timeout: o.timeoutMs ?? 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr, ms: performance.now() - t0 }));
  });
}
