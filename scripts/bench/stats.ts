// What every bench figure shares: the row it prints, its spread over repeated runs, and the
// targets that make `npm run bench` fail loudly when a figure regresses.

export interface BenchRow {
  metric: string;
  ours: string;
  /** min / median / max of Labdeck's runs ("—" for a single reading). */
  spread: string;
  base: string;
  baseSpread: string;
  ratio: string;
  baseline: string;
}

export interface Target {
  what: string;
  met: boolean;
  detail: string;
  /** A missed target that fails the whole bench (exit code 1), not just a printed warning. */
  fatal: boolean;
}

/** The row a lab-backed bench prints where it cannot run (not root). */
export const needsRoot = (metric: string): BenchRow => ({
  metric,
  ours: 'skipped',
  spread: '—',
  base: '—',
  baseSpread: '—',
  ratio: '—',
  baseline: 'need root for the lab',
});

export const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
export const median = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
/** The p-th quantile (0..1), nearest rank. */
export const pct = (xs: number[], p: number): number =>
  sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export const fmtMs = (v: number): string => `${v.toFixed(Math.abs(v) < 10 ? 2 : 0)} ms`;

/** "min / median / max" of a set of readings, each formatted with `fmt`; "—" for one reading. */
export function spread(xs: number[], fmt: (v: number) => string): string {
  if (xs.length < 2) return '— (1 run)';
  const s = sorted(xs);
  return `${fmt(s[0]!)} / ${fmt(median(s))} / ${fmt(s[s.length - 1]!)} (n=${xs.length})`;
}

/** Prints the table, then each target; returns false when a fatal target was missed. */
export function printTable(title: string, rows: BenchRow[], targets: Target[]): boolean {
  const cols: (keyof BenchRow)[] = ['metric', 'ours', 'spread', 'base', 'baseSpread', 'ratio', 'baseline'];
  const head: BenchRow = {
    metric: 'metric',
    ours: 'Labdeck',
    spread: 'min / median / max',
    base: 'baseline',
    baseSpread: 'min / median / max',
    ratio: 'ratio',
    baseline: 'baseline is',
  };
  const width = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: BenchRow): string => cols.map((c, i) => r[c].padEnd(width[i]!)).join(' | ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const t of targets) {
    console.log(`${t.met ? 'ok  ' : t.fatal ? 'FAIL' : 'miss'} ${t.what}: ${t.detail}`);
  }
  const failed = targets.filter((t) => !t.met && t.fatal);
  if (failed.length) {
    console.error(`\nBENCH FAILED: ${failed.map((t) => t.what).join('; ')}`);
    return false;
  }
  return true;
}
