// Host metrics history in SQLite, downsampled on write: every sample at 1 s for the last hour,
// min/avg/max per minute for 7 days and per 15 minutes for 90 days (those two in Settings). Rows
// are buffered and written in one transaction per flush; buckets still open are written too (and
// rewritten as they grow), so a crash loses at most what came since the last flush.
import type Database from 'better-sqlite3';
import type { HostMetricsSample, MetricHistory } from '../../../shared/api/metrics-domain';

export interface Retention {
  /** Seconds each resolution is kept. */
  rawSec: number;
  minuteSec: number;
  quarterSec: number;
}

export const DEFAULT_RETENTION: Retention = { rawSec: 3600, minuteSec: 7 * 86400, quarterSec: 90 * 86400 };

/** The app's settings (days for the 1-min and 15-min tiers; 1 s stays at an hour) as a retention. */
export function retentionFromSettings(s: {
  metricsMinuteRetentionDays: number;
  metricsQuarterRetentionDays: number;
}): Retention {
  const minuteSec = s.metricsMinuteRetentionDays * 86400;
  // The coarser tier is never kept for less time than the finer one.
  return { rawSec: 3600, minuteSec, quarterSec: Math.max(minuteSec, s.metricsQuarterRetentionDays * 86400) };
}
const BUCKETS = [60, 900] as const;

interface Bucket {
  ts: number;
  min: number;
  max: number;
  sum: number;
  n: number;
}

type Row = [hostId: number, metric: string, res: number, ts: number, min: number, avg: number, max: number];

/** The series kept for a sample; GPU ones per card. */
export function metricValues(s: HostMetricsSample): Record<string, number> {
  const v: Record<string, number> = {};
  const put = (k: string, x: number | null | undefined): void => {
    if (x !== null && x !== undefined && Number.isFinite(x)) v[k] = x;
  };
  put('cpu', s.cpu?.total);
  put('load1', s.load?.[0]);
  if (s.memory) {
    put('mem.used', s.memory.usedBytes);
    put('mem.percent', s.memory.totalBytes > 0 ? (100 * s.memory.usedBytes) / s.memory.totalBytes : null);
  }
  put('disk.read', s.diskReadBps);
  put('disk.write', s.diskWriteBps);
  put('net.rx', s.netRxBps);
  put('net.tx', s.netTxBps);
  for (const g of s.gpus) {
    put(`gpu${g.index}.util`, g.utilPercent);
    put(`gpu${g.index}.mem`, g.memUsedMiB);
    put(`gpu${g.index}.temp`, g.tempC);
    put(`gpu${g.index}.power`, g.powerW);
  }
  return v;
}

export class MetricHistoryStore {
  private pending: Row[] = [];
  /** Open buckets by `${hostId}|${metric}|${res}`. */
  private readonly open = new Map<string, Bucket>();
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;

  /** Read at each prune and query: a getter (the app's settings) takes effect without a restart. */
  private readonly retention: () => Retention;

  constructor(
    private readonly sqlite: Database.Database,
    retention: Retention | (() => Retention) = DEFAULT_RETENTION,
  ) {
    this.retention = typeof retention === 'function' ? retention : () => retention;
    this.upsert = sqlite.prepare(
      'INSERT OR REPLACE INTO metric_points (host_id, metric, res, ts, min, avg, max) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.select = sqlite.prepare(
      'SELECT ts, min, avg, max FROM metric_points WHERE host_id = ? AND metric = ? AND res = ? AND ts >= ? AND ts <= ? ORDER BY ts',
    );
  }

  /** Takes one sample's values (timestamp in ms); nothing is written until flush(). */
  add(hostId: number, tsMs: number, values: Record<string, number>): void {
    const sec = Math.floor(tsMs / 1000);
    for (const [metric, x] of Object.entries(values)) {
      this.pending.push([hostId, metric, 1, sec, x, x, x]);
      for (const res of BUCKETS) {
        const key = `${hostId}|${metric}|${res}`;
        const start = sec - (sec % res);
        let b = this.open.get(key);
        if (b && b.ts !== start) {
          this.pending.push(row(hostId, metric, res, b));
          b = undefined;
        }
        if (!b) this.open.set(key, (b = { ts: start, min: x, max: x, sum: 0, n: 0 }));
        b.min = Math.min(b.min, x);
        b.max = Math.max(b.max, x);
        b.sum += x;
        b.n++;
      }
    }
  }

  /** Writes what came since the last flush, open buckets included, in one transaction. */
  flush(): number {
    const rows = this.pending;
    this.pending = [];
    for (const [key, b] of this.open) {
      const [hostId, metric, res] = key.split('|');
      rows.push(row(Number(hostId), metric!, Number(res), b));
    }
    this.sqlite.transaction(() => {
      for (const r of rows) this.upsert.run(...r);
    })();
    return rows.length;
  }

  /** Deletes what is older than each resolution keeps. */
  prune(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    const del = this.sqlite.prepare('DELETE FROM metric_points WHERE res = ? AND ts < ?');
    const r = this.retention();
    return this.sqlite.transaction(
      () =>
        del.run(1, now - r.rawSec).changes +
        del.run(60, now - r.minuteSec).changes +
        del.run(900, now - r.quarterSec).changes,
    )();
  }

  /** The finest resolution still kept for the whole range, as parallel arrays (seconds). */
  query(hostId: number, metric: string, fromMs: number, toMs: number, nowMs = Date.now()): MetricHistory {
    const from = Math.floor(fromMs / 1000);
    const to = Math.floor(toMs / 1000);
    // A minute's grace: "the last hour" asked a moment ago is still the last hour.
    const age = Math.floor(nowMs / 1000) - from - 60;
    const r = this.retention();
    const res = age <= r.rawSec ? 1 : age <= r.minuteSec ? 60 : 900;
    const rows = this.select.raw().all(hostId, metric, res, from - (from % res), to) as [
      number,
      number,
      number,
      number,
    ][];
    const out: MetricHistory = { metric, resolution: res, ts: [], min: [], avg: [], max: [] };
    for (const [ts, min, avg, max] of rows) {
      out.ts.push(ts);
      out.min.push(min);
      out.avg.push(avg);
      out.max.push(max);
    }
    return out;
  }
}

const row = (hostId: number, metric: string, res: number, b: Bucket): Row => [
  hostId,
  metric,
  res,
  b.ts,
  b.min,
  b.sum / b.n,
  b.max,
];
