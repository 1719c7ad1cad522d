// Bootstrap figures against the lab's real containers (needs root): a cold bootstrap of a fresh
// container and the no-op re-run through Labdeck, against ansible-playbook run by hand on another
// fresh container for the same roles in the same run; and how long a task's event takes from the
// callback writing it on the host to the app having it (containers share this machine's clock).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BootstrapEvent, BootstrapRun } from '../../src/shared/api/bootstrap-domain';
import { defaultConfig } from '../../tests/lab/config';
import { labDown, labUp } from '../../tests/lab/lab';
import type { LabHost } from '../../tests/lab/types';
import { benchApp } from './lab-support';
import { fmtMs, median, needsRoot, pct, spread, type BenchRow, type Target } from './stats';

const ROLES = ['base', 'python', 'docker', 'postgresql', 'experiments'];
const ANSIBLE = path.resolve(__dirname, '../../ansible');
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function byHand(h: LabHost, knownHosts: string, script: string): number {
  const t0 = performance.now();
  const r = spawnSync(
    'ssh',
    [
      ...['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
      ...['-i', h.admin.keyFile, `${h.admin.user}@${h.address}`, script],
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0)
    throw new Error(`by hand on ${h.name}: exit ${r.status}: ${(r.stderr || r.stdout).slice(-800)}`);
  return performance.now() - t0;
}

export async function bootstrapBench(targets: Target[]): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) return [needsRoot('Bootstrap figures')];
  const lab = await labUp({ ...defaultConfig(), sshHosts: 0, containers: 2, docker: false }, () => {});
  const [ct1, ct2] = lab.hosts.filter((h) => h.kind === 'lxc') as [LabHost, LabHost];
  const { app, knownHosts } = benchApp(lab.hosts);
  const ctx = { actor: 'bench' };
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const env = await app.dispatcher.dispatch(name, input, ctx);
    if (!env.ok) throw new Error(`${name}: ${env.error.message}`);
    return env.result as T;
  };
  const delays: number[] = [];
  app.bootstrap.events.on('event', (e: BootstrapEvent) => {
    // When the callback wrote the event: a task's start, or its end (start + its duration).
    if (e.t === 'task') delays.push(Date.now() - (e.task.startedAt + (e.task.durationMs ?? 0)));
  });
  const runOnce = async (hostId: number): Promise<{ ms: number; changed: number }> => {
    const t0 = performance.now();
    const run = await call<{ id: string }>('bootstrap.start', {
      hostIds: [hostId],
      roles: ROLES,
      mode: 'apply',
    });
    for (;;) {
      const r = await call<BootstrapRun>('bootstrap.get', { runId: run.id });
      if (r.state !== 'running') {
        if (r.state !== 'succeeded') throw new Error(`bootstrap ${r.state}: ${r.hostRuns[0]!.message}`);
        return { ms: performance.now() - t0, changed: r.hostRuns[0]!.counts.changed };
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  try {
    const { id } = await call<{ id: number }>('hosts.add', {
      name: 'bench-ct1',
      address: ct1.address,
      user: ct1.admin.user,
      authMethod: 'key',
      keyPath: ct1.admin.keyFile,
      kind: 'lxc',
    });
    // The by-hand baseline first, so the apt cache is warm for both (as for a real second host).
    spawnSync('scp', [
      '-q',
      '-r',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-i',
      ct2.admin.keyFile,
      ANSIBLE,
      `root@${ct2.address}:/root/ansible-by-hand`,
    ]);
    const vars = JSON.stringify({ labdeck_roles: ROLES });
    const install =
      'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-apt ansible-core >/dev/null';
    const playbook = `cd /root/ansible-by-hand && printf '%s' '${vars}' > /tmp/v.json && ANSIBLE_CONFIG=/root/ansible-by-hand/ansible.cfg ansible-playbook -c local -i localhost, site.yml -e @/tmp/v.json >/tmp/by-hand.log 2>&1`;
    const handCold = byHand(ct2, knownHosts, `${install} && ${playbook}`);
    const handAgain = [0, 1, 2].map(() => byHand(ct2, knownHosts, playbook));

    const cold = await runOnce(id);
    const again: number[] = [];
    const changed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runOnce(id);
      again.push(r.ms);
      changed.push(r.changed);
    }
    targets.push({
      what: 'bootstrap no-op re-run at most 20 s with changed=0',
      met: median(again) <= 20_000 && changed.every((c) => c === 0),
      detail: `median ${sec(median(again))}, changed ${changed.join('/')}`,
      fatal: false,
    });
    targets.push({
      what: 'bootstrap events from host to app: median ≤ 100 ms',
      met: median(delays) <= 100,
      detail: `median ${fmtMs(median(delays))}, p95 ${fmtMs(pct(delays, 0.95))} (n=${delays.length})`,
      fatal: false,
    });
    return [
      {
        metric: `bootstrap, fresh container (${ROLES.join('+')}; apt cache warm)`,
        ours: sec(cold.ms),
        spread: spread([cold.ms], sec),
        base: sec(handCold),
        baseSpread: '— (1 run)',
        ratio: `${(cold.ms / handCold).toFixed(2)}×`,
        baseline: 'by hand: apt-get install ansible-core, ansible-playbook -c local',
      },
      {
        metric: `bootstrap re-run, nothing to change (changed ${changed.join('/')})`,
        ours: sec(median(again)),
        spread: spread(again, sec),
        base: sec(median(handAgain)),
        baseSpread: spread(handAgain, sec),
        ratio: `${(median(again) / median(handAgain)).toFixed(2)}×`,
        baseline: 'ansible-playbook -c local by hand over ssh',
      },
      {
        metric: 'bootstrap task event: callback writes it → app has it',
        ours: fmtMs(median(delays)),
        spread: `${fmtMs(Math.min(...delays))} / p95 ${fmtMs(pct(delays, 0.95))} / ${fmtMs(Math.max(...delays))} (n=${delays.length})`,
        base: '100 ms',
        baseSpread: '—',
        ratio: `${(median(delays) / 100).toFixed(2)}×`,
        baseline: 'target',
      },
    ];
  } finally {
    await app.close();
    labDown(undefined, () => {});
  }
}
