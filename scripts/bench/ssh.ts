// SSH figures against the lab (needs root): connection setup, fresh and pooled, and 20 hosts at
// once — each against native OpenSSH doing the same work in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/main/app/compose';
import { defaultConfig } from '../../tests/lab/config';
import { labDown, labUp } from '../../tests/lab/lab';
import type { LabHost } from '../../tests/lab/types';

export interface BenchRow {
  metric: string;
  ours: string;
  base: string;
  ratio: string;
  baseline: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ms`;

function nativeSsh(h: LabHost, knownHosts: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(
      'ssh',
      [
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-i',
        h.user.keyFile,
        `${h.user.user}@${h.address}`,
        'true',
      ],
      { stdio: 'ignore' },
    );
    p.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ssh exited ${code}`)),
    );
  });
}

export async function sshBench(): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) {
    return [
      { metric: 'SSH figures', ours: 'skipped', base: '—', ratio: '—', baseline: 'need root for the lab' },
    ];
  }
  const lab = await labUp({ ...defaultConfig(), sshHosts: 21, containers: 0, docker: false }, () => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-ssh-'));
  const knownHosts = path.join(dir, 'known_hosts');
  const direct = lab.hosts.filter((h) => h.kind === 'ssh' && !h.jump).slice(0, 20);
  fs.writeFileSync(knownHosts, lab.hosts.map((h) => `${h.address} ${h.hostKey}`).join('\n') + '\n');
  const app = createApp({
    dataDir: dir,
    migrationsFolder: path.resolve(__dirname, '../../drizzle'),
    mode: 'browser',
    version: 'bench',
    knownHostsFiles: [knownHosts],
  });
  const ctx = { actor: 'bench' };
  const add = async (h: LabHost, name: string): Promise<number> => {
    const env = await app.dispatcher.dispatch(
      'hosts.add',
      { name, address: h.address, user: h.user.user, authMethod: 'key', keyPath: h.user.keyFile },
      ctx,
    );
    if (!env.ok) throw new Error(env.error.message);
    return (env.result as { id: number }).id;
  };
  try {
    const h1 = direct[0]!;
    // Fresh: a new connection (TCP, key exchange, auth) and one command, every time.
    const fresh: number[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await add(h1, `fresh-${i}`);
      const t0 = performance.now();
      await app.pool.exec(id, 'true');
      fresh.push(performance.now() - t0);
      app.pool.disconnect(id);
    }
    // Pooled: the same command over the connection already open.
    const pooledId = await add(h1, 'pooled');
    await app.pool.exec(pooledId, 'true');
    const pooled: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await app.pool.exec(pooledId, 'true');
      pooled.push(performance.now() - t0);
    }
    const native: number[] = [];
    for (let i = 0; i < 10; i++) native.push(await nativeSsh(h1, knownHosts));

    // 20 hosts at once.
    const ids = await Promise.all(direct.map((h, i) => add(h, `many-${i}`)));
    const rssBefore = process.memoryUsage().rss;
    let t0 = performance.now();
    await Promise.all(ids.map((id) => app.pool.connect(id)));
    const all = performance.now() - t0;
    const rssDelta = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    t0 = performance.now();
    await Promise.all(direct.map((h) => nativeSsh(h, knownHosts)));
    const allNative = performance.now() - t0;
    return [
      {
        metric: 'SSH: fresh connection + one command (median of 10)',
        ours: ms(median(fresh)),
        base: ms(median(native)),
        ratio: `${(median(fresh) / median(native)).toFixed(2)}×`,
        baseline: 'native `ssh host true`',
      },
      {
        metric: 'SSH: one command on a pooled connection (median of 30)',
        ours: ms(median(pooled)),
        base: ms(median(native)),
        ratio: `${(median(pooled) / median(native)).toFixed(3)}×`,
        baseline: 'native `ssh host true`',
      },
      {
        metric: `SSH: 20 hosts connected at once (+${rssDelta.toFixed(1)} MiB RSS)`,
        ours: ms(all),
        base: ms(allNative),
        ratio: `${(all / allNative).toFixed(2)}×`,
        baseline: '20 native `ssh host true` in parallel',
      },
    ];
  } finally {
    app.close();
    labDown(undefined, () => {});
  }
}
