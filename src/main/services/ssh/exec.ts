// Running a command on a leased channel and collecting what it prints, bounded, with its exit.
import type { ClientChannel } from 'ssh2';
import { ApiError } from '../../../shared/api/errors';
import type { ExecResult, Lease } from './types';

export /** Gathers an exec channel's output and exit status; counts the channel back when it has closed. */
function collect(
  stream: ClientChannel,
  lease: Lease,
  where: string,
  max: number,
  timeoutMs: number | undefined,
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    if (timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        stream.close();
        reject(new ApiError('TIMEOUT', `The command on ${where} did not finish within ${timeoutMs} ms.`));
      }, timeoutMs);
    }
    stream.on('data', (d: Buffer) => {
      if (outLen < max) out.push(d.subarray(0, max - outLen));
      outLen += d.length;
    });
    stream.stderr.on('data', (d: Buffer) => {
      if (errLen < max) errOut.push(d.subarray(0, max - errLen));
      errLen += d.length;
    });
    let code: number | null = null;
    let signal: string | null = null;
    stream.on('exit', (c: number | null, s?: string) => {
      code = c;
      signal = s ?? null;
    });
    stream.on('close', () => {
      lease.release();
      if (timer) clearTimeout(timer);
      if (timedOut) return;
      if (code === null && signal === null) {
        reject(
          new ApiError('CONNECTION_LOST', `The connection to ${where} ended before the command finished.`),
        );
        return;
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errOut).toString('utf8'),
        truncated: outLen > max || errLen > max,
      });
    });
  });
}
