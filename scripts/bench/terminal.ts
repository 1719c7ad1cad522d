// Terminal figures against the lab (needs root), each with a baseline from the same run:
// throughput into a headless xterm, Ctrl-C latency under a flood, keystroke echo, memory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Terminal } from '@xterm/headless';
import { defaultConfig } from '../../tests/lab/config';
import { labDown, labUp } from '../../tests/lab/lab';
import { memoryLink } from '../../tests/support/memory-link';
import { openTerminal } from '../../tests/support/terminal-client';
import type { LabHost } from '../../tests/lab/types';
import { benchApp, nativeSshArgs, runNativeSsh } from './lab-support';
import { fmtMs as ms, median, pct, spread, needsRoot, type BenchRow, type Target } from './stats';

const SIZE = 100 * 1024 * 1024;
const ROUNDS = 3;
const delta = (v: number): string => `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`;

function makeFile(): string {
  const file = path.join(os.tmpdir(), 'labdeck-100mb.txt');
  if (!fs.existsSync(file) || fs.statSync(file).size !== SIZE) {
    const out = fs.openSync(file, 'w');
    for (let i = 0; i < 100; i++) {
      const b64 = randomBytes(786_432)
        .toString('base64')
        .match(/.{1,76}/g)!
        .join('\n');
      fs.writeSync(out, b64.padEnd(1024 * 1024, '=').slice(0, 1024 * 1024));
    }
    fs.closeSync(out);
  }
  return file;
}

/** The same bytes straight into a headless xterm, no network or pipeline. */
async function directXterm(file: string): Promise<number> {
  const term = new Terminal({ cols: 120, rows: 30, scrollback: 1000, allowProposedApi: true });
  const data = fs.readFileSync(file, 'latin1');
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += 65536) {
    const chunk = data.slice(i, i + 65536);
    await new Promise<void>((r) => term.write(chunk, r));
  }
  const s = (performance.now() - t0) / 1000;
  term.dispose();
  return s;
}

/** Native ssh echo round trip: type one character, wait for it to come back. */
function nativeEcho(h: LabHost, knownHosts: string, n: number): Promise<number[]> {
  return new Promise((resolve) => {
    const p = spawn('ssh', nativeSshArgs(h, knownHosts, 'cat > /dev/null', true));
    const times: number[] = [];
    let t0 = 0;
    let waiting = '';
    const next = (): void => {
      if (times.length >= n) {
        p.kill();
        resolve(times);
        return;
      }
      waiting = String.fromCharCode(97 + (times.length % 26));
      t0 = performance.now();
      p.stdin.write(waiting);
    };
    p.stdout.on('data', (d: Buffer) => {
      if (waiting && d.toString().includes(waiting)) {
        times.push(performance.now() - t0);
        waiting = '';
        setTimeout(next, 20);
      }
    });
    setTimeout(next, 1500);
  });
}

export async function terminalBench(targets: Target[]): Promise<BenchRow[]> {
  if (process.getuid?.() !== 0) return [needsRoot('terminal figures')];
  const file = makeFile();
  const lab = await labUp({ ...defaultConfig(), sshHosts: 2, containers: 0, docker: false }, () => {});
  const h1 = lab.hosts.find((h) => h.name === 'h1')!;
  const { app, knownHosts } = benchApp([h1]);
  const { api, session } = memoryLink(app.dispatcher, app.streams);
  const rows: BenchRow[] = [];
  try {
    const host = await api.hosts.add({
      name: 'b1',
      address: h1.address,
      user: h1.user.user,
      authMethod: 'key',
      keyPath: h1.user.keyFile,
    });

    // Throughput, three rounds of each.
    let done: () => void = () => {};
    let tail = '';
    const t = await openTerminal(api, {
      hostId: host.id,
      record: false,
      onData: (d) => {
        // The marker may arrive together with the next prompt: look at the whole chunk.
        if ((tail + d).includes('<<END>>')) done();
        tail = (tail + d).slice(-16);
      },
    });
    await new Promise((r) => setTimeout(r, 500));
    const ours: number[] = [];
    const direct: number[] = [];
    const native: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const finished = new Promise<void>((r) => (done = r));
      tail = '';
      const t0 = performance.now();
      await t.type(`stty raw -echo; cat ${file}; printf '<<%s>>' END; stty sane\r`);
      await finished;
      ours.push((performance.now() - t0) / 1000);
      await new Promise((r) => setTimeout(r, 300));
      direct.push(await directXterm(file));
      native.push((await runNativeSsh(h1, knownHosts, `cat ${file}`, true)) / 1000);
    }
    const rate = (s: number): number => 100 / s;
    const mbps = (v: number): string => `${v.toFixed(1)} MB/s`;
    const oursRate = ours.map(rate);
    const directRate = direct.map(rate);
    const nativeRate = native.map(rate);
    const vsXterm = median(oursRate) / median(directRate);
    rows.push({
      metric: 'terminal: cat 100 MB into headless xterm (pipeline)',
      ours: mbps(median(oursRate)),
      spread: spread(oursRate, mbps),
      base: mbps(median(directRate)),
      baseSpread: spread(directRate, mbps),
      ratio: `${vsXterm.toFixed(2)}×`,
      baseline: 'same bytes written straight into headless xterm (target ≥ 0.9×)',
    });
    targets.push({
      what: "terminal pipeline at least 0.9× of xterm's own parse",
      met: vsXterm >= 0.9,
      detail: `${vsXterm.toFixed(2)}× (medians of ${ROUNDS})`,
      fatal: false,
    });
    rows.push({
      metric: 'terminal: cat 100 MB, pipeline vs native OpenSSH',
      ours: mbps(median(oursRate)),
      spread: spread(oursRate, mbps),
      base: mbps(median(nativeRate)),
      baseSpread: spread(nativeRate, mbps),
      ratio: `${(median(oursRate) / median(nativeRate)).toFixed(2)}×`,
      baseline: '`ssh -tt host cat FILE > /dev/null`',
    });

    // Ctrl-C during a flood.
    await t.type("PS1='<P>'\r");
    await new Promise((r) => setTimeout(r, 300));
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      await t.type('yes\r');
      await new Promise((r) => setTimeout(r, 800));
      let seen!: () => void;
      const prompt = new Promise<void>((r) => (seen = r));
      let buf = '';
      const watch = setInterval(() => {
        buf =
          t.term.buffer.active
            .getLine(t.term.buffer.active.cursorY + t.term.buffer.active.baseY)
            ?.translateToString(true) ?? '';
        if (buf.startsWith('<P>')) seen();
      }, 1);
      const c0 = performance.now();
      await t.type('\x03');
      await prompt;
      latencies.push(performance.now() - c0);
      clearInterval(watch);
    }
    rows.push({
      metric: 'terminal: Ctrl-C to prompt during `yes`',
      ours: ms(median(latencies)),
      spread: spread(latencies, ms),
      base: '200 ms',
      baseSpread: '—',
      ratio: `${(median(latencies) / 200).toFixed(2)}×`,
      baseline: 'target (≤ 1.00×)',
    });

    // Keystroke echo.
    await t.type('cat > /dev/null\r');
    await new Promise((r) => setTimeout(r, 300));
    const echo: number[] = [];
    // Keystrokes 20 ms apart (a fast typist), in both measurements.
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const ch = String.fromCharCode(97 + (i % 26));
      const before = t.received();
      const e0 = performance.now();
      await t.type(ch);
      while (t.received() === before) await new Promise((r) => setImmediate(r));
      echo.push(performance.now() - e0);
    }
    await t.type('\x03');
    const nat = await nativeEcho(h1, knownHosts, 200);
    rows.push({
      metric: 'terminal: keystroke echo p50',
      ours: ms(pct(echo, 0.5)),
      spread: spread(echo, ms),
      base: ms(pct(nat, 0.5)),
      baseSpread: spread(nat, ms),
      ratio: delta(pct(echo, 0.5) - pct(nat, 0.5)),
      baseline: 'native `ssh -tt`, same host',
    });
    const p99Over = pct(echo, 0.99) - pct(nat, 0.99);
    rows.push({
      metric: 'terminal: keystroke echo p99',
      ours: ms(pct(echo, 0.99)),
      spread: spread(echo, ms),
      base: ms(pct(nat, 0.99)),
      baseSpread: spread(nat, ms),
      ratio: delta(p99Over),
      baseline: 'native `ssh -tt` (target ≤ +5 ms)',
    });
    // Nagle's algorithm (or anything like it) coming back shows here first: fail the bench.
    targets.push({
      what: 'keystroke echo p99 within 5 ms of native ssh',
      met: p99Over <= 5,
      detail: `${ms(pct(echo, 0.99))} vs ${ms(pct(nat, 0.99))} (${delta(p99Over)})`,
      fatal: true,
    });
    await t.close();

    // Memory with 20 terminals.
    global.gc?.();
    const before = process.memoryUsage().rss;
    const many = await Promise.all(
      Array.from({ length: 20 }, () => openTerminal(api, { hostId: host.id, record: false })),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after = process.memoryUsage().rss;
    rows.push({
      metric: 'terminal: main-process memory, 20 open terminals',
      ours: `${after >= before ? '+' : ''}${((after - before) / 1024 / 1024).toFixed(1)} MiB`,
      spread: '— (1 run)',
      base: `${(before / 1024 / 1024).toFixed(0)} MiB`,
      baseSpread: '—',
      ratio: '—',
      baseline: 'RSS before opening them (includes 20 headless viewers)',
    });
    await Promise.all(many.map((m) => m.close()));
  } finally {
    await session.close();
    await app.close();
    labDown(undefined, () => {});
  }
  return rows;
}
