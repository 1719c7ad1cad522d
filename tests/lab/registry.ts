// A local image registry (Debian's docker-registry) inside the Docker host's namespace, on
// 127.0.0.1:5000 there: dockerd treats a loopback registry as insecure-allowed, so push and pull
// need no TLS and no Docker Hub. Its files live under the lab's run folder, so the lab's sweep
// ends it if a test run dies before stopping it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PATHS } from './config';
import { alive, nsExec } from './sh';

export const REGISTRY = '127.0.0.1:5000';
const dir = path.join(PATHS.run, 'registry');

export interface Registry {
  pid: number;
  stop(): void;
}

export async function startRegistry(namespace: string): Promise<Registry> {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${REGISTRY}`,
      '',
    ].join('\n'),
  );
  const log = fs.openSync(path.join(dir, 'registry.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', namespace, 'docker-registry', 'serve', config], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  fs.closeSync(log);
  const pid = child.pid!;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      nsExec(namespace, 'bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/5000']);
      break;
    } catch {
      if (!alive(pid) || Date.now() > deadline) {
        throw new Error(
          `docker-registry did not listen on ${REGISTRY}; see ${path.join(dir, 'registry.log')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    pid,
    stop: () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
