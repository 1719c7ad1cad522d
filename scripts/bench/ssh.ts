// SSH figures against the lab (needs root): connection setup, fresh and pooled, and 20 hosts at
// once — each against native OpenSSH doing the same work in the same run.
import { defaultConfig } from '../../tests/lab/config';
import { labDown, labUp } from '../../tests/lab/lab';
import type { LabHost } from '../../tests/lab/types';
import { benchApp, runNativeSsh } from './lab-support';
import { fmtMs as ms, median, spread, needsRoot, type BenchRow, type Target } from './stats';

export type { BenchRow } from './stats';

export async function sshBench(targets: Target[]): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) {
    return [needsRoot('SSH figures')];
  }
  const lab = await labUp({ ...defaultConfig(), sshHosts: 21, containers: 0, docker: false }, () => {});
  const direct = lab.hosts.filter((h) => h.kind === 'ssh' && !h.jump).slice(0, 20);
  const { app, knownHosts } = benchApp(lab.hosts);
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
    for (let i = 0; i < 10; i++) native.push(await runNativeSsh(h1, knownHosts, 'true'));

    // 20 hosts at once, three rounds (each from nothing connected).
    const ids = await Promise.all(direct.map((h, i) => add(h, `many-${i}`)));
    const all: number[] = [];
    const allNative: number[] = [];
    let rssDelta = 0;
    for (let round = 0; round < 3; round++) {
      const rssBefore = process.memoryUsage().rss;
      let t0 = performance.now();
      await Promise.all(ids.map((id) => app.pool.connect(id)));
      all.push(performance.now() - t0);
      if (round === 0) rssDelta = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      for (const id of ids) app.pool.disconnect(id);
      t0 = performance.now();
      await Promise.all(direct.map((h) => runNativeSsh(h, knownHosts, 'true')));
      allNative.push(performance.now() - t0);
    }
    targets.push({
      what: 'a command on a pooled connection in single-digit milliseconds',
      met: median(pooled) < 10,
      detail: `median ${ms(median(pooled))}`,
      fatal: false,
    });
    return [
      {
        metric: 'SSH: fresh connection + one command',
        ours: ms(median(fresh)),
        spread: spread(fresh, ms),
        base: ms(median(native)),
        baseSpread: spread(native, ms),
        ratio: `${(median(fresh) / median(native)).toFixed(2)}×`,
        baseline: 'native `ssh host true`',
      },
      {
        metric: 'SSH: one command on a pooled connection',
        ours: ms(median(pooled)),
        spread: spread(pooled, ms),
        base: ms(median(native)),
        baseSpread: spread(native, ms),
        ratio: `${(median(pooled) / median(native)).toFixed(3)}×`,
        baseline: 'native `ssh host true`',
      },
      {
        metric: `SSH: 20 hosts connected at once (+${rssDelta.toFixed(1)} MiB RSS)`,
        ours: ms(median(all)),
        spread: spread(all, ms),
        base: ms(median(allNative)),
        baseSpread: spread(allNative, ms),
        ratio: `${(median(all) / median(allNative)).toFixed(2)}×`,
        baseline: '20 native `ssh host true` in parallel',
      },
    ];
  } finally {
    await app.close();
    labDown(undefined, () => {});
  }
}
