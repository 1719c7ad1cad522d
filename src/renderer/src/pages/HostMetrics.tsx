// A host's Metrics view: live CPU, memory, disk, network and GPU charts at the collector's pace, or
// the stored history for a chosen range (1 s for the last hour, then per-minute and per-15-minute
// averages with their peaks).
import { useQueries } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import uPlot from 'uplot';
import type { HostMetricsSample, MetricHistory } from '../../../shared/api/metrics-domain';
import { api } from '../api';
import {
  DISK_SERIES,
  Legend,
  MEM_SERIES,
  METRIC_COLORS,
  NET_SERIES,
  pctAxis,
  RateChart,
  rateAxis,
  Tile,
} from '../components/MetricTiles';
import { TimeChart, type ChartSeries } from '../components/TimeChart';
import { useHostMetrics } from '../hooks/useHostMetrics';
import { gpuUse, userRows } from '../lib/fleet-view';
import { formatBytes, formatPercent, formatRate, formatTimestamp } from '../lib/format';
import '../styles/metrics.css';

const RANGES = [
  { label: 'Live', seconds: 0 },
  { label: '1 h', seconds: 3600 },
  { label: '24 h', seconds: 86_400 },
  { label: '7 d', seconds: 7 * 86_400 },
  { label: '30 d', seconds: 30 * 86_400 },
  { label: '90 d', seconds: 90 * 86_400 },
];

const C = METRIC_COLORS;
const CPU: ChartSeries[] = [
  { label: 'Busy', color: C.blue },
  { label: 'I/O wait', color: C.orange },
  { label: 'Steal', color: C.red },
];
const CPU_HISTORY: ChartSeries[] = [
  { label: 'Average', color: C.blue },
  { label: 'Peak', color: C.red },
];
const GPU: ChartSeries[] = [
  { label: 'Utilisation', color: C.green },
  { label: 'Memory', color: C.violet },
];

function uptimeText(s: number | null): string {
  if (s === null) return '—';
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
}

/** The series a chart of the history needs, for a host with `gpus` cards. */
function historyMetrics(gpus: number): string[] {
  const base = ['cpu', 'mem.percent', 'disk.read', 'disk.write', 'net.rx', 'net.tx'];
  for (let i = 0; i < gpus; i++) base.push(`gpu${i}.util`);
  return base;
}

export function HostMetrics({ hostId, online }: { hostId: number; online: boolean }): React.JSX.Element {
  const [range, setRange] = useState(0);
  const { samples, error } = useHostMetrics(hostId);
  const last = samples[samples.length - 1];
  return (
    <div className="hm" data-testid="host-metrics">
      <div className="hm-head">
        <div className="segmented" role="tablist" data-testid="metrics-range">
          {RANGES.map((r) => (
            <button
              key={r.label}
              className={range === r.seconds ? 'on' : ''}
              onClick={() => setRange(r.seconds)}
            >
              {r.label}
            </button>
          ))}
        </div>
        <span className={`live ${last && range === 0 ? 'on' : ''}`} data-testid="host-metrics-updated">
          {last
            ? `${range === 0 ? 'live · ' : ''}updated ${formatTimestamp(last.ts).slice(11)}`
            : online
              ? 'waiting for the first sample…'
              : 'not connected: connect the host to see its metrics'}
        </span>
      </div>
      {error && <div className="banner error">Live metrics stopped: {error}</div>}
      {last && <Facts s={last} />}
      {range === 0 ? (
        <LiveCharts samples={samples} />
      ) : (
        <HistoryCharts hostId={hostId} seconds={range} gpus={last?.gpus.length ?? 0} />
      )}
      {last && (last.users.length > 0 || last.gpuProcesses.length > 0) && <Users s={last} />}
      {last && last.gpuProcesses.length > 0 && <GpuProcesses s={last} />}
    </div>
  );
}

function Facts({ s }: { s: HostMetricsSample }): React.JSX.Element {
  return (
    <div className="facts hm-facts" data-testid="host-metrics-facts">
      <span>up {uptimeText(s.uptimeSec)}</span>
      {s.load && <span>load {s.load.map((l) => l.toFixed(2)).join(' / ')}</span>}
      <span>{s.cores.length} cores</span>
      {s.processes !== null && <span>{s.processes} processes</span>}
      {s.memory && s.memory.swapTotalBytes > 0 && (
        <span>
          swap {formatBytes(s.memory.swapUsedBytes)} of {formatBytes(s.memory.swapTotalBytes)}
        </span>
      )}
      {s.mounts.map((m) => (
        <span key={m.mount} title={`${formatBytes(m.availableBytes)} free`}>
          {m.mount} {formatPercent((100 * m.usedBytes) / Math.max(1, m.usedBytes + m.availableBytes))} of{' '}
          {formatBytes(m.totalBytes)}
        </span>
      ))}
    </div>
  );
}

function LiveCharts({ samples }: { samples: HostMetricsSample[] }): React.JSX.Element {
  const last = samples[samples.length - 1];
  const data = useMemo(() => {
    const xs = samples.map((s) => s.ts / 1000);
    const col = (pick: (s: HostMetricsSample) => number | null | undefined): (number | null)[] =>
      samples.map((s) => pick(s) ?? null);
    const gpus = (last?.gpus ?? []).map((g) => [
      xs,
      col((s) => s.gpus.find((x) => x.index === g.index)?.utilPercent),
      col((s) => {
        const x = s.gpus.find((y) => y.index === g.index);
        return x?.memUsedMiB != null && x.memTotalMiB ? (100 * x.memUsedMiB) / x.memTotalMiB : null;
      }),
    ]) as uPlot.AlignedData[];
    return {
      cpu: [
        xs,
        col((s) => s.cpu?.total),
        col((s) => s.cpu?.iowait),
        col((s) => s.cpu?.steal),
      ] as uPlot.AlignedData,
      mem: [
        xs,
        col((s) => (s.memory ? (100 * s.memory.usedBytes) / s.memory.totalBytes : null)),
      ] as uPlot.AlignedData,
      disk: [xs, col((s) => s.diskReadBps), col((s) => s.diskWriteBps)] as uPlot.AlignedData,
      net: [xs, col((s) => s.netRxBps), col((s) => s.netTxBps)] as uPlot.AlignedData,
      gpus,
    };
  }, [samples, last]);
  const m = last?.memory;
  return (
    <div className="tiles" data-testid="host-metrics-live" data-sample-ts={last?.ts ?? ''}>
      <Tile
        title="CPU"
        testId="hm-cpu"
        value={formatPercent(last?.cpu?.total)}
        sub={last?.cpu ? `user ${last.cpu.user}% · system ${last.cpu.system}%` : ''}
      >
        <TimeChart series={CPU} data={data.cpu} yRange={[0, 100]} formatValue={pctAxis} />
        <Legend
          items={[
            { ...CPU[1]!, value: formatPercent(last?.cpu?.iowait) },
            { ...CPU[2]!, value: formatPercent(last?.cpu?.steal) },
          ]}
        />
        {last && last.cores.length > 1 && (
          <div className="hm-cores" title="busy per core">
            {last.cores.map((c, i) => (
              <i key={i} style={{ height: `${Math.max(2, c)}%` }} title={`core ${i}: ${c}%`} />
            ))}
          </div>
        )}
      </Tile>
      <Tile
        title="Memory"
        testId="hm-mem"
        value={m ? formatPercent((100 * m.usedBytes) / m.totalBytes) : '—'}
        sub={
          m
            ? `${formatBytes(m.usedBytes)} used · ${formatBytes(m.cacheBytes)} cache · ${formatBytes(m.availableBytes)} available of ${formatBytes(m.totalBytes)}`
            : ''
        }
      >
        <TimeChart series={MEM_SERIES} data={data.mem} yRange={[0, 100]} formatValue={pctAxis} />
      </Tile>
      <Tile
        title="Disk I/O"
        testId="hm-disk"
        value={formatRate((last?.diskReadBps ?? 0) + (last?.diskWriteBps ?? 0))}
        sub="all disks"
      >
        <RateChart series={DISK_SERIES} data={data.disk} latest={[last?.diskReadBps, last?.diskWriteBps]} />
      </Tile>
      <Tile
        title="Network"
        testId="hm-net"
        value={formatRate((last?.netRxBps ?? 0) + (last?.netTxBps ?? 0))}
        sub={(last?.interfaces ?? [])
          .map((i) => `${i.iface} ↓${formatRate(i.rxBps)} ↑${formatRate(i.txBps)}`)
          .join(' · ')}
      >
        <TimeChart series={NET_SERIES} data={data.net} formatValue={rateAxis} />
      </Tile>
      {(last?.gpus ?? []).map((g, i) => (
        <Tile
          key={g.uuid}
          title={`GPU ${g.index} · ${g.name}`}
          testId={`hm-gpu${g.index}`}
          value={formatPercent(g.utilPercent)}
          sub={[
            `${formatBytes((g.memUsedMiB ?? 0) * 1048576)} of ${formatBytes((g.memTotalMiB ?? 0) * 1048576)}`,
            g.tempC !== null ? `${g.tempC} °C` : null,
            g.powerW !== null ? `${g.powerW.toFixed(0)} W of ${g.powerLimitW?.toFixed(0) ?? '?'} W` : null,
            g.fanPercent !== null ? `fan ${g.fanPercent}%` : null,
            g.smClockMHz !== null ? `${g.smClockMHz} MHz` : null,
            g.pstate,
          ]
            .filter(Boolean)
            .join(' · ')}
        >
          <TimeChart series={GPU} data={data.gpus[i]!} yRange={[0, 100]} formatValue={pctAxis} />
        </Tile>
      ))}
      {last?.gpuError && <div className="banner error">nvidia-smi: {last.gpuError}</div>}
    </div>
  );
}

function HistoryCharts({
  hostId,
  seconds,
  gpus,
}: {
  hostId: number;
  seconds: number;
  gpus: number;
}): React.JSX.Element {
  const metrics = historyMetrics(gpus);
  const results = useQueries({
    queries: metrics.map((metric) => ({
      queryKey: ['metrics', 'history', hostId, metric, seconds],
      queryFn: () => {
        const now = Date.now();
        return api.metrics.history({ hostId, metric, from: now - seconds * 1000, to: now });
      },
      // The last hour is kept per second and written every few seconds; longer ranges per minute.
      refetchInterval: seconds <= 3600 ? 5000 : 60_000,
    })),
  });
  const byName = new Map<string, MetricHistory>();
  results.forEach((r, i) => r.data && byName.set(metrics[i]!, r.data));
  const get = (name: string): MetricHistory | undefined => byName.get(name);
  const table = (...parts: [MetricHistory | undefined, 'avg' | 'max'][]): uPlot.AlignedData =>
    uPlot.join(parts.map(([h, k]) => [h?.ts ?? [], h?.[k] ?? []] as uPlot.AlignedData));
  const failed = results.find((r) => r.error)?.error;
  const resolution = get('cpu')?.resolution;
  return (
    <>
      {failed && <div className="banner error">Could not read the history: {failed.message}</div>}
      <div className="tiles" data-testid="host-metrics-history" data-points={get('cpu')?.ts.length ?? 0}>
        <Tile
          title="CPU"
          testId="hh-cpu"
          value=""
          sub={
            resolution
              ? `one point per ${resolution === 1 ? 'second' : resolution === 60 ? 'minute' : '15 minutes'}`
              : 'reading…'
          }
        >
          <TimeChart
            series={CPU_HISTORY}
            data={table([get('cpu'), 'avg'], [get('cpu'), 'max'])}
            yRange={[0, 100]}
            formatValue={pctAxis}
            windowSeconds={seconds}
          />
        </Tile>
        <Tile title="Memory" testId="hh-mem" value="" sub="used">
          <TimeChart
            series={MEM_SERIES}
            data={table([get('mem.percent'), 'avg'])}
            yRange={[0, 100]}
            formatValue={pctAxis}
            windowSeconds={seconds}
          />
        </Tile>
        <Tile title="Disk I/O" testId="hh-disk" value="" sub="average per point">
          <TimeChart
            series={DISK_SERIES}
            data={table([get('disk.read'), 'avg'], [get('disk.write'), 'avg'])}
            formatValue={rateAxis}
            windowSeconds={seconds}
          />
        </Tile>
        <Tile title="Network" testId="hh-net" value="" sub="average per point">
          <TimeChart
            series={NET_SERIES}
            data={table([get('net.rx'), 'avg'], [get('net.tx'), 'avg'])}
            formatValue={rateAxis}
            windowSeconds={seconds}
          />
        </Tile>
        {Array.from({ length: gpus }, (_, i) => (
          <Tile key={i} title={`GPU ${i}`} testId={`hh-gpu${i}`} value="" sub="utilisation">
            <TimeChart
              series={CPU_HISTORY}
              data={table([get(`gpu${i}.util`), 'avg'], [get(`gpu${i}.util`), 'max'])}
              yRange={[0, 100]}
              formatValue={pctAxis}
              windowSeconds={seconds}
            />
          </Tile>
        ))}
      </div>
    </>
  );
}

/** Who is using the host: each Linux user's CPU share, memory and GPU memory, busiest first. */
function Users({ s }: { s: HostMetricsSample }): React.JSX.Element {
  const rows = userRows(s);
  const gpu = s.gpus.length > 0 || s.gpuProcesses.length > 0;
  return (
    <section className="panel" data-testid="host-users">
      <h2 title="CPU is a share of the whole host (all cores), like the CPU chart">
        Users{' '}
        <small className="muted">
          {s.usersFrom === 'cgroup'
            ? 'from systemd user slices (login sessions)'
            : s.usersFrom === 'proc'
              ? 'from the processes, every 5 s'
              : ''}
        </small>
      </h2>
      <div className="table-wrap">
        <table className="grid compact">
          <thead>
            <tr>
              <th>User</th>
              <th>CPU</th>
              <th>Memory</th>
              {gpu && <th>GPU memory</th>}
              <th>Processes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr key={u.user} data-testid={`host-user-${u.user}`}>
                <td>{u.user}</td>
                <td>{u.cpuPercent === null ? '—' : formatPercent(u.cpuPercent)}</td>
                <td>{u.memoryBytes === null ? '—' : formatBytes(u.memoryBytes)}</td>
                {gpu && (
                  <td>
                    {u.gpuMemMiB === null
                      ? '—'
                      : `${formatBytes(u.gpuMemMiB * 1048576)} (${u.gpuProcesses} ${u.gpuProcesses === 1 ? 'process' : 'processes'})`}
                  </td>
                )}
                <td>{u.processes ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function GpuProcesses({ s }: { s: HostMetricsSample }): React.JSX.Element {
  return (
    <section className="panel" data-testid="gpu-processes">
      <h2>{gpuUse(s)}</h2>
      <div className="table-wrap">
        <table className="grid compact">
          <thead>
            <tr>
              <th>User</th>
              <th>PID</th>
              <th>Process</th>
              <th>GPU memory</th>
              <th>GPU</th>
            </tr>
          </thead>
          <tbody>
            {s.gpuProcesses.map((p) => (
              <tr key={`${p.gpuUuid}-${p.pid}`}>
                <td>{p.user ?? '?'}</td>
                <td className="mono">{p.pid}</td>
                <td className="mono">{p.name}</td>
                <td>{p.usedMiB !== null ? formatBytes(p.usedMiB * 1048576) : '—'}</td>
                <td>{s.gpus.find((g) => g.uuid === p.gpuUuid)?.index ?? p.gpuUuid}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
