// Host metrics against real lab hosts: the collector over one SSH channel on a namespace host
// (which shares this machine's /proc) and on LXC containers (lxcfs shows their own 512 MiB), a
// stand-in nvidia-smi on a container replaying the real H100 figures (stream → user attribution →
// history), a CPU load run as a Linux user on a container (that user's share), and a host that goes
// away (collector stopped, last seen kept).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiSession } from '../../src/main/api/session';
import { shCommand } from '../../src/main/services/ssh/quote';
import type { Api } from '../../src/shared/api/client';
import type { HostMetricsSample } from '../../src/shared/api/metrics-domain';
import { Faults, readState } from '../lab/faults';
import { GPU_USER, installFakeGpu, removeFakeGpu } from '../lab/fake-gpu';
import type { LabHost } from '../lab/types';
import { addOnlineLabHost, harness, type Harness } from '../support/app-harness';
import { memoryLink } from '../support/memory-link';

inject('lab');
const lab = readState();
const labHost = (name: string): LabHost => lab.hosts.find((x) => x.name === name)!;
const faults = new Faults(lab);

let h: Harness;
let api: Api;
let session: ApiSession;
let ssh: number;
let ct1: number;
let ct2: number;

/** Samples of a host as the renderer would get them, until `enough` says so. */
function samples(
  hostId: number,
  enough: (s: HostMetricsSample) => boolean,
  timeoutMs = 20_000,
): Promise<HostMetricsSample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no fitting sample from host ${hostId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = api.streams.metrics.host({ hostId }, (items) => {
      const hit = items.find(enough);
      if (hit) {
        clearTimeout(timer);
        stop();
        resolve(hit);
      }
    });
  });
}

const LOAD_USER = 'exp_load';
const LOAD_PID = '/tmp/labdeck-user-load-pid';
const stopLoad = (): string[] => ['sh', '-c', `kill "$(cat ${LOAD_PID})" 2>/dev/null; rm -f ${LOAD_PID}`];

const meminfoKb = (key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]);

beforeAll(async () => {
  h = harness({ hostMetrics: true, metricsIntervalMs: 500, alertThresholds: { offlineMs: 1500 } });
  ({ api, session } = memoryLink(h.app.dispatcher, h.app.streams));
  ssh = await addOnlineLabHost(h, labHost('h1'), 't-h1');
  ct1 = await addOnlineLabHost(h, labHost('ct1'), 't-ct1');
  ct2 = await addOnlineLabHost(h, labHost('ct2'), 't-ct2');
  // ct2 gets a GPU: a stand-in nvidia-smi replaying the real H100 output.
  const r = await h.app.pool.exec(ct2, shCommand(installFakeGpu()));
  expect(r.code, r.stderr).toBe(0);
  // The collector looks for nvidia-smi when it starts: restart ct2's link so it does.
  await h.call('hosts.disconnect', { id: ct2 });
  await h.call('hosts.connect', { id: ct2 });
});

afterAll(async () => {
  if (ct1 && h.app.pool.state(ct1).state === 'online') {
    await h.app.pool.exec(ct1, shCommand(stopLoad())).catch(() => undefined);
  }
  if (ct2 && h.app.pool.state(ct2).state === 'online') {
    await h.app.pool.exec(ct2, shCommand(removeFakeGpu())).catch(() => undefined);
  }
  await session?.close();
  await h?.close();
});

describe('metrics from lab hosts', () => {
  it('a namespace host: this machine’s CPU, memory, disks and processes, at the set interval', async () => {
    const s = await samples(ssh, (x) => x.cpu !== null && x.mounts.length > 0);
    expect(s.memory!.totalBytes).toBe(meminfoKb('MemTotal') * 1024);
    expect(s.cores).toHaveLength(fs.readFileSync('/proc/stat', 'utf8').match(/^cpu\d+ /gm)!.length);
    expect(s.cpu!.total).toBeGreaterThanOrEqual(0);
    expect(s.cpu!.total).toBeLessThanOrEqual(100);
    expect(s.load).toHaveLength(3);
    expect(s.processes).toBeGreaterThan(10);
    expect(s.mounts.find((m) => m.mount === '/')!.totalBytes).toBeGreaterThan(1e9);
    expect(s.interfaces.map((i) => i.iface)).toContain('eth0');
    expect(s.gpus).toEqual([]);
    // One channel for the collector, kept: not a command per sample.
    expect(h.app.pool.channelCount(ssh)).toBe(1);
    // Labdeck's own: a person's Disconnect does not ask about it.
    expect(h.app.pool.state(ssh).backgroundChannels).toBe(1);
  });

  it('LXC containers: memory as lxcfs shows it, their own 512 MiB limit', async () => {
    for (const id of [ct1, ct2]) {
      const s = await samples(id, (x) => x.memory !== null && x.cpu !== null);
      expect(s.memory!.totalBytes).toBe(512 * 1024 * 1024);
      expect(s.memory!.usedBytes).toBeLessThan(512 * 1024 * 1024);
      expect(s.processes).toBeLessThan(200);
    }
  });

  it('who is using it: a CPU load run as a Linux user created since raises that user’s share', async () => {
    // The user is new to the collector (it read /etc/passwd when it started): it is named all the same.
    const start = [
      `id ${LOAD_USER} >/dev/null 2>&1 || useradd -M ${LOAD_USER}`,
      `rm -f ${LOAD_PID}; setsid runuser -u ${LOAD_USER} -- sh -c 'echo $$ >${LOAD_PID}; while :; do :; done' </dev/null >/dev/null 2>&1 &`,
      `n=0; while [ ! -s ${LOAD_PID} ] && [ $n -lt 50 ]; do n=$((n+1)); sleep 0.1; done; test -s ${LOAD_PID}`,
    ].join('\n');
    const r = await h.app.pool.exec(ct1, shCommand(['sh', '-c', start]));
    expect(r.code, r.stderr).toBe(0);
    try {
      // One busy loop is one core's worth: its share of the whole container is 1 / cores.
      const s = await samples(ct1, (x) =>
        x.users.some((u) => u.user === LOAD_USER && (u.cpuPercent ?? 0) * x.cores.length >= 60),
      );
      const u = s.users.find((x) => x.user === LOAD_USER)!;
      expect(u.processes).toBeGreaterThanOrEqual(1);
      expect(u.memoryBytes).toBeGreaterThan(0);
      expect(s.users[0]!.user).toBe(LOAD_USER);
      expect(s.users.find((x) => x.user === 'root')).toBeDefined();
    } finally {
      await h.app.pool.exec(ct1, shCommand(stopLoad()));
    }
    // Load gone: by the next scan or two the user has nothing running.
    const stopped = Date.now();
    await samples(
      ct1,
      (x) =>
        x.ts > stopped + 3000 &&
        !x.users.some((u) => u.user === LOAD_USER && (u.cpuPercent ?? 0) * x.cores.length >= 10),
    );
  });

  it('a GPU host: the H100 figures change, and the compute app is named by its Linux user', async () => {
    const busy = await samples(ct2, (x) => x.gpus[0]?.utilPercent === 100 && x.gpuProcesses.length > 0);
    expect(busy.gpus[0]).toMatchObject({
      name: 'NVIDIA H100 80GB HBM3',
      memUsedMiB: 1395,
      memTotalMiB: 81559,
      fanPercent: null,
    });
    expect(busy.gpuProcesses).toEqual([
      expect.objectContaining({ user: GPU_USER, usedMiB: 1386, name: '/opt/torch/.venv/bin/python3' }),
    ]);
    const idle = await samples(ct2, (x) => x.gpus[0]?.utilPercent === 0);
    expect(idle.gpus[0]!.powerW).toBe(123.36);
    expect(idle.gpuError).toBeNull();
    // The same figures for Prometheus (browser mode's GET /metrics).
    const text = h.app.metricsText().split('\n');
    expect(text).toContain('labdeck_host_up{host="t-ct2"} 1');
    expect(text).toContain(`labdeck_memory_total_bytes{host="t-ct2"} ${512 * 1024 * 1024}`);
    expect(text).toContain('labdeck_gpu_memory_total_bytes{host="t-ct2",gpu="0"} ' + 81559 * 1048576);
  });

  it('history: written within seconds, chart-ready, GPU series included', async () => {
    const from = Date.now() - 60_000;
    let cpu = await api.metrics.history({ hostId: ct2, metric: 'cpu', from, to: Date.now() });
    for (let i = 0; i < 30 && cpu.ts.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      cpu = await api.metrics.history({ hostId: ct2, metric: 'cpu', from, to: Date.now() });
    }
    expect(cpu.resolution).toBe(1);
    expect(cpu.ts.length).toBeGreaterThanOrEqual(3);
    expect(cpu.ts.length).toBe(cpu.avg.length);
    const util = await api.metrics.history({ hostId: ct2, metric: 'gpu0.util', from, to: Date.now() });
    expect(new Set(util.max)).toEqual(new Set([0, 100]));
    await expect(
      api.metrics.history({ hostId: ct2, metric: 'rm -rf', from, to: Date.now() }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  it('a host that goes away: its collector stops, the fleet keeps when it was last seen', async () => {
    await samples(ct1, (x) => x.cpu !== null);
    expect(h.app.hostMetrics.collecting(ct1)).toBe(true);
    await h.call('hosts.disconnect', { id: ct1 });
    const entry = h.app.hostMetrics.fleet().find((e) => e.hostId === ct1)!;
    expect(entry.online).toBe(false);
    expect(entry.lastSeen).toBeGreaterThan(Date.now() - 10_000);
    expect(h.app.hostMetrics.collecting(ct1)).toBe(false);
    await h.call('hosts.connect', { id: ct1 });
    await samples(ct1, (x) => x.ts > entry.lastSeen! && x.cpu !== null);
  });

  it('an offline host raises one alert row, and one more when it is back', async () => {
    const h2 = await addOnlineLabHost(h, labHost('h2'), 't-h2');
    await samples(h2, (x) => x.cpu !== null);
    faults.cut('h2');
    try {
      await h.waitForState(h2, 'offline', 30_000);
      await expect
        .poll(
          () =>
            h.app.hostMetrics
              .fleet()
              .find((e) => e.hostId === h2)
              ?.alerts.map((a) => a.key),
          {
            timeout: 10_000,
          },
        )
        .toEqual(['offline']);
    } finally {
      faults.restore('h2');
    }
    await h.waitForState(h2, 'online', 40_000);
    expect(h.app.hostMetrics.fleet().find((e) => e.hostId === h2)?.alerts).toEqual([]);
    const rows = (await h.call('audit.list', { limit: 100, hostId: h2 })).rows;
    const alertRows = rows.filter((r) => r.action.startsWith('metrics.alert')).reverse();
    expect(alertRows.map((r) => r.action)).toEqual(['metrics.alertStarted', 'metrics.alertCleared']);
    expect(alertRows[0]).toMatchObject({ actor: 'labdeck (automatic)', target: 't-h2', result: 'ok' });
    // Collecting again after the outage.
    await samples(h2, (x) => x.cpu !== null && x.ts > Date.now() - 5000);
  });
});
