// Pulling an image as a job: the engine's progress stream followed layer by layer (each layer's
// download and extraction), the job's progress the average over its layers, and a log line per
// layer as it moves on (not one per progress tick). Cancel closes the stream; the engine stops.
import type { IncomingMessage } from 'node:http';
import type { JobSpec } from '../jobs/job-runner';
import { mapDockerError } from './docker-errors';
import type { Engine } from './engines';
import { formatBytes } from './prune';

export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface Layer {
  phase: 'waiting' | 'downloading' | 'downloaded' | 'extracting' | 'done';
  current: number;
  total: number;
  /** Quarter of the download last logged, so the log says 25 %, 50 %… once each. */
  loggedQuarter: number;
}

/** Per-layer state from the engine's progress events; `fraction` is how far the pull is. */
export class PullProgress {
  readonly layers = new Map<string, Layer>();

  /** Applies one event; returns a log line when a layer moved to a new phase or quarter. */
  apply(e: PullEvent): string | null {
    if (!e.id || !e.status || /^(Pulling from|Digest|Status)/.test(e.status)) return null;
    if (e.status.startsWith('Pulling fs layer') || e.status === 'Waiting') {
      if (!this.layers.has(e.id))
        this.layers.set(e.id, { phase: 'waiting', current: 0, total: 0, loggedQuarter: -1 });
      return e.status === 'Waiting' ? null : `layer ${e.id}: queued`;
    }
    const l = this.layers.get(e.id) ?? { phase: 'waiting', current: 0, total: 0, loggedQuarter: -1 };
    this.layers.set(e.id, l);
    const cur = e.progressDetail?.current ?? 0;
    const tot = e.progressDetail?.total ?? 0;
    switch (e.status) {
      case 'Downloading': {
        l.phase = 'downloading';
        l.current = cur;
        l.total = tot;
        const q = tot > 0 ? Math.floor((cur / tot) * 4) : 0;
        if (q <= l.loggedQuarter) return null;
        l.loggedQuarter = q;
        return `layer ${e.id}: downloading ${formatBytes(cur)} of ${formatBytes(tot)}`;
      }
      case 'Verifying Checksum':
        return null;
      case 'Download complete':
        l.phase = 'downloaded';
        return `layer ${e.id}: downloaded${l.total ? ` (${formatBytes(l.total)})` : ''}`;
      case 'Extracting':
        if (l.phase !== 'extracting') {
          l.phase = 'extracting';
          l.current = cur;
          l.total = tot || l.total;
          return `layer ${e.id}: extracting`;
        }
        l.current = cur;
        l.total = tot || l.total;
        return null;
      case 'Pull complete':
        l.phase = 'done';
        return `layer ${e.id}: done`;
      case 'Already exists':
        l.phase = 'done';
        return `layer ${e.id}: already here`;
      default:
        return `layer ${e.id}: ${e.status}`;
    }
  }

  /** Download counts for 70 % of a layer, extraction for the rest. */
  get fraction(): number {
    if (this.layers.size === 0) return 0;
    let sum = 0;
    for (const l of this.layers.values()) {
      const part = l.total > 0 ? Math.min(1, l.current / l.total) : 0;
      sum +=
        l.phase === 'done'
          ? 1
          : l.phase === 'extracting'
            ? 0.7 + 0.3 * part
            : l.phase === 'downloaded'
              ? 0.7
              : l.phase === 'downloading'
                ? 0.7 * part
                : 0;
    }
    return sum / this.layers.size;
  }

  get summary(): string {
    const done = [...this.layers.values()].filter((l) => l.phase === 'done').length;
    return `${done} of ${this.layers.size} layers`;
  }
}

export function pullJob(engine: Engine, ref: string): JobSpec {
  return {
    kind: 'docker.pull',
    title: `Docker pull ${ref}`,
    target: engine.hostName,
    hostIds: [engine.hostId],
    steps: ['Pull'],
    locks: [`docker:pull:${engine.hostId}:${ref}`],
    run: async (ctx) => {
      const progress = new PullProgress();
      let last = '';
      await ctx.step('Pull', async () => {
        let stream: IncomingMessage;
        try {
          stream = (await engine.docker.pull(ref)) as unknown as IncomingMessage;
        } catch (err) {
          throw mapDockerError(err, engine.hostName, `image ${ref}`);
        }
        const onAbort = (): void => void stream.destroy(new Error('cancelled'));
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        let lastProgress = 0;
        try {
          await new Promise<void>((resolve, reject) => {
            engine.docker.modem.followProgress(
              stream,
              (err: Error | null) => (err ? reject(err) : resolve()),
              (e: PullEvent) => {
                if (e.error) {
                  reject(new Error(e.errorDetail?.message ?? e.error));
                  return;
                }
                const line = progress.apply(e);
                if (line) ctx.log(`${line}\n`);
                else if (!e.id && e.status) {
                  last = e.status;
                  ctx.log(`${e.status}\n`);
                }
                const now = Date.now();
                if (now - lastProgress > 100) {
                  lastProgress = now;
                  ctx.progress(progress.fraction);
                }
              },
            );
          });
        } catch (err) {
          if (ctx.signal.aborted) throw new Error('Cancelled: the engine stopped pulling.', { cause: err });
          throw mapDockerError(err, engine.hostName, `image ${ref}`);
        } finally {
          ctx.signal.removeEventListener('abort', onAbort);
        }
        ctx.progress(1);
        ctx.detail('Pull', progress.summary);
      });
      return last || `Pulled ${ref}.`;
    },
  };
}
