// Host metrics figures (no lab needed): the collector's CPU cost at 1 Hz under dash, read from
// /proc/<pid>/stat of its process tree, and the processes it forks (the host's /proc/stat
// `processes` counter less an idle window, and exactly, its own tree under strace -f), each vs a
// naive `while sleep 1; do cat /proc/...; done` loop in the same run; and one host's 7 days of
// history (per minute, the last hour per second) written through the history store into a real
// SQLite file, read back as the host page's chart arrays, with the file's growth per host-day.
// The fleet (many lab hosts, one app) is in metrics-fleet.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/main/db/database';
import { MetricHistoryStore } from '../../src/main/services/metrics/history-store';
import { fmtMs, median, pct, spread, type BenchRow, type Target } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const SECONDS = Number(process.env['LABDECK_BENCH_METRICS_SECONDS'] ?? 20);
const RUNS = 3;
/** Forks are counted over this many seconds in all, in rounds (idle, collector, naive loop). */
const FORK_SECONDS = Number(process.env['LABDECK_BENCH_FORK_SECONDS'] ?? 30);
const FORK_ROUNDS = 3;
const HISTORY_RUNS = 30;
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

/** The host's `processes` counter in /proc/stat: every fork and clone since boot. */
function forksSinceBoot(): number {
  const m = /^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
  if (!m) throw new Error('no processes line in /proc/stat');
  return Number(m[1]);
}

/** Forks on the whole host over `seconds` while `script` runs (none: idle), and the samples answered. */
async function forksWhile(
  script: string | null,
  tick: boolean,
  seconds: number,
): Promise<{ forks: number; samples: number }> {
  if (!script) {
    const f0 = forksSinceBoot();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return { forks: forksSinceBoot() - f0, samples: 0 };
  }
  const child = spawn('dash', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => undefined);
  let samples = -1; // the first block is the header
  let partial = '';
  child.stdout.on('data', (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    samples += lines.filter((l) => l === 'E').length;
  });
  // Past its start (the header, the first `df`), as the app's collectors are.
  await new Promise((r) => setTimeout(r, 1500));
  const timer = tick ? setInterval(() => child.stdin.write('\n'), 1000) : null;
  const s0 = samples;
  const f0 = forksSinceBoot();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const forks = forksSinceBoot() - f0;
  const answered = samples - s0;
  if (timer) clearInterval(timer);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return { forks, samples: answered };
}

/**
 * The same, counted inside the process tree only (strace -f, every clone/fork/vfork that made a
 * process), so nothing else on the host counts: null where strace is missing.
 */
async function forksTraced(script: string, tick: boolean, seconds: number): Promise<number | null> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-strace-')), 'trace');
  const child = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=fork,vfork,clone,clone3',
      '-e',
      'signal=none',
      '-o',
      out,
      'dash',
      '-c',
      script,
    ],
    // Its own process group: strace, the shell and whatever the shell started end together.
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  child.stdin.on('error', () => undefined);
  const failed = await new Promise<boolean>((r) => {
    child.once('error', () => r(true));
    setTimeout(() => r(false), 1500);
  });
  if (failed) return null;
  const before = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(made).length : 0;
  const timer = tick ? setInterval(() => child.stdin.write('\n'), 1000) : null;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  if (timer) clearInterval(timer);
  const after = fs.readFileSync(out, 'utf8').split('\n').filter(made).length;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return after - before;
}

/** A trace line of a call that made a process (a thread is not one; a failed call made nothing). */
const made = (line: string): boolean =>
  /\b(fork|vfork|clone3?)\(|<\.\.\. (fork|vfork|clone3?) resumed>/.test(line) &&
  !/CLONE_THREAD/.test(line) &&
  /= [1-9]\d*$/.test(line);

interface Forks {
  /** Per round, forks per minute over what the host forked idle in the same round. */
  ours: number[];
  naive: number[];
  idle: number[];
  samples: number;
  tracedOurs: number | null;
  tracedNaive: number | null;
}

/** Rounds of idle / collector / naive loop, one after the other (the counter is the whole host's). */
async function forkFigures(): Promise<Forks> {
  const collector = fs.readFileSync(path.join(ROOT, 'resources/metrics/collector.sh'), 'utf8');
  const f: Forks = { ours: [], naive: [], idle: [], samples: 0, tracedOurs: null, tracedNaive: null };
  const each = FORK_SECONDS / FORK_ROUNDS;
  const perMin = (n: number): number => (n * 60) / each;
  for (let i = 0; i < FORK_ROUNDS; i++) {
    const idle = await forksWhile(null, false, each);
    const ours = await forksWhile(collector, true, each);
    const naive = await forksWhile(NAIVE, false, each);
    f.idle.push(perMin(idle.forks));
    f.ours.push(perMin(ours.forks - idle.forks));
    f.naive.push(perMin(naive.forks - idle.forks));
    f.samples += ours.samples;
  }
  // Both traced at once: each counts only its own tree.
  [f.tracedOurs, f.tracedNaive] = await Promise.all([
    forksTraced(collector, true, FORK_SECONDS),
    forksTraced(NAIVE, false, FORK_SECONDS),
  ]);
  return f;
}

interface History {
  /** One series (what each chart asks), 7 days → arrays. */
  one: number[];
  /** Every series the host page's history charts ask for, one query each, as the page does. */
  page: number[];
  /** The same rows of one series by a bare prepared SELECT (no arrays built). */
  bare: number[];
  points: number;
  fileBytes: number;
  usedBytes: number;
}

/**
 * One host's last 7 days written through the history store as the app writes them: a sample a
 * minute for 7 days less the last hour, then a sample a second for the last hour, flushed every
 * 5 s of samples and pruned every 10 minutes; then the 7-day query of the host page's charts.
 */
function historyFigures(): History {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-bench-metrics-'));
  try {
    const file = path.join(dir, 'labdeck.db');
    const db = openDatabase(file, path.join(ROOT, 'drizzle'));
    const store = new MetricHistoryStore(db.sqlite);
    const now = Date.UTC(2026, 10, 25);
    // Pages in use (freed pages stay in the file until a VACUUM, and are reused first).
    const used = (): number =>
      ((db.sqlite.pragma('page_count', { simple: true }) as number) -
        (db.sqlite.pragma('freelist_count', { simple: true }) as number)) *
      (db.sqlite.pragma('page_size', { simple: true }) as number);
    const size = (): number => {
      db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return fs.statSync(file).size;
    };
    const fileBefore = size();
    const usedBefore = used();
    const values = (i: number): Record<string, number> => ({
      cpu: (i * 7) % 100,
      load1: (i % 50) / 10,
      'mem.used': 1e9 + (i % 1000) * 1e6,
      'mem.percent': 40 + (i % 20),
      'disk.read': (i * 4096) % 1e7,
      'disk.write': (i * 8192) % 1e7,
      'net.rx': (i * 1500) % 1e8,
      'net.tx': (i * 900) % 1e8,
    });
    const start = now - 7 * 86_400_000;
    const rawFrom = now - 3_600_000;
    let lastPrune = start;
    let i = 0;
    const step = (t: number, flush: boolean): void => {
      store.add(1, t, values(i++));
      if (flush) store.flush();
      if (t - lastPrune >= 600_000) {
        store.prune(t);
        lastPrune = t;
      }
    };
    for (let t = start; t < rawFrom; t += 60_000) step(t, true);
    for (let t = rawFrom; t < now; t += 1000) step(t, (t / 1000) % 5 === 4);
    store.flush();
    store.prune(now);
    const fileBytes = size() - fileBefore;
    const usedBytes = used() - usedBefore;

    const charts = ['cpu', 'mem.percent', 'disk.read', 'disk.write', 'net.rx', 'net.tx'];
    const bare = db.sqlite.prepare(
      'SELECT ts, min, avg, max FROM metric_points WHERE host_id = ? AND metric = ? AND res = ? AND ts >= ? AND ts <= ? ORDER BY ts',
    );
    const h: History = { one: [], page: [], bare: [], points: 0, fileBytes, usedBytes };
    const from = now - 7 * 86_400_000;
    for (let r = 0; r < HISTORY_RUNS; r++) {
      let t0 = performance.now();
      const one = store.query(1, 'cpu', from, now, now);
      h.one.push(performance.now() - t0);
      h.points = one.ts.length;
      if (one.resolution !== 60 || one.ts.length < 7 * 1440 - 1) {
        throw new Error(`7-day history read ${one.ts.length} points at ${one.resolution} s`);
      }
      t0 = performance.now();
      for (const m of charts) store.query(1, m, from, now, now);
      h.page.push(performance.now() - t0);
      t0 = performance.now();
      bare.raw().all(1, 'cpu', 60, Math.floor(from / 1000), Math.floor(now / 1000));
      h.bare.push(performance.now() - t0);
    }
    db.close();
    return h;
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
  const forks = await forkFigures();
  const hist = historyFigures();
  targets.push({
    what: 'metrics collector ≤ 0.2% of a core at 1 Hz',
    met: median(ours) <= 0.2,
    detail: `median ${pctFmt(median(ours))} over ${SECONDS} s × ${RUNS}`,
    fatal: false,
  });
  const perSample = (perMin: number): number => perMin / 60;
  const traced = forks.tracedOurs === null ? null : forks.tracedOurs / FORK_SECONDS;
  targets.push({
    what: 'metrics collector forks 0 processes per sample',
    met: (traced ?? perSample(median(forks.ours))) <= 0,
    detail:
      `${traced === null ? 'no strace; ' : `${traced.toFixed(2)} per sample in its own tree (strace); `}` +
      `host counter ${perSample(median(forks.ours)).toFixed(2)} per sample over idle`,
    fatal: false,
  });
  const p50 = (xs: number[]): number => pct(xs, 0.5);
  const p95 = (xs: number[]): number => pct(xs, 0.95);
  targets.push({
    what: '7 days at 1 min → chart arrays ≤ 50 ms (p95, one series)',
    met: p95(hist.one) <= 50,
    detail: `p50 ${fmtMs(p50(hist.one))}, p95 ${fmtMs(p95(hist.one))}; the page's 6 series p95 ${fmtMs(p95(hist.page))}`,
    fatal: false,
  });
  const perMinFmt = (v: number): string => `${v.toFixed(0)}/min`;
  const tracedFmt = (n: number | null): string =>
    n === null ? 'no strace' : `${((n * 60) / FORK_SECONDS).toFixed(0)}/min`;
  const hostDay = (b: number): string => `${(b / 7 / 1024).toFixed(0)} KiB`;
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
      metric:
        `forks on the host at 1 Hz, /proc/stat processes, over idle (${FORK_SECONDS} s in ${FORK_ROUNDS} rounds; ` +
        `idle ${perMinFmt(median(forks.idle))}; ${forks.samples} samples answered)`,
      ours: perMinFmt(median(forks.ours)),
      spread: spread(forks.ours, perMinFmt),
      base: perMinFmt(median(forks.naive)),
      baseSpread: spread(forks.naive, perMinFmt),
      // The host counter less an idle window can come out at or below zero on a busy machine.
      ratio: median(forks.naive) > 0 ? `${(median(forks.ours) / median(forks.naive)).toFixed(2)}×` : '—',
      baseline: 'while sleep 1; cat /proc/… (dash)',
    },
    {
      metric: `forks by the process tree itself at 1 Hz (strace -f, ${FORK_SECONDS} s)`,
      ours: tracedFmt(forks.tracedOurs),
      spread: '— (1 run)',
      base: tracedFmt(forks.tracedNaive),
      baseSpread: '—',
      ratio:
        forks.tracedOurs === null || !forks.tracedNaive
          ? '—'
          : `${(forks.tracedOurs / forks.tracedNaive).toFixed(2)}×`,
      baseline: 'while sleep 1; cat /proc/… (dash)',
    },
    {
      metric: `history: 7 d at 1 min → chart arrays, one series (${hist.points} points; p50, spread n=${HISTORY_RUNS})`,
      ours: fmtMs(p50(hist.one)),
      spread: spread(hist.one, fmtMs),
      base: fmtMs(p50(hist.bare)),
      baseSpread: spread(hist.bare, fmtMs),
      ratio: `${(p50(hist.one) / Math.max(p50(hist.bare), 1e-9)).toFixed(2)}×`,
      baseline: 'the same rows by a bare prepared SELECT',
    },
    {
      metric: "history: 7 d, the host page's 6 chart series (one query each, p50)",
      ours: fmtMs(p50(hist.page)),
      spread: spread(hist.page, fmtMs),
      base: '50 ms',
      baseSpread: '—',
      ratio: `${(p50(hist.page) / 50).toFixed(2)}×`,
      baseline: 'target',
    },
    {
      metric: `history: SQLite file growth per host-day (8 series; 7 d at 1 min + 15 min, last hour at 1 s: file +${(hist.fileBytes / 1024 / 1024).toFixed(1)} MiB)`,
      ours: hostDay(hist.fileBytes),
      spread: '— (same every run)',
      base: hostDay(hist.usedBytes),
      baseSpread: '—',
      ratio: '—',
      baseline: 'pages in use (file less free pages), per host-day',
    },
  ];
}
