// Host metrics across a fleet (needs root for the lab): N namespace SSH hosts (100 unless
// LABDECK_BENCH_FLEET says otherwise) all connected to one app and sampled at 1 Hz, with the app
// process's CPU and RSS against the same app with the same hosts connected and host metrics off;
// the age of the freshest sample per host, read every second as the fleet view would; then 30 hosts
// of which 10 are frozen (sshd and its sessions SIGSTOPped), where the other 20 must stay fresh.
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defaultConfig } from '../../tests/lab/config';
import { Faults } from '../../tests/lab/faults';
import { labDown, labUp } from '../../tests/lab/lab';
import type { LabHost } from '../../tests/lab/types';
import type { AppServices } from '../../src/main/app/compose';
import { benchApp } from './lab-support';
import { fmtMs, median, needsRoot, pct, spread, type BenchRow, type Target } from './stats';

const FLEET = Number(process.env['LABDECK_BENCH_FLEET'] ?? 100);
/** Seconds sampled with host metrics on (the baseline, metrics off, takes half as long). */
const SECONDS = Number(process.env['LABDECK_BENCH_FLEET_SECONDS'] ?? 60);
const INTERVAL_MS = 1000;
/** Each window is cut into slices of this many seconds: the spread is over slices. */
const SLICE_S = 10;
const FROZEN_OF = 30;
const FROZEN = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pctFmt = (v: number): string => `${v.toFixed(2)}%`;
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MiB`;

/** The machine's busy and total jiffies, all cores (the first line of /proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

interface Slice {
  /** The app process's CPU (user + system, all its threads) as % of one core. */
  cpu: number;
  /**
   * The whole machine's CPU busy, % of all its cores: the lab's hosts (sshd, collectors) share
   * this machine with the app, so a busy machine delays every host's answer.
   */
  machine: number;
  rss: number;
  /** now − ts of each watched host's latest sample, read once a second (null: none yet). */
  ages: (number | null)[];
}

/** Watches `ids` for `seconds`, in slices; the fleet is read once a second, as the fleet view would. */
async function watch(app: AppServices, ids: number[], seconds: number): Promise<Slice[]> {
  const slices: Slice[] = [];
  const want = new Set(ids);
  for (let s = 0; s < seconds / SLICE_S; s++) {
    const ages: (number | null)[] = [];
    const c0 = process.cpuUsage();
    const m0 = machineTicks();
    const t0 = performance.now();
    for (let i = 0; i < SLICE_S; i++) {
      // Once a second, at a random point of it: the hosts tick in step with each other (they
      // started together), so a reader in step with them would see one fixed age.
      await sleep(t0 + (i + Math.random()) * INTERVAL_MS - performance.now());
      const now = Date.now();
      for (const e of app.hostMetrics.fleet()) {
        if (want.has(e.hostId)) ages.push(e.latest ? now - e.latest.ts : null);
      }
    }
    await sleep(t0 + SLICE_S * INTERVAL_MS - performance.now());
    const c = process.cpuUsage(c0);
    const wallUs = (performance.now() - t0) * 1000;
    const m = machineTicks();
    slices.push({
      cpu: (100 * (c.user + c.system)) / wallUs,
      machine: (100 * (m.busy - m0.busy)) / Math.max(1, m.total - m0.total),
      rss: process.memoryUsage().rss,
      ages,
    });
  }
  return slices;
}

/** p99 of the ages read (a host with no sample yet counts as never fresh). */
const p99 = (ages: (number | null)[]): number =>
  pct(
    ages.map((a) => a ?? Infinity),
    0.99,
  );
const allAges = (slices: Slice[]): (number | null)[] => slices.flatMap((s) => s.ages);

async function waitForSamples(app: AppServices, ids: number[], timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const want = new Set(ids);
  while (Date.now() - t0 < timeoutMs) {
    const have = app.hostMetrics.fleet().filter((e) => want.has(e.hostId) && e.latest).length;
    if (have === ids.length) return Date.now() - t0;
    await sleep(200);
  }
  throw new Error(`not every host had a sample after ${timeoutMs} ms`);
}

export async function metricsFleetBench(targets: Target[]): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) return [needsRoot('host metrics: fleet')];
  // One more host than measured: with 3 or more, the lab makes the last one reachable only
  // through h1 (a jump host), and it is left out.
  const lab = await labUp(
    { ...defaultConfig(), sshHosts: FLEET + 1, containers: 0, docker: false },
    () => {},
  );
  const faults = new Faults(lab);
  const direct = lab.hosts.filter((h) => h.kind === 'ssh' && !h.jump).slice(0, FLEET);
  if (direct.length < FLEET) throw new Error(`the lab has ${direct.length} direct SSH hosts, not ${FLEET}`);
  // Host metrics off at first: the baseline is the same app with the same connections.
  const { app } = benchApp(lab.hosts, { hostMetrics: false, metricsIntervalMs: INTERVAL_MS });
  const ctx = { actor: 'bench' };
  const add = async (h: LabHost): Promise<number> => {
    const env = await app.dispatcher.dispatch(
      'hosts.add',
      { name: h.name, address: h.address, user: h.user.user, authMethod: 'key', keyPath: h.user.keyFile },
      ctx,
    );
    if (!env.ok) throw new Error(env.error.message);
    return (env.result as { id: number }).id;
  };
  const frozen: string[] = [];
  try {
    const ids: number[] = [];
    for (const h of direct) ids.push(await add(h));
    // Connected 25 at a time (two cores doing 100 key exchanges at once would time some out).
    const c0 = performance.now();
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(ids.slice(i, i + 25).map((id) => app.pool.connect(id)));
    }
    const connectMs = performance.now() - c0;
    await sleep(2000);

    const base = await watch(app, ids, Math.max(SLICE_S, SECONDS / 2));
    app.hostMetrics.start();
    const firstAll = await waitForSamples(app, ids, 60_000);
    await sleep(3000); // every collector past its first record
    // The app's event loop delay while it samples: high when the app, not the hosts, is late.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const ours = await watch(app, ids, SECONDS);
    loop.disable();
    const loopP99 = loop.percentile(99) / 1e6;

    // 30 hosts, 10 of them frozen: the others are disconnected (their collectors stop with them).
    for (const id of ids.slice(FROZEN_OF)) app.pool.disconnect(id);
    const keep = ids.slice(0, FROZEN_OF);
    const live = keep.slice(0, FROZEN_OF - FROZEN);
    const stuck = keep.slice(FROZEN_OF - FROZEN);
    await sleep(3000);
    const before = await watch(app, live, 2 * SLICE_S);
    for (const h of direct.slice(FROZEN_OF - FROZEN, FROZEN_OF)) {
      faults.freeze(h.name);
      frozen.push(h.name);
    }
    const during = await watch(app, live, 3 * SLICE_S);
    const stuckAges = (() => {
      const now = Date.now();
      const want = new Set(stuck);
      return app.hostMetrics
        .fleet()
        .filter((e) => want.has(e.hostId))
        .map((e) => (e.latest ? now - e.latest.ts : Infinity));
    })();

    const cpuOurs = ours.map((s) => s.cpu);
    const cpuBase = base.map((s) => s.cpu);
    const rssOurs = ours.map((s) => s.rss);
    const rssBase = base.map((s) => s.rss);
    const ageOurs = p99(allAges(ours));
    const agesBefore = p99(allAges(before));
    const agesDuring = p99(allAges(during));
    const onTime = 1.5 * INTERVAL_MS;
    targets.push({
      what: `host metrics for ${FLEET} hosts at 1 Hz ≤ 10% of a core (app process)`,
      met: median(cpuOurs) <= 10,
      detail: `median ${pctFmt(median(cpuOurs))} over ${SECONDS} s (metrics off: ${pctFmt(median(cpuBase))})`,
      fatal: false,
    });
    targets.push({
      what: `${FLEET} hosts: p99 age of the freshest sample ≤ 1.5 × interval`,
      met: ageOurs <= onTime,
      detail: fmtMs(ageOurs),
      fatal: false,
    });
    targets.push({
      what: `${FROZEN} of ${FROZEN_OF} hosts frozen: p99 freshest age of the other ${FROZEN_OF - FROZEN} ≤ 1.5 × interval`,
      met: agesDuring <= onTime,
      detail: `${fmtMs(agesDuring)} (before the freeze ${fmtMs(agesBefore)}; frozen hosts' ages ${fmtMs(
        Math.min(...stuckAges),
      )}–${fmtMs(Math.max(...stuckAges))})`,
      fatal: false,
    });
    const sliceP99 = (slices: Slice[]): number[] => slices.map((s) => p99(s.ages));
    const note = `${SECONDS} s, ${SLICE_S} s slices; connect ${(connectMs / 1000).toFixed(1)} s, all sampled ${(firstAll / 1000).toFixed(1)} s after start`;
    return [
      {
        metric: `fleet: app CPU, ${FLEET} hosts at 1 Hz (% of a core; ${note})`,
        ours: pctFmt(median(cpuOurs)),
        spread: spread(cpuOurs, pctFmt),
        base: pctFmt(median(cpuBase)),
        baseSpread: spread(cpuBase, pctFmt),
        ratio: `${(median(cpuOurs) / Math.max(median(cpuBase), 1e-9)).toFixed(2)}×`,
        baseline: `same app, same ${FLEET} hosts connected, host metrics off`,
      },
      {
        metric: `fleet: app RSS, ${FLEET} hosts at 1 Hz`,
        ours: mib(median(rssOurs)),
        spread: spread(rssOurs, mib),
        base: mib(median(rssBase)),
        baseSpread: spread(rssBase, mib),
        ratio: `${(median(rssOurs) / median(rssBase)).toFixed(2)}×`,
        baseline: `same app, same ${FLEET} hosts connected, host metrics off`,
      },
      {
        metric: `fleet: this machine's CPU busy, all ${os.cpus().length} cores (the lab's sshd and collectors run here too)`,
        ours: pctFmt(median(ours.map((x) => x.machine))),
        spread: spread(
          ours.map((x) => x.machine),
          pctFmt,
        ),
        base: pctFmt(median(base.map((x) => x.machine))),
        baseSpread: spread(
          base.map((x) => x.machine),
          pctFmt,
        ),
        ratio: `${(median(ours.map((x) => x.machine)) / Math.max(median(base.map((x) => x.machine)), 1e-9)).toFixed(2)}×`,
        baseline: `same ${FLEET} hosts connected, host metrics off`,
      },
      {
        metric: `fleet: p99 age of the freshest sample, ${FLEET} hosts (read each second; spread: p99 per slice; p50 ${fmtMs(
          pct(
            allAges(ours).map((a) => a ?? Infinity),
            0.5,
          ),
        )}; app event loop delay p99 ${fmtMs(loopP99)})`,
        ours: fmtMs(ageOurs),
        spread: spread(sliceP99(ours), fmtMs),
        base: fmtMs(INTERVAL_MS),
        baseSpread: '—',
        ratio: `${(ageOurs / INTERVAL_MS).toFixed(2)}×`,
        baseline: 'the interval',
      },
      {
        metric: `fleet: ${FROZEN} of ${FROZEN_OF} hosts frozen (SIGSTOP sshd): p99 freshest age of the other ${FROZEN_OF - FROZEN} (machine ${pctFmt(median(during.map((x) => x.machine)))} busy)`,
        ours: fmtMs(agesDuring),
        spread: spread(sliceP99(during), fmtMs),
        base: fmtMs(agesBefore),
        baseSpread: spread(sliceP99(before), fmtMs),
        ratio: `${(agesDuring / agesBefore).toFixed(2)}×`,
        baseline: `the same ${FROZEN_OF - FROZEN} with none frozen, just before`,
      },
    ];
  } finally {
    for (const name of frozen) {
      try {
        faults.thaw(name);
      } catch {
        /* gone */
      }
    }
    await app.close();
    labDown(undefined, () => {});
  }
}
