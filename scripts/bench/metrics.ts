// Host metrics figures (no lab needed): the collector's CPU cost at 1 Hz under dash, read from
// /proc/<pid>/stat of its process tree, vs a naive `while sleep 1; do cat /proc/...; done` loop in
// the same run; and 7 days of per-minute history for one host read back as chart arrays, with the
// SQLite file's growth per host-day.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/main/db/database';
import { MetricHistoryStore } from '../../src/main/services/metrics/history-store';
import { fmtMs, median, spread, type BenchRow, type Target } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const SECONDS = Number(process.env['LABDECK_BENCH_METRICS_SECONDS'] ?? 20);
const RUNS = 3;
const NAIVE =
  'while sleep 1; do cat /proc/stat /proc/meminfo /proc/diskstats /proc/net/dev /proc/loadavg /proc/uptime >/dev/null; done';

/** utime+stime of the process and of the children it waited for, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat (utime, stime, cutime, cstime), counted after the command name.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

/** Percent of one core over `seconds`: the collector ticked once a second, the loop on its own. */
async function cost(script: string, tick: boolean): Promise<number> {
  const child = spawn('dash', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdout.resume();
  const timer = tick ? setInterval(() => child.stdin.write('\n'), 1000) : null;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  if (timer) clearInterval(timer);
  const used = cpuSeconds(child.pid!);
  child.kill('SIGKILL');
  return (100 * used) / SECONDS;
}

function historyFigures(): { ms: number[]; bytesPerDay: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-metrics-'));
  try {
    const db = openDatabase(path.join(dir, 'labdeck.db'), path.join(ROOT, 'drizzle'));
    const store = new MetricHistoryStore(db.sqlite);
    const now = Date.UTC(2026, 10, 25);
    // Pages in use (freed pages stay in the file until a VACUUM, and are reused first).
    const used = (): number =>
      ((db.sqlite.pragma('page_count', { simple: true }) as number) -
        (db.sqlite.pragma('freelist_count', { simple: true }) as number)) *
      (db.sqlite.pragma('page_size', { simple: true }) as number);
    const usedBefore = used();
    // One host-day at 1 s (what the raw hour and the buckets cost to write), all series.
    const values = (i: number): Record<string, number> => ({
      cpu: i % 100,
      load1: 1,
      'mem.used': 1e9 + i,
      'mem.percent': 50,
      'disk.read': i,
      'disk.write': i,
      'net.rx': i,
      'net.tx': i,
    });
    for (let i = 0; i < 86_400; i++) {
      store.add(1, now - 86_400_000 + i * 1000, values(i));
      if (i % 3600 === 3599) store.flush();
    }
    store.flush();
    store.prune(now);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const bytesPerDay = used() - usedBefore;
    // 7 days at 1 min for one series, read as chart arrays.
    for (let m = 0; m < 7 * 1440; m++) store.add(2, now - 7 * 86_400_000 + m * 60_000, { cpu: m % 100 });
    store.flush();
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const h = store.query(2, 'cpu', now - 7 * 86_400_000, now, now);
      ms.push(performance.now() - t0);
      if (h.ts.length < 7 * 1440 - 1) throw new Error(`history read ${h.ts.length} points`);
    }
    db.close();
    return { ms, bytesPerDay };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function metricsBench(targets: Target[]): Promise<BenchRow[]> {
  const collector = fs.readFileSync(path.join(ROOT, 'resources/metrics/collector.sh'), 'utf8');
  const ours: number[] = [];
  const naive: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const [a, b] = await Promise.all([cost(collector, true), cost(NAIVE, false)]);
    ours.push(a);
    naive.push(b);
  }
  const pctFmt = (v: number): string => `${v.toFixed(2)}%`;
  const hist = historyFigures();
  targets.push({
    what: 'metrics collector ≤ 0.2% of a core at 1 Hz',
    met: median(ours) <= 0.2,
    detail: `median ${pctFmt(median(ours))} over ${SECONDS} s × ${RUNS}`,
    fatal: false,
  });
  targets.push({
    what: '7 days at 1 min → chart arrays ≤ 50 ms',
    met: median(hist.ms) <= 50,
    detail: `median ${fmtMs(median(hist.ms))}`,
    fatal: false,
  });
  return [
    {
      metric: `collector CPU at 1 Hz (% of a core, ${SECONDS} s)`,
      ours: pctFmt(median(ours)),
      spread: spread(ours, pctFmt),
      base: pctFmt(median(naive)),
      baseSpread: spread(naive, pctFmt),
      ratio: `${(median(ours) / Math.max(median(naive), 1e-9)).toFixed(2)}×`,
      baseline: 'while sleep 1; cat /proc/… (dash)',
    },
    {
      metric: 'history: 7 d at 1 min → chart arrays',
      ours: fmtMs(median(hist.ms)),
      spread: spread(hist.ms, fmtMs),
      base: '—',
      baseSpread: '—',
      ratio: '—',
      baseline: 'target 50 ms',
    },
    {
      metric: 'history: SQLite pages used per host-day (8 series)',
      ours: `${(hist.bytesPerDay / 1024 / 1024).toFixed(1)} MiB`,
      spread: '—',
      base: '—',
      baseSpread: '—',
      ratio: '—',
      baseline: 'minutes + quarters of a day, and the 1 s hour kept',
    },
  ];
}
