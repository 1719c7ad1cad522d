// A job's log as the page holds it: the newest lines only, so a flood of output never grows the
// page without bound, and each line once even when the stream replays what it sent before (a
// reconnect re-opens the log from its start).
import type { JobLogLine } from '../../../shared/api/domain';

export const LOG_KEEP = 5000;

export interface LogBuffer {
  readonly lines: readonly JobLogLine[];
  /** Lines that arrived but were let go to stay within the bound. */
  readonly dropped: number;
  /** The highest seq seen: anything at or below it is a replay. */
  readonly lastSeq: number;
}

export const EMPTY_LOG: LogBuffer = { lines: [], dropped: 0, lastSeq: -1 };

/** The buffer with `incoming` added (in seq order, replays skipped), cut to the last `keep`. */
export function appendLog(buf: LogBuffer, incoming: readonly JobLogLine[], keep = LOG_KEEP): LogBuffer {
  let lastSeq = buf.lastSeq;
  const fresh: JobLogLine[] = [];
  for (const l of incoming) {
    if (l.seq <= lastSeq) continue;
    lastSeq = l.seq;
    fresh.push(l);
  }
  if (fresh.length === 0) return buf;
  const total = buf.lines.length + fresh.length;
  const cut = Math.max(0, total - keep);
  // Only the kept tail is copied: a batch larger than the bound never builds the whole array.
  const lines =
    cut >= buf.lines.length ? fresh.slice(cut - buf.lines.length) : [...buf.lines.slice(cut), ...fresh];
  return { lines, dropped: buf.dropped + cut, lastSeq };
}

/**
 * Groups lines into runs of `size` by seq, so the view can re-render only the run still growing.
 * A run's key and its first/last seq say whether its content changed (lines never change).
 */
export function chunkLines(
  lines: readonly JobLogLine[],
  size = 200,
): { key: number; lines: readonly JobLogLine[] }[] {
  const out: { key: number; lines: JobLogLine[] }[] = [];
  for (const l of lines) {
    const key = Math.floor(l.seq / size);
    const last = out[out.length - 1];
    if (last && last.key === key) last.lines.push(l);
    else out.push({ key, lines: [l] });
  }
  return out;
}
