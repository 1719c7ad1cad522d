// One runner for every long operation: a job has declared steps, a live log (kept in SQLite up to a
// cap), progress and a final state; it can be cancelled; jobs that share a lock (one per host, say)
// run one at a time and the later one says what it waits for. A job left running by a crash is
// marked interrupted at the next start, with when the app last saw it. Start and cancel are API
// calls (audited by the dispatcher); the end of each job is recorded once through `record`.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { JobInfo, JobLogLine, JobState, JobStep } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { RecordEvent } from '../../lib/area';
import type { JobStore } from './job-store';

/** The abort reason when Labdeck shuts down (not a person's cancel): a detached job leaves its work running. */
export const SHUTDOWN = 'labdeck-shutdown';

export interface JobContext {
  /** Aborted on cancel, and on shutdown with `signal.reason === SHUTDOWN`. */
  readonly signal: AbortSignal;
  /** Runs a declared step: running, then succeeded, or failed with the error's message. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Marks a declared step as not needed, with why. */
  skip(name: string, why: string): void;
  /** Output as it comes (split into lines here). */
  log(text: string, stream?: JobLogLine['stream']): void;
  /** How far the running step is, 0..1. */
  progress(fraction: number): void;
  /** A one-line result for a step (shown beside it). */
  detail(name: string, text: string): void;
}

export interface JobSpec {
  kind: string;
  title: string;
  target: string;
  hostIds: number[];
  steps: string[];
  /** Jobs holding any of the same locks run one after the other (e.g. `host:3`). */
  locks?: string[];
  /**
   * What it started runs on without Labdeck (a run on the host): at shutdown the job is left
   * running in the store, not interrupted, and `recoverInterrupted` can resume following it.
   */
  detached?: boolean;
  /** Resolves with the final message; throws to fail. */
  run(ctx: JobContext): Promise<string | void>;
}

/** At start, a detached job left running: the spec that follows it again, or null (interrupted). */
export type Resumer = (job: JobInfo) => JobSpec | null;

export interface RunnerOptions {
  now?: () => number;
  heartbeatMs?: number;
  /** Log kept per job; beyond it one line says so and the rest is dropped. */
  maxLogBytes?: number;
}

interface Live {
  job: JobInfo;
  spec: JobSpec;
  abort: AbortController;
  seq: number;
  partial: Record<JobLogLine['stream'], string>;
  pendingLines: JobLogLine[];
  done: Promise<void> | null;
}

export class JobRunner {
  /** 'job' (JobInfo) on every change; 'log' (jobId, JobLogLine) for each line. */
  readonly events = new EventEmitter();
  private readonly live = new Map<string, Live>();
  private readonly queue: Live[] = [];
  private readonly held = new Map<string, string>();
  private readonly now: () => number;
  private readonly maxLogBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly flusher: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly record: RecordEvent,
    opts: RunnerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxLogBytes = opts.maxLogBytes ?? 4 * 1024 * 1024;
    this.events.setMaxListeners(200);
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
    // Log lines are written in small transactions, not one commit per line.
    this.flusher = setInterval(() => this.flushLogs(), 100);
    this.flusher.unref();
  }

  /**
   * At start: what a previous run left queued or running becomes interrupted, recorded once —
   * unless a resumer for its kind gives a spec to follow it again (a detached run on a host).
   */
  recoverInterrupted(resumers: Record<string, Resumer> = {}): JobInfo[] {
    const out: JobInfo[] = [];
    for (const j of this.store.unfinished()) {
      const { lastSeenAt, ...job } = j;
      const spec = job.state === 'running' ? (resumers[job.kind]?.(job) ?? null) : null;
      if (spec) {
        this.resume(job, spec);
        continue;
      }
      const seen = new Date(lastSeenAt).toISOString();
      job.state = 'interrupted';
      job.endedAt = lastSeenAt;
      job.message = `Labdeck stopped while this job was ${j.state} (a crash or a kill); it was last seen at ${seen}. What it started on the host may have finished or may still be running.`;
      job.steps = job.steps.map((s) =>
        s.state === 'running' || s.state === 'pending' ? { ...s, state: 'cancelled' } : s,
      );
      this.store.save(job, lastSeenAt);
      this.recordEnd(job, { lastSeenAt: seen });
      out.push(job);
    }
    return out;
  }

  /** `id`: a job id chosen by the caller (written first into its own records), else a new one. */
  start(spec: JobSpec, actor: string, id: string = randomUUID()): JobInfo {
    if (this.closed) throw new ApiError('UNAVAILABLE', 'Labdeck is shutting down: no new jobs.');
    const now = this.now();
    const job: JobInfo = {
      id,
      kind: spec.kind,
      title: spec.title,
      target: spec.target,
      hostIds: spec.hostIds,
      actor,
      state: 'queued',
      steps: spec.steps.map((name) => ({
        name,
        state: 'pending',
        startedAt: null,
        endedAt: null,
        detail: null,
      })),
      progress: 0,
      message: null,
      createdAt: now,
      startedAt: null,
      endedAt: null,
      logBytes: 0,
      logTruncated: false,
    };
    this.store.insert(job, now);
    const l: Live = {
      job,
      spec,
      abort: new AbortController(),
      seq: -1,
      partial: { out: '', err: '', info: '' },
      pendingLines: [],
      done: null,
    };
    this.live.set(job.id, l);
    this.queue.push(l);
    this.pump();
    return { ...l.job };
  }

  /** Makes a stored running job live again with the same id, steps and log, and runs `spec`. */
  private resume(job: JobInfo, spec: JobSpec): void {
    job.message = 'Following again after Labdeck restarted…';
    const l: Live = {
      job,
      spec,
      abort: new AbortController(),
      seq: this.store.lastSeq(job.id),
      partial: { out: '', err: '', info: '' },
      pendingLines: [],
      done: null,
    };
    this.live.set(job.id, l);
    for (const k of spec.locks ?? []) this.held.set(k, job.id);
    l.done = this.run(l, true);
  }

  /** Cancels a queued job at once, or asks a running one to stop (it ends as cancelled). */
  cancel(id: string): JobInfo {
    const l = this.live.get(id);
    if (!l) {
      const j = this.store.get(id);
      if (!j) throw new ApiError('NOT_FOUND', 'There is no such job.');
      throw new ApiError('CONFLICT', `This job has already ended (${j.state}).`);
    }
    if (l.job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(l), 1);
      this.finish(l, 'cancelled', 'Cancelled before it started.');
    } else {
      l.abort.abort();
      l.job.message = 'Cancelling…';
      this.changed(l);
    }
    return { ...l.job };
  }

  get(id: string): JobInfo {
    const l = this.live.get(id);
    if (l) return { ...l.job };
    const j = this.store.get(id);
    if (!j) throw new ApiError('NOT_FOUND', 'There is no such job.');
    return j;
  }

  list(limit = 100): JobInfo[] {
    return this.store.list(limit).map((j) => (this.live.has(j.id) ? { ...this.live.get(j.id)!.job } : j));
  }

  /** The log so far: what is stored, then what is still being written. */
  /** Stored lines after `afterSeq`, at most `limit` (page with the last seq you got). */
  log(id: string, afterSeq = -1, limit = 10_000): JobLogLine[] {
    this.get(id);
    const l = this.live.get(id);
    if (l) this.flushLogs();
    return this.store.log(id, afterSeq, limit);
  }

  /** Stops what runs (it ends cancelled) and waits a moment; anything still running is interrupted. */
  async close(waitMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.queue]) this.finish(l, 'cancelled', 'Labdeck was shut down before it started.');
    this.queue.length = 0;
    const running = [...this.live.values()];
    for (const l of running) l.abort.abort(SHUTDOWN);
    await Promise.race([
      Promise.all(running.map((l) => l.done ?? Promise.resolve())),
      new Promise((r) => setTimeout(r, waitMs).unref()),
    ]);
    for (const l of [...this.live.values()]) {
      if (!this.leftRunning(l)) this.finish(l, 'interrupted', 'Labdeck was shut down while it ran.');
    }
    clearInterval(this.heartbeat);
    clearInterval(this.flusher);
    this.flushLogs();
  }

  private pump(): void {
    for (const l of [...this.queue]) {
      const busy = (l.spec.locks ?? [])
        .map((k) => this.held.get(k))
        .find((holder) => holder && holder !== l.job.id);
      if (busy) {
        const other = this.live.get(busy);
        const msg = `Waiting for “${other?.job.title ?? 'another job'}” to finish (one at a time on ${l.job.target}).`;
        if (l.job.message !== msg) {
          l.job.message = msg;
          this.changed(l);
        }
        continue;
      }
      this.queue.splice(this.queue.indexOf(l), 1);
      for (const k of l.spec.locks ?? []) this.held.set(k, l.job.id);
      l.done = this.run(l);
    }
  }

  private async run(l: Live, resumed = false): Promise<void> {
    l.job.state = 'running';
    if (!resumed) {
      l.job.startedAt = this.now();
      l.job.message = null;
    }
    this.changed(l);
    const ctx = this.context(l);
    try {
      const message = await l.spec.run(ctx);
      if (this.leftRunning(l)) return;
      if (l.abort.signal.aborted) this.finish(l, 'cancelled', 'Cancelled.');
      else this.finish(l, 'succeeded', message || null);
    } catch (err) {
      if (this.leftRunning(l)) return;
      if (l.abort.signal.aborted) this.finish(l, 'cancelled', 'Cancelled.');
      else this.finish(l, 'failed', err instanceof Error ? err.message : String(err));
    }
  }

  /** A detached job stopped by shutdown: stored as still running, followed again at the next start. */
  private leftRunning(l: Live): boolean {
    if (!l.spec.detached || l.abort.signal.reason !== SHUTDOWN) return false;
    for (const stream of ['out', 'err', 'info'] as const) {
      if (l.partial[stream]) this.line(l, l.partial[stream], stream);
      l.partial[stream] = '';
    }
    this.flushLogs();
    l.job.message = 'Labdeck stopped; the run goes on on the host and is followed again at the next start.';
    this.store.save(l.job, this.now());
    this.live.delete(l.job.id);
    for (const [k, holder] of [...this.held]) if (holder === l.job.id) this.held.delete(k);
    return true;
  }

  private context(l: Live): JobContext {
    const stepOf = (name: string): JobStep => {
      const s = l.job.steps.find((x) => x.name === name);
      if (!s) throw new Error(`job ${l.job.kind} has no step "${name}"`);
      return s;
    };
    const done = (): number => l.job.steps.filter((s) => FINAL_STEP.has(s.state)).length;
    return {
      signal: l.abort.signal,
      step: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const s = stepOf(name);
        if (l.abort.signal.aborted) throw new Error('Cancelled.');
        s.state = 'running';
        s.startedAt = this.now();
        this.changed(l);
        try {
          const v = await fn();
          s.state = l.abort.signal.aborted ? 'cancelled' : 'succeeded';
          return v;
        } catch (err) {
          s.state = l.abort.signal.aborted ? 'cancelled' : 'failed';
          s.detail ??= (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
          throw err;
        } finally {
          s.endedAt = this.now();
          l.job.progress = done() / l.job.steps.length;
          this.changed(l);
        }
      },
      skip: (name, why) => {
        const s = stepOf(name);
        s.state = 'skipped';
        s.detail = why;
        l.job.progress = done() / l.job.steps.length;
        this.changed(l);
      },
      log: (text, stream = 'out') => this.append(l, text, stream),
      progress: (fraction) => {
        const f = Math.max(0, Math.min(1, fraction));
        l.job.progress = (done() + f) / l.job.steps.length;
        this.changed(l);
      },
      detail: (name, text) => {
        stepOf(name).detail = text.slice(0, 300);
        this.changed(l);
      },
    };
  }

  private append(l: Live, text: string, stream: JobLogLine['stream']): void {
    if (l.job.logTruncated) return;
    const all = l.partial[stream] + text;
    const lines = all.split('\n');
    l.partial[stream] = lines.pop()!;
    for (const line of lines) this.line(l, line, stream);
    // A "line" without an end (a progress bar) is not held back for ever.
    if (l.partial[stream].length > 4096) {
      this.line(l, l.partial[stream], stream);
      l.partial[stream] = '';
    }
  }

  private line(l: Live, text: string, stream: JobLogLine['stream']): void {
    if (l.job.logTruncated) return;
    const size = Buffer.byteLength(text) + 1;
    if (l.job.logBytes + size > this.maxLogBytes) {
      l.job.logTruncated = true;
      text = `[log cut here: more than ${Math.round(this.maxLogBytes / 1024 / 1024)} MiB of output; the rest was not kept]`;
      stream = 'info';
    } else {
      l.job.logBytes += size;
    }
    const entry: JobLogLine = { seq: ++l.seq, ts: this.now(), stream, text };
    l.pendingLines.push(entry);
    this.events.emit('log', l.job.id, entry);
  }

  private flushLogs(): void {
    const batch = [...this.live.values()].filter((l) => l.pendingLines.length);
    if (!batch.length) return;
    for (const l of batch) {
      for (const line of l.pendingLines.splice(0)) this.store.appendLog(l.job.id, line);
    }
  }

  private finish(l: Live, state: JobState, message: string | null): void {
    for (const stream of ['out', 'err', 'info'] as const) {
      if (l.partial[stream]) this.line(l, l.partial[stream], stream);
      l.partial[stream] = '';
    }
    this.flushLogs();
    l.job.state = state;
    l.job.message = message;
    l.job.endedAt = this.now();
    for (const s of l.job.steps) {
      if (s.state === 'running' || (s.state === 'pending' && state !== 'succeeded')) s.state = 'cancelled';
    }
    if (state === 'succeeded') l.job.progress = 1;
    this.changed(l);
    this.live.delete(l.job.id);
    for (const [k, holder] of [...this.held]) if (holder === l.job.id) this.held.delete(k);
    this.recordEnd(l.job);
    if (!this.closed) this.pump();
  }

  private recordEnd(job: JobInfo, extra: Record<string, unknown> = {}): void {
    this.record({
      action: `jobs.${job.state}`,
      target: job.target ? `${job.title} on ${job.target}` : job.title,
      ok: job.state === 'succeeded',
      errorCode: job.state === 'succeeded' ? null : job.state.toUpperCase(),
      details: { id: job.id, kind: job.kind, message: job.message, startedBy: job.actor, ...extra },
      durationMs: job.startedAt && job.endedAt ? job.endedAt - job.startedAt : 0,
      refs: { jobId: job.id, hostId: job.hostIds.length === 1 ? job.hostIds[0] : null },
    });
  }

  private changed(l: Live): void {
    this.store.save(l.job, this.now());
    this.events.emit('job', { ...l.job, steps: l.job.steps.map((s) => ({ ...s })) });
  }

  private beat(): void {
    this.store.heartbeat([...this.live.keys()], this.now());
  }
}

const FINAL_STEP = new Set<JobStep['state']>(['succeeded', 'failed', 'skipped', 'cancelled']);
