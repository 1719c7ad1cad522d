// The metrics charts' window of samples: the newest `keep` only, and each sample once even when
// the stream resends its recent history (it does on subscribe and again after a reconnect).

/**
 * `prev` with the samples of `events` newer than its last one added, cut to the last `keep`;
 * `prev` itself when nothing new came (so React skips the re-render).
 */
export function appendSamples<T extends { ts: number }>(prev: T[], events: readonly T[], keep: number): T[] {
  const last = prev[prev.length - 1]?.ts ?? 0;
  const fresh = events.filter((e) => e.ts > last);
  if (fresh.length === 0) return prev;
  const next = prev.concat(fresh);
  return next.length > keep ? next.slice(next.length - keep) : next;
}
