// "This computer": the workstation's live CPU, memory, disk and network, one sample per second.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { LocalMetricsSample } from '../../../shared/api/domain';
import { api } from '../api';
import {
  DISK_SERIES,
  MEM_SERIES,
  METRIC_COLORS,
  NET_SERIES,
  pctAxis,
  RateChart,
  Tile,
} from '../components/MetricTiles';
import { TimeChart, type ChartSeries } from '../components/TimeChart';
import { useLocalMetrics } from '../hooks/useLocalMetrics';
import { formatBytes, formatPercent, formatRate, formatTimestamp } from '../lib/format';

const CPU: ChartSeries[] = [{ label: 'CPU', color: METRIC_COLORS.blue }];

const column = (s: LocalMetricsSample[], pick: (x: LocalMetricsSample) => number | null): (number | null)[] =>
  s.map(pick);

export function LocalMachinePage(): React.JSX.Element {
  const info = useQuery({ queryKey: ['system', 'static'], queryFn: () => api.system.static() });
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.get() });
  const { samples, error } = useLocalMetrics();
  const last = samples[samples.length - 1];

  const data = useMemo(() => {
    const xs = samples.map((s) => s.ts / 1000);
    return {
      cpu: [xs, column(samples, (s) => s.cpuPercent)] as uPlot.AlignedData,
      mem: [xs, column(samples, (s) => (100 * s.memUsedBytes) / s.memTotalBytes)] as uPlot.AlignedData,
      disk: [
        xs,
        column(samples, (s) => s.diskReadBps),
        column(samples, (s) => s.diskWriteBps),
      ] as uPlot.AlignedData,
      net: [xs, column(samples, (s) => s.netRxBps), column(samples, (s) => s.netTxBps)] as uPlot.AlignedData,
    };
  }, [samples]);

  const memPct = last ? (100 * last.memUsedBytes) / last.memTotalBytes : null;
  const diskPct = last && last.diskTotalBytes ? (100 * last.diskUsedBytes) / last.diskTotalBytes : null;
  const i = info.data;

  return (
    <div className="page" data-testid="local-page">
      <div className="page-head">
        <div>
          <h1>{settings.data?.workstationName ?? 'This computer'}</h1>
          <div className="facts">
            {i ? (
              <>
                <span>{i.hostname}</span>
                <span>{i.os}</span>
                <span>kernel {i.kernel}</span>
                <span>
                  {i.cpuModel} · {i.cpuCores} cores
                </span>
                <span>{formatBytes(i.memTotalBytes)} RAM</span>
              </>
            ) : info.error ? (
              <span className="error-text">Could not read system details: {info.error.message}</span>
            ) : (
              <span className="muted">Reading system details…</span>
            )}
          </div>
        </div>
        <span className={`live ${last ? 'on' : ''}`} data-testid="local-updated">
          {last ? `live · updated ${formatTimestamp(last.ts).slice(11)}` : 'waiting for first sample…'}
        </span>
      </div>
      {error && <div className="banner error">Live metrics stopped: {error}</div>}
      <div className="tiles" data-testid="local-card" data-sample-ts={last?.ts ?? ''}>
        <Tile
          title="CPU"
          testId="metric-cpu"
          value={formatPercent(last?.cpuPercent)}
          sub={i ? `${i.cpuCores} cores` : ''}
        >
          <TimeChart series={CPU} data={data.cpu} yRange={[0, 100]} formatValue={pctAxis} />
        </Tile>
        <Tile
          title="Memory"
          testId="metric-mem"
          value={formatPercent(memPct)}
          sub={last ? `${formatBytes(last.memUsedBytes)} of ${formatBytes(last.memTotalBytes)} in use` : ''}
        >
          <TimeChart series={MEM_SERIES} data={data.mem} yRange={[0, 100]} formatValue={pctAxis} />
        </Tile>
        <Tile
          title={`Disk ${last?.diskMount ?? ''}`}
          testId="metric-disk"
          value={formatPercent(diskPct)}
          sub={last ? `${formatBytes(last.diskUsedBytes)} of ${formatBytes(last.diskTotalBytes)} used` : ''}
        >
          <RateChart series={DISK_SERIES} data={data.disk} latest={[last?.diskReadBps, last?.diskWriteBps]} />
        </Tile>
        <Tile
          title="Network"
          testId="metric-net"
          value={last ? formatRate(last.netRxBps + last.netTxBps) : '—'}
          sub="all interfaces except loopback"
        >
          <RateChart series={NET_SERIES} data={data.net} latest={[last?.netRxBps, last?.netTxBps]} />
        </Tile>
      </div>
    </div>
  );
}
