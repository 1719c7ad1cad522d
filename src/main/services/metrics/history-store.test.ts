import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../db/database';
import { DEFAULT_RETENTION, MetricHistoryStore, retentionFromSettings } from './history-store';

const MIGRATIONS = path.join(__dirname, '../../../../drizzle');
const dirs: string[] = [];
const opened: OpenedDatabase[] = [];

function open(file?: string): { db: OpenedDatabase; file: string } {
  if (!file) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-history-'));
    dirs.push(dir);
    file = path.join(dir, 'labdeck.db');
  }
  const db = openDatabase(file, MIGRATIONS);
  opened.push(db);
  return { db, file };
}

afterEach(() => {
  for (const d of opened.splice(0)) d.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

// A fixed "now" on a quarter-hour boundary, and two hours of 1 s samples up to it.
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const T0 = NOW - 2 * 3600 * 1000;

function record(store: MetricHistoryStore, spikeAt: number): void {
  for (let i = 0; i < 7200; i++) {
    const ts = T0 + i * 1000;
    store.add(3, ts, { cpu: ts === spikeAt ? 99 : 10 + (i % 2) * 10 });
    if (i % 600 === 599) store.flush();
  }
  store.flush();
}

describe('MetricHistoryStore on a real SQLite file', () => {
  it('keeps 1 s for the last hour and min/avg/max per minute and quarter, with spikes', () => {
    const { db } = open();
    const store = new MetricHistoryStore(db.sqlite);
    const spike = T0 + 1800 * 1000 + 7000; // 7 s into a minute, half an hour in
    record(store, spike);

    const lastMinute = store.query(3, 'cpu', NOW - 60_000, NOW, NOW);
    expect(lastMinute.resolution).toBe(1);
    expect(lastMinute.ts).toHaveLength(60);
    expect(lastMinute.avg.slice(0, 4)).toEqual([10, 20, 10, 20]);

    // "The last hour", asked by a client a few seconds before the server answers: still 1 s.
    expect(store.query(3, 'cpu', NOW - 3600_000, NOW, NOW + 5000).resolution).toBe(1);

    const whole = store.query(3, 'cpu', T0, NOW, NOW);
    expect(whole.resolution).toBe(60);
    expect(whole.ts).toHaveLength(120);
    expect(whole.ts[1]! - whole.ts[0]!).toBe(60);
    const m = whole.ts.indexOf(Math.floor(spike / 1000) - (Math.floor(spike / 1000) % 60));
    expect(whole.max[m]).toBe(99);
    expect(whole.min[m]).toBe(10);
    // The spike replaced one 20 of the minute's thirty 10s and thirty 20s.
    expect(whole.avg[m]).toBeCloseTo((30 * 10 + 29 * 20 + 99) / 60, 6);
    expect(whole.avg[0]).toBe(15);

    const longAgo = store.query(3, 'cpu', NOW - 30 * 86400_000, NOW, NOW);
    expect(longAgo.resolution).toBe(900);
    expect(longAgo.ts).toHaveLength(8);
    expect(Math.max(...longAgo.max)).toBe(99);

    expect(store.query(4, 'cpu', T0, NOW, NOW).ts).toEqual([]);
  });

  it('prunes each resolution at its own age', () => {
    const { db } = open();
    const store = new MetricHistoryStore(db.sqlite);
    record(store, 0);
    const count = (res: number): number =>
      (db.sqlite.prepare('SELECT count(*) AS n FROM metric_points WHERE res = ?').get(res) as { n: number })
        .n;
    expect(count(1)).toBe(7200);
    store.prune(NOW);
    expect(count(1)).toBe(3600);
    expect(count(60)).toBe(120);
    store.prune(NOW + 8 * 86400_000);
    expect(count(1)).toBe(0);
    expect(count(60)).toBe(0);
    expect(count(900)).toBe(8);
    store.prune(NOW + 91 * 86400_000);
    expect(count(900)).toBe(0);
  });

  it('prunes by the retention in force now: a changed setting applies without a restart', () => {
    const { db } = open();
    const days = { metricsMinuteRetentionDays: 7, metricsQuarterRetentionDays: 90 };
    const store = new MetricHistoryStore(db.sqlite, () => retentionFromSettings(days));
    record(store, 0);
    const count = (res: number): number =>
      (db.sqlite.prepare('SELECT count(*) AS n FROM metric_points WHERE res = ?').get(res) as { n: number })
        .n;
    // Three days on: the defaults keep both tiers.
    store.prune(NOW + 3 * 86400_000);
    expect(count(60)).toBe(120);
    expect(count(900)).toBe(8);
    // The person keeps minutes for 2 days and quarters for 1 (never less than minutes: 2).
    days.metricsMinuteRetentionDays = 2;
    days.metricsQuarterRetentionDays = 1;
    expect(retentionFromSettings(days)).toEqual({
      rawSec: 3600,
      minuteSec: 2 * 86400,
      quarterSec: 2 * 86400,
    });
    store.prune(NOW + 3 * 86400_000);
    expect(count(60)).toBe(0);
    expect(count(900)).toBe(0);
    // A range three days back is now answered from the (emptied) quarter tier, not minutes.
    expect(store.query(3, 'cpu', NOW - 3 * 86400_000, NOW, NOW).resolution).toBe(900);
    expect(retentionFromSettings({ metricsMinuteRetentionDays: 7, metricsQuarterRetentionDays: 90 })).toEqual(
      DEFAULT_RETENTION,
    );
  });

  it('what was flushed is there after the process dies without closing', () => {
    const { db, file } = open();
    const store = new MetricHistoryStore(db.sqlite);
    store.add(1, NOW - 2000, { cpu: 5 });
    store.flush();
    store.add(1, NOW - 1000, { cpu: 6 }); // not flushed: lost, as after kill -9
    // A second connection sees the file as a restarted app would.
    const again = new MetricHistoryStore(open(file).db.sqlite);
    expect(again.query(1, 'cpu', NOW - 10_000, NOW, NOW).avg).toEqual([5]);
  });
});
