import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostState } from '../../../shared/api/domain';
import type { HostMetricsSample } from '../../../shared/api/metrics-domain';
import { AlertTracker, DEFAULT_THRESHOLDS } from './alerts';
import type { MetricHistoryStore } from './history-store';
import { MetricsService } from './metrics-service';

const SCRIPT = fs.readFileSync(path.join(__dirname, '../../../../resources/metrics/collector.sh'), 'utf8');
const children: ChildProcess[] = [];
let service: MetricsService | null = null;

afterEach(() => {
  service?.close();
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const state = (hostId: number, s: HostState['state']): HostState => ({
  hostId,
  state: s,
  message: null,
  errorCode: null,
  presentedFingerprint: null,
  trustedFingerprint: null,
  since: 0,
  connections: 1,
  channels: 0,
  retryAt: null,
  secretPrompt: null,
});

function setup(): { events: EventEmitter; added: number[]; opened: () => number } {
  const events = new EventEmitter();
  const added: number[] = [];
  let opened = 0;
  const store = {
    add: (id: number) => added.push(id),
    flush: () => 0,
    prune: () => 0,
  } as unknown as MetricHistoryStore;
  service = new MetricsService(
    {
      // The real collector under a local dash stands in for the host's channel.
      open: () => {
        opened++;
        const child = spawn('dash', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
        children.push(child);
        return Promise.resolve(Duplex.from({ readable: child.stdout, writable: child.stdin }));
      },
      events,
      states: () => [],
      store,
      alerts: new AlertTracker(
        () => undefined,
        () => 'h',
      ),
    },
    { intervalMs: 50, backoffMs: [20] },
  );
  service.start();
  return { events, added, opened: () => opened };
}

const next = (hostId: number): Promise<HostMetricsSample> =>
  new Promise((resolve) => {
    const off = service!.subscribe(hostId, (s) => {
      off();
      resolve(s);
    });
  });

describe('MetricsService', () => {
  it('collects while a host is online, restarts a collector that died, stops when the host goes', async () => {
    const { events, added, opened } = setup();
    events.emit('state', state(5, 'online'));
    expect((await next(5)).hostId).toBe(5);
    expect(service!.collecting(5)).toBe(true);
    expect(added).toContain(5);

    // The shell dies: a new one is started (after the backoff) and samples come again.
    children[0]!.kill('SIGKILL');
    await expect.poll(opened).toBe(2);
    await next(5);

    events.emit('state', state(5, 'offline'));
    expect(service!.collecting(5)).toBe(false);
    const entry = service!.fleet()[0]!;
    expect(entry).toMatchObject({ hostId: 5, online: false });
    expect(entry.lastSeen).not.toBeNull();
    // State events that change nothing (channel counts) do not start a second collector.
    events.emit('state', state(5, 'online'));
    events.emit('state', state(5, 'online'));
    await next(5);
    expect(opened()).toBe(3);
    expect(service!.collecting(5)).toBe(true);
  });

  it('tells the badges when a host’s alerts start and clear', async () => {
    const events = new EventEmitter();
    const tracker: AlertTracker = new AlertTracker(
      () => undefined,
      () => 'h',
      { ...DEFAULT_THRESHOLDS, offlineMs: 20 },
      (id) => service!.alertsChanged(id),
    );
    service = new MetricsService(
      {
        open: () => Promise.reject(new Error('no channel in this test')),
        events,
        states: () => [],
        store: { add: () => undefined, flush: () => 0, prune: () => 0 } as unknown as MetricHistoryStore,
        alerts: tracker,
      },
      { backoffMs: [60_000] },
    );
    service.start();
    const heard: { hostId: number; keys: string[] }[] = [];
    const off = service.subscribeAlerts((e) =>
      heard.push({ hostId: e.hostId, keys: e.alerts.map((a) => a.key) }),
    );
    events.emit('state', state(3, 'offline'));
    await expect.poll(() => heard).toEqual([{ hostId: 3, keys: ['offline'] }]);
    expect(service.alerts()).toEqual([{ hostId: 3, alerts: [expect.objectContaining({ key: 'offline' })] }]);
    events.emit('state', state(3, 'online'));
    expect(heard.at(-1)).toEqual({ hostId: 3, keys: [] });
    off();
    events.emit('state', state(3, 'offline'));
    await new Promise((r) => setTimeout(r, 60));
    expect(heard).toHaveLength(2);
  });
});
