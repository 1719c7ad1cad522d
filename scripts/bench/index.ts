// `npm run bench`: Labdeck's speed and size figures, each against a baseline measured in the same
// run on the same machine. Prints one table.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { Dispatcher, type Handlers } from '../../src/main/api/dispatcher';
import { openDatabase } from '../../src/main/db/database';
import { exportJob } from '../../src/main/services/audit/audit-jobs';
import { AuditStore } from '../../src/main/services/audit/audit-store';
import { AuditQuestions } from '../../src/main/services/audit/questions';
import { SettingsService } from '../../src/main/services/settings/settings-service';
import ensureBuilt from '../../tests/support/ensure-built';
import { CHROMIUM_LAUNCH } from '../../tests/support/chromium';
import { startServe } from '../../tests/support/serve-process';
import { bootstrapBench } from './bootstrap';
import { metricsBench } from './metrics';
import { metricsFleetBench } from './metrics-fleet';
import { sshBench } from './ssh';
import { fmtMs, median, pct, printTable, spread, type BenchRow, type Target } from './stats';
import { terminalBench } from './terminal';
import { dockerBench } from './docker';

const ROOT = path.resolve(__dirname, '../..');
const MIGRATIONS = path.join(ROOT, 'drizzle');
const tmp = (p: string): string => fs.mkdtempSync(path.join(os.tmpdir(), p));

const rows: BenchRow[] = [];
const targets: Target[] = [];

const fmtRate = (r: number): string => `${Math.round(r).toLocaleString('en')}/s`;
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;

async function coldStart(browser: Browser): Promise<void> {
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 3; i++) {
    // Labdeck: process start -> server ready -> page -> This computer card painted with data.
    const t0 = performance.now();
    const s = await startServe(tmp('labdeck-bench-'));
    const page = await browser.newPage();
    await page.goto(s.url);
    await page.waitForSelector('[data-testid=local-card]:not([data-sample-ts=""])');
    ours.push(performance.now() - t0);
    await page.close();
    await s.stop();

    // Baseline: a bare Node process serving one static page, to its first paint.
    const b0 = performance.now();
    const child = spawn(process.execPath, [
      '-e',
      `require('http').createServer((q,r)=>r.end('<!doctype html><p id=x>hello</p>')).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`,
    ]);
    const port = await new Promise<number>((r) =>
      child.stdout.once('data', (d: Buffer) => r(Number(String(d).trim()))),
    );
    const p2 = await browser.newPage();
    await p2.goto(`http://127.0.0.1:${port}/`);
    await p2.waitForSelector('#x');
    base.push(performance.now() - b0);
    await p2.close();
    child.kill();
  }
  rows.push({
    metric: 'browser mode: cold start to first data paint',
    ours: fmtMs(median(ours)),
    spread: spread(ours, fmtMs),
    base: fmtMs(median(base)),
    baseSpread: spread(base, fmtMs),
    ratio: `${(median(ours) / median(base)).toFixed(2)}×`,
    baseline: 'bare Node static page, process start to first paint',
  });
}

function assets(dir: string): Buffer {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

/** The floor any React renderer pays: a hello-world React page built by the same Vite, minified. */
async function reactFloor(): Promise<Buffer> {
  const dir = path.join(ROOT, 'node_modules/.cache/labdeck-bench/react-floor');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><div id="r"></div><script type="module" src="./main.js"></script>',
  );
  fs.writeFileSync(
    path.join(dir, 'main.js'),
    "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
      "createRoot(document.getElementById('r')).render(createElement('p', null, 'hello'));\n",
  );
  await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: 'dist', emptyOutDir: true, minify: true, modulePreload: { polyfill: false } },
  });
  return assets(path.join(dir, 'dist/assets'));
}

/** What the page loads before first paint: the scripts and styles index.html names. */
function initialAssets(): Buffer {
  const html = fs.readFileSync(path.join(ROOT, 'out/renderer/index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="(?:\.?\/)?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  return Buffer.concat(refs.map((r) => fs.readFileSync(path.join(ROOT, 'out/renderer', r))));
}

async function bundleSize(): Promise<void> {
  const all = assets(path.join(ROOT, 'out/renderer/assets'));
  const buf = initialAssets();
  const ours = zlib.gzipSync(buf).length;
  const base = zlib.gzipSync(await reactFloor()).length;
  rows.push({
    metric: `renderer, loaded at start, gzip (all chunks ${kib(zlib.gzipSync(all).length)})`,
    ours: kib(ours),
    spread: '— (same every run)',
    base: kib(base),
    baseSpread: '—',
    ratio: `${(ours / base).toFixed(2)}×`,
    baseline: 'hello-world React page, same Vite, gzip',
  });
}

async function auditInsertRate(): Promise<void> {
  const N = 20_000;
  const event = {
    actor: 'bench',
    action: 'settings.update',
    target: 'settings',
    params: '{"theme":"dark"}',
    result: 'ok' as const,
    errorCode: null,
    durationMs: 1,
  };
  const ours: number[] = [];
  const door: number[] = [];
  const raw: number[] = [];
  // Three rounds, each on fresh files: these rates swing between runs.
  for (let round = 0; round < 3; round++) {
    const a = openDatabase(path.join(tmp('labdeck-bench-'), 'a.db'), MIGRATIONS);
    const store = new AuditStore(a.db);
    const settings = new SettingsService(a.db);
    let t = performance.now();
    for (let i = 0; i < N; i++) store.append({ ...event, ts: i });
    store.flush(); // the search entries too, which otherwise follow in the background
    ours.push(N / ((performance.now() - t) / 1000));

    // The whole door: validation, handler (a settings write), redaction and the audit row.
    const dispatcher = new Dispatcher(
      {
        'settings.update': (p: Parameters<Handlers['settings.update']>[0]) => settings.update(p),
      } as unknown as Handlers,
      store,
    );
    t = performance.now();
    for (let i = 0; i < N / 4; i++) {
      await dispatcher.dispatch('settings.update', { workstationName: `ws-${i}` }, { actor: 'bench' });
    }
    door.push(N / 4 / ((performance.now() - t) / 1000));
    a.close();

    const b = openDatabase(path.join(tmp('labdeck-bench-'), 'b.db'), MIGRATIONS);
    const stmt = b.sqlite.prepare(
      'INSERT INTO audit_events (ts, actor, action, target, params, result, error_code, duration_ms) VALUES (?,?,?,?,?,?,?,?)',
    );
    t = performance.now();
    for (let i = 0; i < N; i++)
      stmt.run(i, event.actor, event.action, event.target, event.params, event.result, null, 1);
    raw.push(N / ((performance.now() - t) / 1000));
    b.close();
  }
  const baseline = 'raw better-sqlite3 prepared INSERT, same pragmas';
  rows.push({
    metric: 'audit insert rate (row + hash chain + search entry, one commit each)',
    ours: fmtRate(median(ours)),
    spread: spread(ours, fmtRate),
    base: fmtRate(median(raw)),
    baseSpread: spread(raw, fmtRate),
    ratio: `${(median(ours) / median(raw)).toFixed(2)}×`,
    baseline,
  });
  targets.push({
    what: 'audit insert with the hash chain at least 0.8× of a plain insert',
    met: median(ours) / median(raw) >= 0.8,
    detail: `${(median(ours) / median(raw)).toFixed(2)}×`,
    fatal: false,
  });
  rows.push({
    metric: 'audited settings.update calls through the dispatcher',
    ours: fmtRate(median(door)),
    spread: spread(door, fmtRate),
    base: fmtRate(median(raw)),
    baseSpread: spread(raw, fmtRate),
    ratio: `${(median(door) / median(raw)).toFixed(2)}×`,
    baseline,
  });
}

/** 1,000,000 rows: a filtered page, every built-in question, a word search, verify and export. */
async function auditHistory(): Promise<void> {
  const N = 1_000_000;
  const dir = tmp('labdeck-bench-');
  const d = openDatabase(path.join(dir, 'q.db'), MIGRATIONS);
  const actions = [
    'settings.update',
    'hosts.add',
    'hosts.remove',
    'terminals.open',
    'jobs.runCommand',
    'hosts.connect',
    'jobs.failed',
    'hosts.trustKey',
  ];
  const ins = d.sqlite.prepare(
    'INSERT INTO audit_events (ts, actor, action, target, params, result, error_code, duration_ms, host_id) VALUES (?,?,?,?,?,?,?,?,?)',
  );
  const fts = d.sqlite.prepare(
    'INSERT INTO audit_fts (rowid, action, actor, target, params, error_code) VALUES (?,?,?,?,?,?)',
  );
  const t0 = performance.now();
  d.sqlite.transaction(() => {
    for (let i = 0; i < N; i++) {
      const err = i % 50 === 3; // 2% failures, spread over every action
      const action = actions[i % actions.length]!;
      const target =
        action === 'terminals.open'
          ? `host-${i % 40} as ${i % 400 === 3 ? 'root' : 'alice'}`
          : `host-${i % 40}`;
      const params = i % 97 === 0 ? '{"secret":"[redacted]"}' : '{}';
      const r = ins.run(
        1_700_000_000_000 + i * 1000,
        'bench',
        action,
        target,
        params,
        err ? 'error' : 'ok',
        err ? 'TIMEOUT' : null,
        i % 900,
        (i % 40) + 1,
      );
      fts.run(r.lastInsertRowid, action, 'bench', target, params, err ? 'TIMEOUT' : '');
    }
  })();
  const loadMs = performance.now() - t0;
  // Opening the store chains the 1,000,000 rows written without it (what an upgrade does once).
  const c0 = performance.now();
  const store = new AuditStore(d.db, () => 1_700_000_000_000 + N * 1000);
  const chainMs = performance.now() - c0;
  const p95 = (fn: () => unknown, n = 20): number[] => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      fn();
      times.push(performance.now() - t);
    }
    return times;
  };
  const from = 1_700_000_000_000 + 200_000 * 1000;
  const filtered = p95(() => store.list({ action: 'hosts.add', result: 'error', from, limit: 100 }));
  const scan = d.sqlite.prepare(
    'SELECT * FROM audit_events NOT INDEXED WHERE action = ? AND result = ? AND ts >= ? ORDER BY ts DESC, id DESC LIMIT 101',
  );
  const scanTimes = p95(() => scan.all('hosts.add', 'error', from), 3);
  rows.push({
    metric: `filtered audit page, 1,000,000 rows (loaded in ${(loadMs / 1000).toFixed(1)} s)`,
    ours: fmtMs(median(filtered)),
    spread: spread(filtered, fmtMs),
    base: fmtMs(median(scanTimes)),
    baseSpread: spread(scanTimes, fmtMs),
    ratio: `${(median(filtered) / median(scanTimes)).toFixed(3)}×`,
    baseline: 'same query forced to a full table scan',
  });
  // Every built-in question (its page and its count) and a word search: p95 target 20 ms.
  const questions = new AuditQuestions(d.db, store, () => 1_700_000_000_000 + N * 1000);
  const asked = [
    ...questions.list(17).map((q) => ({ name: q.name, filter: q.filter })),
    { name: 'word search "host-17 TIMEOUT"', filter: { q: 'host-17 TIMEOUT' } },
  ];
  for (const q of asked) {
    const times = p95(() => {
      store.list({ ...q.filter, limit: 100 });
      store.count(q.filter);
    });
    const p = pct(times, 0.95);
    rows.push({
      metric: `audit question: ${q.name} (page + count, p95)`,
      ours: fmtMs(p),
      spread: spread(times, fmtMs),
      base: '20 ms',
      baseSpread: '—',
      ratio: `${(p / 20).toFixed(2)}×`,
      baseline: 'target (≤ 1.00×)',
    });
    targets.push({
      what: `"${q.name}" p95 ≤ 20 ms on 1M rows`,
      met: p <= 20,
      detail: fmtMs(p),
      fatal: false,
    });
  }
  // Verify the chain of 1,000,000 rows.
  const v0 = performance.now();
  const report = await store.verify();
  const verifyMs = performance.now() - v0;
  rows.push({
    metric: `verify the hash chain, 1,000,000 rows (${report.ok ? 'ok' : 'MISMATCH'})`,
    ours: `${(verifyMs / 1000).toFixed(1)} s`,
    spread: '— (1 run)',
    base: `${(chainMs / 1000).toFixed(1)} s`,
    baseSpread: '—',
    ratio: `${(verifyMs / chainMs).toFixed(2)}×`,
    baseline: 'chaining the same rows when the store first opens them',
  });
  // Export all rows as CSV vs sqlite3 -csv of the same columns.
  const job = exportJob(store, path.join(dir, 'exports'), {}, 'csv', () => 1_700_000_000_000 + N * 1000);
  const e0 = performance.now();
  await job.run({
    signal: new AbortController().signal,
    step: (_n, fn) => fn(),
    skip: () => undefined,
    log: () => undefined,
    progress: () => undefined,
    detail: () => undefined,
  });
  const exportRate = N / ((performance.now() - e0) / 1000);
  d.close();
  const cli = spawnSync('sqlite3', ['-csv', path.join(dir, 'q.db'), 'SELECT * FROM audit_events'], {
    stdio: ['ignore', fs.openSync(path.join(dir, 'cli.csv'), 'w'), 'ignore'],
  });
  const s0 = performance.now();
  spawnSync('sqlite3', ['-csv', path.join(dir, 'q.db'), 'SELECT * FROM audit_events'], {
    stdio: ['ignore', fs.openSync(path.join(dir, 'cli2.csv'), 'w'), 'ignore'],
  });
  const cliRate = cli.error ? null : N / ((performance.now() - s0) / 1000);
  rows.push({
    metric: 'audit export to CSV, 1,000,000 rows with hashes',
    ours: fmtRate(exportRate),
    spread: '— (1 run)',
    base: cliRate ? fmtRate(cliRate) : 'no sqlite3',
    baseSpread: '—',
    ratio: cliRate ? `${(exportRate / cliRate).toFixed(2)}×` : '—',
    baseline: '`sqlite3 -csv` of the same rows (second run, warm cache)',
  });
}

/** `npm run bench -- audit ssh` runs only those sections (app, audit, ssh, terminal, …); none = all. */
const only = new Set(process.argv.slice(2).filter((a) => !a.startsWith('-')));
const want = (section: string): boolean => only.size === 0 || only.has(section);

async function main(): Promise<void> {
  ensureBuilt();
  if (want('app')) {
    await bundleSize();
    const browser = await chromium.launch(CHROMIUM_LAUNCH);
    try {
      await coldStart(browser);
    } finally {
      await browser.close();
    }
  }
  if (want('audit')) {
    await auditInsertRate();
    await auditHistory();
  }
  if (want('ssh')) rows.push(...(await sshBench(targets)));
  if (want('terminal')) rows.push(...(await terminalBench(targets)));
  if (want('bootstrap')) rows.push(...(await bootstrapBench(targets)));
  if (want('docker')) rows.push(...(await dockerBench(targets)));
  if (want('metrics')) rows.push(...(await metricsBench(targets)));
  if (want('metrics-fleet')) rows.push(...(await metricsFleetBench(targets)));
  const ok = printTable(
    `Labdeck bench — ${os.cpus().length} cores, Node ${process.versions.node}, ${new Date().toISOString()}. ` +
      'Figures move a lot between machines: compare within one run, and read the spread.',
    rows,
    targets,
  );
  if (!ok) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
