// What the lab-backed benchmarks share: native OpenSSH as the baseline, and an app that trusts the
// lab's host keys through a known_hosts file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type AppOptions, type AppServices } from '../../src/main/app/compose';
import type { LabHost } from '../../tests/lab/types';

export function nativeSshArgs(h: LabHost, knownHosts: string, command: string, tty: boolean): string[] {
  return [
    ...(tty ? ['-tt'] : []),
    ...['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes'],
    ...['-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'],
    ...['-i', h.user.keyFile, `${h.user.user}@${h.address}`, command],
  ];
}

/** Milliseconds until `ssh host command` exits (rejects unless it exits 0). */
export function runNativeSsh(h: LabHost, knownHosts: string, command: string, tty = false): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('ssh', nativeSshArgs(h, knownHosts, command, tty), { stdio: 'ignore' });
    p.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ssh exited ${code}`)),
    );
  });
}

/** A fresh app (own data folder) whose known_hosts lists these lab hosts; `options` over the defaults. */
export function benchApp(
  hosts: LabHost[],
  options: Partial<AppOptions> = {},
): { app: AppServices; knownHosts: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-'));
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, hosts.map((h) => `${h.address} ${h.hostKey}`).join('\n') + '\n');
  const app = createApp({
    dataDir: dir,
    migrationsFolder: path.resolve(__dirname, '../../drizzle'),
    mode: 'browser',
    version: 'bench',
    knownHostsFiles: [knownHosts],
    ...options,
  });
  return { app, knownHosts };
}
