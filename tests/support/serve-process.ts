// Starts the real browser-mode server (the built out/main/serve.js) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { newToken } from '../../src/main/transport/token';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVE_JS = path.join(ROOT, 'out/main/serve.js');

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  origin: string;
  port: number;
  token: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startServe(dataDir: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const token = newToken();
  const child = spawn(process.execPath, [SERVE_JS, '--data-dir', dataDir, ...extraArgs], {
    env: { ...process.env, LABDECK_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 20 s:\n${out}`)), 20_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /Labdeck is ready: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    child,
    url,
    origin: u.origin,
    port: Number(u.port),
    token,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
