// The "run a command" job: a shell command on one or more hosts at once (as each host's login
// user), every line of output in the job's log (prefixed with the host when there are several),
// one step per host, and a cancel that stops the remote processes. One command job at a time per
// host: a second one waits and says for what.
import type { JobSpec } from './job-runner';
import type { ExecEnd, SshPool } from '../ssh/ssh-pool';
import { shCommand } from '../ssh/quote';

export function commandJob(pool: SshPool, hosts: { id: number; name: string }[], command: string): JobSpec {
  const names = hosts.map((h) => h.name);
  const short = command.length > 60 ? `${command.slice(0, 59)}…` : command;
  return {
    kind: 'command',
    title: `Run: ${short.replace(/\s+/g, ' ')}`,
    target:
      names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', '),
    hostIds: hosts.map((h) => h.id),
    steps: names,
    locks: hosts.map((h) => `command:host:${h.id}`),
    run: async (ctx) => {
      const several = hosts.length > 1;
      const results = await Promise.allSettled(
        hosts.map((h) =>
          ctx.step(h.name, async () => {
            const s = await pool.stream(h.id, shCommand(['sh', '-c', command]));
            const onAbort = (): void => void s.cancel();
            ctx.signal.addEventListener('abort', onAbort, { once: true });
            const prefix = { out: prefixer(`[${h.name}] `), err: prefixer(`[${h.name}] `) };
            s.start((e) => {
              if (e.t === 'end') return;
              ctx.log(several ? prefix[e.t](e.d) : e.d, e.t);
            });
            let end: ExecEnd;
            try {
              end = await s.done;
            } finally {
              ctx.signal.removeEventListener('abort', onAbort);
            }
            const said = end.truncated ? ' (output cut: more than 64 MiB)' : '';
            if (end.reason) throw new Error(`${h.name}: ${end.reason}`);
            if (end.code !== 0) {
              throw new Error(`${h.name}: exited with ${end.code ?? `signal ${end.signal}`}${said}`);
            }
            ctx.detail(h.name, `exit 0${said}`);
          }),
        ),
      );
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed) {
        const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        throw new Error(
          several
            ? `${failed} of ${hosts.length} hosts failed; first: ${(first.reason as Error).message}`
            : (first.reason as Error).message,
        );
      }
      return several ? `Succeeded on all ${hosts.length} hosts.` : 'Exited with 0.';
    },
  };
}

/** Prefixes each line of a stream, chunk by chunk (a line may arrive in several chunks). */
function prefixer(prefix: string): (chunk: string) => string {
  let atStart = true;
  return (chunk) => {
    let out = '';
    for (const part of chunk.split(/(?<=\n)/)) {
      if (atStart) out += prefix;
      out += part;
      atStart = part.endsWith('\n');
    }
    return out;
  };
}
