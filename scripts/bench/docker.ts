// Docker figures against the lab's Docker host (needs root): listContainers over Labdeck's pooled
// channel vs dockerode with docker-modem's `ssh` protocol vs the `docker -H ssh://` CLI, same host,
// same run; and 100 MB of a container's log followed through the API into a viewer that
// acknowledges each batch (throughput and main-process memory) vs `ssh host docker logs`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { DockerEngines } from '../../src/main/services/docker/engines';
import type { DockerLogEvent } from '../../src/shared/api/docker-domain';
import { defaultConfig, NAMES } from '../../tests/lab/config';
import { labDown, labUp } from '../../tests/lab/lab';
import { run } from '../../tests/lab/sh';
import type { LabHost } from '../../tests/lab/types';
import { memoryLink } from '../../tests/support/memory-link';
import { benchApp, nativeSshArgs } from './lab-support';
import { fmtMs as ms, median, needsRoot, pct, spread, type BenchRow, type Target } from './stats';

const LOG_BYTES = 100 * 1024 * 1024;

async function times(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** `docker -H ssh://…` finds `ssh` on PATH: a wrapper there gives it the lab's key and known_hosts. */
function sshWrapperDir(h: LabHost, knownHosts: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-ssh-'));
  const real = run('sh', ['-c', 'command -v ssh']).trim();
  fs.writeFileSync(
    path.join(dir, 'ssh'),
    `#!/bin/sh\nexec ${real} -i '${h.user.keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile='${knownHosts}' -o StrictHostKeyChecking=yes "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

function cliPs(h: LabHost, pathDir: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('docker', ['-H', `ssh://${h.user.user}@${h.address}`, 'ps', '-a'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${pathDir}:${process.env['PATH'] ?? ''}` },
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`docker -H ssh:// ps: ${code} ${err}`)),
    );
  });
}

function pctRow(metric: string, ours: number[], base: number[], baseline: string): BenchRow {
  return {
    metric,
    ours: `${ms(median(ours))} (p99 ${ms(pct(ours, 0.99))})`,
    spread: spread(ours, ms),
    base: `${ms(median(base))} (p99 ${ms(pct(base, 0.99))})`,
    baseSpread: spread(base, ms),
    ratio: `${(median(ours) / median(base)).toFixed(3)}×`,
    baseline,
  };
}

export async function dockerBench(targets: Target[]): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) return [needsRoot('Docker figures')];
  const lab = await labUp({ ...defaultConfig(), sshHosts: 1, containers: 0, docker: true }, () => {});
  const d = lab.hosts.find((h) => h.kind === 'docker')!;
  const { app, knownHosts } = benchApp(lab.hosts);
  const socket = d.dockerSocket!;
  const local = (...args: string[]): string => run('docker', ['-H', `unix://${socket}`, ...args]).trim();
  const logger = `ldbench-logs-${process.pid}`;
  try {
    const env = await app.dispatcher.dispatch(
      'hosts.add',
      {
        name: 'bench-docker',
        address: d.address,
        user: d.user.user,
        authMethod: 'key',
        keyPath: d.user.keyFile,
      },
      { actor: 'bench' },
    );
    if (!env.ok) throw new Error(env.error.message);
    const hostId = (env.result as { id: number }).id;
    const engines = new DockerEngines(app.pool, () => 'bench-docker');
    const engine = await engines.get(hostId);
    await engine.docker.listContainers({ all: true });

    // listContainers: Labdeck's pooled channel, kept alive.
    const pooled = await times(200, () => engine.docker.listContainers({ all: true }));
    const connections = app.pool.state(hostId).connections;
    // dockerode with docker-modem's ssh protocol: a new SSH connection (and dial-stdio) per call.
    const modemSsh = new Dockerode({
      protocol: 'ssh',
      host: d.address,
      port: 22,
      username: d.user.user,
      sshOptions: { privateKey: fs.readFileSync(d.user.keyFile) },
    });
    await modemSsh.listContainers({ all: true });
    const viaModemSsh = await times(30, () => modemSsh.listContainers({ all: true }));
    // The Docker CLI over ssh://.
    const wrapper = sshWrapperDir(d, knownHosts);
    await cliPs(d, wrapper);
    const viaCli: number[] = [];
    for (let i = 0; i < 20; i++) viaCli.push(await cliPs(d, wrapper));
    const speedup = median(viaModemSsh) / median(pooled);
    targets.push({
      what: 'listContainers over the pooled channel ≥ 10× faster than docker-modem ssh',
      met: speedup >= 10,
      detail: `${speedup.toFixed(1)}× (${ms(median(pooled))} vs ${ms(median(viaModemSsh))}); pool connections ${connections}`,
      fatal: false,
    });

    // Logs: 100 MB written by a container, then followed from the start through the API session
    // (JSON on the wire, batches acknowledged after "painting"), vs native ssh + docker logs.
    local('rm', '-f', logger);
    local(
      'run',
      '-d',
      '--init',
      '--network',
      'none',
      '--name',
      logger,
      NAMES.dockerImage,
      'sh',
      '-c',
      `head -c ${Math.round((LOG_BYTES * 3) / 4)} /dev/urandom | base64 -w 100`,
    );
    const deadline = Date.now() + 180_000;
    while (local('inspect', '-f', '{{.State.Status}}', logger) !== 'exited') {
      if (Date.now() > deadline) throw new Error('the log writer did not finish in 3 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const { api, session } = memoryLink(app.dispatcher, app.streams);
    const follows: number[] = [];
    const rates: number[] = [];
    let peakRss = 0;
    let received = 0;
    for (let round = 0; round < 3; round++) {
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - rss0)), 50);
      received = 0;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const off = api.streams.docker.logs(
          { hostId, id: logger, follow: true, since: 0 },
          (events: DockerLogEvent[]) => {
            for (const e of events) {
              if (e.t === 'end') {
                off();
                resolve();
              } else for (const [, text] of e.lines) received += text.length + 1;
            }
            // A viewer acknowledges after painting, a frame later.
            return new Promise<void>((r) => setImmediate(r));
          },
        );
      });
      const took = performance.now() - t0;
      clearInterval(sampler);
      follows.push(took);
      rates.push(received / 1024 / 1024 / (took / 1000));
      peakRss = Math.max(peakRss, peak);
    }
    await session.close();
    const native: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const p = spawn('ssh', nativeSshArgs(d, knownHosts, `docker logs ${logger}`, false), {
          stdio: ['ignore', 'ignore', 'ignore'],
        });
        p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`ssh docker logs exited ${c}`))));
      });
      native.push(performance.now() - t0);
    }
    const mb = received / 1024 / 1024;
    const mbps = (v: number): string => `${v.toFixed(0)} MB/s`;
    targets.push({
      what: 'following 100 MB of log keeps main-process memory bounded (< 200 MiB over the start)',
      met: peakRss < 200 * 1024 * 1024,
      detail: `peak +${(peakRss / 1024 / 1024).toFixed(0)} MiB RSS`,
      fatal: false,
    });
    engines.close();
    return [
      pctRow(
        `Docker: listContainers over the pooled channel (${connections} SSH connection)`,
        pooled,
        viaModemSsh,
        'dockerode + docker-modem `ssh` protocol (new SSH login per call)',
      ),
      pctRow(
        'Docker: listContainers over the pooled channel',
        pooled,
        viaCli,
        '`docker -H ssh://host ps -a` CLI',
      ),
      {
        metric: `Docker: follow ${mb.toFixed(0)} MB of log to a viewer (peak +${(peakRss / 1024 / 1024).toFixed(0)} MiB RSS)`,
        ours: `${ms(median(follows))} (${mbps(median(rates))})`,
        spread: spread(follows, ms),
        base: ms(median(native)),
        baseSpread: spread(native, ms),
        ratio: `${(median(follows) / median(native)).toFixed(2)}×`,
        baseline: 'native `ssh host docker logs` to /dev/null',
      },
    ];
  } finally {
    try {
      local('rm', '-f', logger);
    } catch {
      /* the lab is going anyway */
    }
    await app.close();
    labDown(undefined, () => {});
  }
}
