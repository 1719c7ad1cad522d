// A Docker host: dockerd in its own namespace, reached over that namespace's sshd (which sets
// DOCKER_HOST). Its image is a `docker import` of the LXC base's rootfs (no registry needed); its
// data root is kept between runs so the import happens once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NAMES, PATHS } from './config';
import { alive, attempt, run } from './sh';

const runDir = path.join(PATHS.run, 'docker');
export const dockerSocket = path.join(runDir, 'docker.sock');
const pidFile = path.join(runDir, 'dockerd.pid');

const docker = (args: string[]): string => run('docker', ['-H', `unix://${dockerSocket}`, ...args]);

export async function startDockerd(namespace: string): Promise<void> {
  fs.mkdirSync(runDir, { recursive: true });
  fs.mkdirSync(PATHS.dockerData, { recursive: true });
  const log = fs.openSync(path.join(runDir, 'dockerd.log'), 'a');
  // nsenter (not `ip netns exec`) keeps the cgroup mounts dockerd needs.
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${namespace}`,
      'dockerd',
      '--data-root',
      PATHS.dockerData,
      '--exec-root',
      path.join(runDir, 'exec'),
      '--pidfile',
      pidFile,
      '-H',
      `unix://${dockerSocket}`,
      '--group',
      NAMES.dockerGroup,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--containerd-namespace',
      'labdeck-lab',
      '--containerd-plugins-namespace',
      'labdeck-lab-plugins',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  fs.closeSync(log);
  const deadline = Date.now() + 30_000;
  while (!attempt('docker', ['-H', `unix://${dockerSocket}`, 'version'], { timeout: 5000 })) {
    if (Date.now() > deadline) {
      throw new Error(`dockerd did not answer within 30 s; see ${path.join(runDir, 'dockerd.log')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The lab's image (imported once from a rootfs) and one running container. */
export function ensureImageAndContainer(rootfs: string): void {
  if (!attempt('docker', ['-H', `unix://${dockerSocket}`, 'image', 'inspect', NAMES.dockerImage])) {
    // Both paths are the lab's own constants, never user input.
    run('sh', [
      '-c',
      'tar -C "$1" --exclude=./root/.ssh -c . | docker -H "unix://$2" import - "$3" >/dev/null',
      'sh',
      rootfs,
      dockerSocket,
      NAMES.dockerImage,
    ]);
  }
  attempt('docker', ['-H', `unix://${dockerSocket}`, 'rm', '-f', NAMES.dockerContainer]);
  docker([
    'run',
    '-d',
    '--init',
    '--network',
    'none',
    '--name',
    NAMES.dockerContainer,
    NAMES.dockerImage,
    'sleep',
    'infinity',
  ]);
}

export function stopDockerd(): void {
  if (!fs.existsSync(pidFile)) return;
  attempt('docker', ['-H', `unix://${dockerSocket}`, 'rm', '-f', NAMES.dockerContainer], { timeout: 20_000 });
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && alive(pid)) run('sleep', ['0.05']);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* stopped */
  }
  attempt('pkill', ['-f', `containerd.*${runDir}`]);
}
