import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import { HostCollector } from './host-collector';

const SCRIPT = path.join(__dirname, '../../../../resources/metrics/collector.sh');
const FIXTURES = path.join(__dirname, '../../../../tests/fixtures/nvidia-smi-h100');
const children: ChildProcess[] = [];

/** The real collector under a local shell, its stdin/stdout as the channel. */
function local(shell: string[], env: NodeJS.ProcessEnv = process.env): Duplex {
  const [cmd, ...args] = shell;
  const child = spawn(cmd!, [...args, '-c', fs.readFileSync(SCRIPT, 'utf8')], {
    env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  children.push(child);
  return Duplex.from({ readable: child.stdout, writable: child.stdin });
}

function collect(channel: Duplex, count: number): Promise<HostMetricsSample[]> {
  return new Promise((resolve, reject) => {
    const got: HostMetricsSample[] = [];
    const c = new HostCollector(1, {
      intervalMs: 100,
      onSample: (s) => {
        got.push(s);
        if (got.length === count) {
          c.stop();
          resolve(got);
        }
      },
      onExit: (reason) => reject(new Error(reason)),
    });
    c.attach(channel);
  });
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('HostCollector with the real collector script', () => {
  for (const shell of [['dash'], ['busybox', 'sh']]) {
    const available = fs.existsSync(`/usr/bin/${shell[0]}`) || fs.existsSync(`/bin/${shell[0]}`);
    it.skipIf(!available)(`samples this machine through ${shell.join(' ')}`, async () => {
      const [first, second] = await collect(local(shell), 2);
      expect(first!.cpu).toBeNull();
      expect(second!.cpu!.total).toBeGreaterThanOrEqual(0);
      expect(second!.cores.length).toBe(os.cpus().length);
      expect(second!.memory!.totalBytes).toBe(
        Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024,
      );
      expect(second!.processes).toBeGreaterThan(5);
      expect(second!.mounts.some((m) => m.mount === '/')).toBe(true);
      expect(second!.uptimeSec).toBeGreaterThan(0);
      expect(second!.netRxBps).not.toBeNull();
      expect(second!.gpus).toEqual([]);
    });
  }

  it('runs nvidia-smi where it is on the PATH and names the user of each GPU process', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-smi-'));
    const me = os.userInfo();
    // A stand-in replaying the real H100 output, with this test's own pid as the compute app.
    fs.writeFileSync(
      path.join(bin, 'nvidia-smi'),
      [
        '#!/bin/sh',
        'case "$1" in',
        `  --query-gpu=*) cat '${FIXTURES}/query-gpu-busy.csv' ;;`,
        `  --query-compute-apps=*) echo "${process.pid}, /opt/torch/.venv/bin/python3, 1386, GPU-7c1ed2f2-1d6b-64ab-97fe-39bd24501d6a" ;;`,
        'esac',
      ].join('\n'),
      { mode: 0o755 },
    );
    try {
      const [s] = await collect(
        local(['dash'], { ...process.env, PATH: `${bin}:${process.env['PATH']}` }),
        1,
      );
      expect(s!.gpus).toHaveLength(1);
      expect(s!.gpus[0]).toMatchObject({ name: 'NVIDIA H100 80GB HBM3', utilPercent: 100, memUsedMiB: 1395 });
      expect(s!.gpuProcesses).toEqual([
        expect.objectContaining({ pid: process.pid, usedMiB: 1386, user: me.username }),
      ]);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('says so when the shell dies', async () => {
    const child = spawn('dash', ['-c', fs.readFileSync(SCRIPT, 'utf8')], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(child);
    const exited = new Promise<string>((resolve) => {
      const c = new HostCollector(1, {
        intervalMs: 50,
        onSample: () => child.kill('SIGKILL'),
        onExit: resolve,
      });
      c.attach(Duplex.from({ readable: child.stdout, writable: child.stdin }));
    });
    await expect(exited).resolves.toBe('the collector stopped');
  });
});
