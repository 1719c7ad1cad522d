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

function collect(
  channel: Duplex,
  count: number,
  enough: (s: HostMetricsSample) => boolean = () => true,
): Promise<HostMetricsSample[]> {
  return new Promise((resolve, reject) => {
    const got: HostMetricsSample[] = [];
    const c = new HostCollector(1, {
      intervalMs: 100,
      onSample: (s) => {
        got.push(s);
        if (got.length >= count && enough(s)) {
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
      // Who is using it: this machine's users from a /proc scan (no systemd user slices here) or
      // the cgroup, named from /etc/passwd.
      expect(second!.usersFrom).not.toBeNull();
      expect(second!.users.find((u) => u.uid === os.userInfo().uid)).toMatchObject({
        user: os.userInfo().username,
      });
    });
  }

  // Needs root: a busy loop run as another Linux user (nobody) shows up as that user's CPU share.
  const root = process.getuid?.() === 0 && fs.existsSync('/usr/bin/setpriv');
  for (const shell of [['dash'], ['busybox', 'sh']]) {
    const available = fs.existsSync(`/usr/bin/${shell[0]}`) || fs.existsSync(`/bin/${shell[0]}`);
    it.skipIf(!available || !root)(
      `names the user behind a CPU load through ${shell.join(' ')}`,
      async () => {
        const load = spawn(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', 'while :; do :; done'],
          {
            stdio: 'ignore',
          },
        );
        children.push(load);
        const cores = os.cpus().length;
        const samples = await collect(local(shell), 2, (s) =>
          // A tenth of a core at least (the loop wants a whole one; a busy test machine may not give it).
          s.users.some((u) => u.uid === 65534 && (u.cpuPercent ?? 0) * cores >= 10),
        );
        const last = samples.at(-1)!;
        const nobody = last.users.find((u) => u.uid === 65534)!;
        expect(nobody.user).toBe('nobody');
        expect(nobody.processes).toBeGreaterThanOrEqual(1);
        expect(nobody.memoryBytes).toBeGreaterThan(0);
        // Busiest first.
        const shares = last.users.map((u) => u.cpuPercent ?? -1);
        expect(shares).toEqual([...shares].sort((a, b) => b - a));
      },
      20_000,
    );
  }

  it('reads per-user figures from cgroup v2 user slices where they are', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cgroup-'));
    const slice = (uid: number, usec: number, bytes: number, pids?: number): void => {
      const d = path.join(root, 'user.slice', `user-${uid}.slice`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'cpu.stat'), `usage_usec ${usec}\nuser_usec 1\nsystem_usec 2\n`);
      fs.writeFileSync(path.join(d, 'memory.current'), `${bytes}\n`);
      if (pids !== undefined) fs.writeFileSync(path.join(d, 'pids.current'), `${pids}\n`);
    };
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    slice(0, 1_000_000, 100 << 20, 4);
    slice(65534, 0, 8 << 20);
    // Not a user slice, and a slice without memory accounting: both left out.
    fs.mkdirSync(path.join(root, 'user.slice', 'user-runtime-dir.slice'));
    fs.mkdirSync(path.join(root, 'user.slice', 'user-7.slice'));
    try {
      const channel = local(['dash'], { ...process.env, LABDECK_CGROUP: root });
      let grown = false;
      const samples = await collect(channel, 2, (s) => {
        if (!grown) {
          // Between samples nobody's slice uses the whole machine for a while.
          slice(65534, 60e6 * os.cpus().length, 8 << 20);
          grown = true;
        }
        return s.users.some((u) => u.uid === 65534 && u.cpuPercent === 100);
      });
      const last = samples.at(-1)!;
      expect(last.usersFrom).toBe('cgroup');
      expect(last.users).toEqual([
        { user: 'nobody', uid: 65534, cpuPercent: 100, memoryBytes: 8 << 20, processes: null },
        expect.objectContaining({ user: 'root', uid: 0, memoryBytes: 100 << 20, processes: 4 }),
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

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
