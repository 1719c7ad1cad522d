// A small live time-series chart on uPlot: created once, fed with setData, resized with its box.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
}

interface Props {
  series: ChartSeries[];
  /** [timestamps in seconds, ...one array per series]. */
  data: uPlot.AlignedData;
  height?: number;
  /** Fixed y range, e.g. [0, 100] for percentages; default auto from 0. */
  yRange?: [number, number];
  formatValue: (v: number) => string;
  /** Width of the visible time window, in seconds, ending at the newest sample. */
  windowSeconds?: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const clock = (secs: number): string => {
  const d = new Date(secs * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

export function TimeChart({
  series,
  data,
  height = 90,
  yRange,
  formatValue,
  windowSeconds = 120,
}: Props): React.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const styles = getComputedStyle(document.documentElement);
    const grid = styles.getPropertyValue('--chart-grid').trim() || '#2a2f3a';
    const axis = styles.getPropertyValue('--text-dim').trim() || '#8b93a5';
    const opts: uPlot.Options = {
      width: el.clientWidth || 300,
      height,
      legend: { show: false },
      cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
      scales: {
        // A fixed window that slides, so a few samples do not stretch across the whole chart.
        x: {
          time: true,
          range: (_u, _min, max) => {
            const end = Number.isFinite(max) ? max : Date.now() / 1000;
            return [end - windowSeconds, end];
          },
        },
        y: yRange ? { range: yRange } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 20,
          font: '10px system-ui',
          space: 70,
          values: (_u, vals) => vals.map(clock),
        },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 72,
          font: '10px system-ui',
          values: (_u, vals) => vals.map((v) => formatValue(v)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: `${s.color}22`,
          points: { show: false },
        })),
      ],
    };
    // Created empty; the effect below (which runs next, and on every update) supplies the data.
    const u = new uPlot(opts, [[], ...series.map(() => [])], el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart's shape is fixed for its lifetime; data flows through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [height, series.length, windowSeconds]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={box} />;
}
