// Synchronous process helpers: the lab's teardown must also work from exit and signal handlers.
import fs from 'node:fs';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (${status ?? 'signal'}): ${stderr.trim().slice(0, 2000)}`);
    this.name = 'CommandError';
  }
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new CommandError(`${cmd} ${args.join(' ')}`, null, r.error.message);
  if (r.status !== 0) {
    throw new CommandError(
      `${cmd} ${args.join(' ')}`,
      r.status,
      `${String(r.stderr ?? '')}${String(r.stdout ?? '')}`,
    );
  }
  return String(r.stdout ?? '');
}

/** Like run, but failure is an answer (false), not an error: for teardown and probes. */
export function attempt(cmd: string, args: string[], opts: SpawnSyncOptions = {}): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000, ...opts });
  return r.status === 0;
}

export function nsExec(ns: string, cmd: string, args: string[]): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** A process's state letter and parent from /proc/PID/stat (the name may hold spaces and ')'). */
export function procStat(pid: number | string): { state: string; ppid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** Whether a process exists and is not a zombie (a child we started and have not reaped yet). */
export function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== null && s.state !== 'Z';
}
