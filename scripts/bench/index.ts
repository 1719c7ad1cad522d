// `npm run bench`: Labdeck's speed and size figures, each against a baseline measured in the same
// run on the same machine. Prints one table.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { Dispatcher, type Handlers } from '../../src/main/api/dispatcher';
import { openDatabase } from '../../src/main/db/database';
import { AuditStore } from '../../src/main/services/audit/audit-store';
import { SettingsService } from '../../src/main/services/settings/settings-service';
import ensureBuilt from '../../tests/support/ensure-built';
import { CHROMIUM_LAUNCH } from '../../tests/support/chromium';
import { startServe } from '../../tests/support/serve-process';
import { sshBench } from './ssh';
import { fmtMs, median, printTable, spread, type BenchRow, type Target } from './stats';
import { terminalBench } from './terminal';

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
    metric: 'audit insert rate (AuditStore, one commit each)',
    ours: fmtRate(median(ours)),
    spread: spread(ours, fmtRate),
    base: fmtRate(median(raw)),
    baseSpread: spread(raw, fmtRate),
    ratio: `${(median(ours) / median(raw)).toFixed(2)}×`,
    baseline,
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

function auditQuery(): void {
  const N = 1_000_000;
  const d = openDatabase(path.join(tmp('labdeck-bench-'), 'q.db'), MIGRATIONS);
  const actions = [
    'settings.update',
    'hosts.add',
    'hosts.remove',
    'terminal.open',
    'experiment.create',
    'docker.stop',
    'bootstrap.run',
    'hosts.trust',
  ];
  const ins = d.sqlite.prepare(
    'INSERT INTO audit_events (ts, actor, action, target, params, result, error_code, duration_ms) VALUES (?,?,?,?,?,?,?,?)',
  );
  const t0 = performance.now();
  d.sqlite.transaction(() => {
    for (let i = 0; i < N; i++) {
      const err = i % 50 === 3; // 2% failures, spread over every action
      ins.run(
        1_700_000_000_000 + i * 1000,
        'bench',
        actions[i % actions.length],
        `host-${i % 40}`,
        '{}',
        err ? 'error' : 'ok',
        err ? 'TIMEOUT' : null,
        i % 900,
      );
    }
  })();
  const loadMs = performance.now() - t0;
  const store = new AuditStore(d.db);
  const from = 1_700_000_000_000 + 200_000 * 1000;
  const filter = { action: 'hosts.add', result: 'error' as const, from, limit: 100 };
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    store.list(filter);
    times.push(performance.now() - t);
  }
  const scan = d.sqlite.prepare(
    'SELECT * FROM audit_events NOT INDEXED WHERE action = ? AND result = ? AND ts >= ? ORDER BY ts DESC, id DESC LIMIT 101',
  );
  const scanTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    scan.all('hosts.add', 'error', from);
    scanTimes.push(performance.now() - t);
  }
  d.close();
  rows.push({
    metric: `filtered audit query, 1,000,000 rows (loaded in ${(loadMs / 1000).toFixed(1)} s)`,
    ours: fmtMs(median(times)),
    spread: spread(times, fmtMs),
    base: fmtMs(median(scanTimes)),
    baseSpread: spread(scanTimes, fmtMs),
    ratio: `${(median(times) / median(scanTimes)).toFixed(3)}×`,
    baseline: 'same query forced to a full table scan',
  });
}

async function main(): Promise<void> {
  ensureBuilt();
  await bundleSize();
  await auditInsertRate();
  auditQuery();
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    await coldStart(browser);
  } finally {
    await browser.close();
  }
  rows.push(...(await sshBench(targets)));
  rows.push(...(await terminalBench(targets)));
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
