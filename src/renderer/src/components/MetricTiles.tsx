// The metrics pages' building blocks ("This computer" and a host's Metrics view): a tile with its
// title, value and chart, a legend with each series' latest value, and the series both pages chart.
import type uPlot from 'uplot';
import { formatRate } from '../lib/format';
import { TimeChart, type ChartSeries } from './TimeChart';

export const METRIC_COLORS = {
  blue: '#4f9cf7',
  violet: '#b57cf2',
  green: '#3fbf8f',
  orange: '#f2a541',
  red: '#f26b6b',
};

export const MEM_SERIES: ChartSeries[] = [{ label: 'Used', color: METRIC_COLORS.violet }];
export const DISK_SERIES: ChartSeries[] = [
  { label: 'Read', color: METRIC_COLORS.green },
  { label: 'Write', color: METRIC_COLORS.orange },
];
export const NET_SERIES: ChartSeries[] = [
  { label: 'Receive', color: METRIC_COLORS.green },
  { label: 'Send', color: METRIC_COLORS.red },
];

/** A percentage chart's axis labels. */
export const pctAxis = (v: number): string => `${v.toFixed(0)}%`;
/** A rate chart's axis labels. */
export const rateAxis = (v: number): string => formatRate(v);

export function Tile(props: {
  title: string;
  value: string;
  sub: string;
  testId: string;
  children: React.ReactNode;
}): React.JSX.Element {
  return (
    <section className="tile" data-testid={props.testId}>
      <header className="tile-head">
        <span className="tile-title">{props.title}</span>
        <span className="tile-value" data-testid={`${props.testId}-value`}>
          {props.value}
        </span>
      </header>
      <div className="tile-sub">{props.sub}</div>
      {props.children}
    </section>
  );
}

export function Legend({
  items,
}: {
  items: { label: string; color: string; value: string }[];
}): React.JSX.Element {
  return (
    <div className="legend">
      {items.map((i) => (
        <span key={i.label}>
          <i style={{ background: i.color }} />
          {i.label} <b>{i.value}</b>
        </span>
      ))}
    </div>
  );
}

/** A chart of rates (disk read/write, network receive/send) with each one's latest in its legend. */
export function RateChart({
  series,
  data,
  latest,
}: {
  series: ChartSeries[];
  data: uPlot.AlignedData;
  /** The latest value of each series, in the order of `series`. */
  latest: (number | null | undefined)[];
}): React.JSX.Element {
  return (
    <>
      <TimeChart series={series} data={data} formatValue={rateAxis} />
      <Legend items={series.map((s, i) => ({ ...s, value: formatRate(latest[i]) }))} />
    </>
  );
}
