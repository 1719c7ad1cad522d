// What a lab killed without its teardown leaves behind (a CI machine reused after a session was
// killed, a `kill -9` of the test runner): daemons still running or dead with their mounts in place.
// The normal teardown asks each piece to stop; the sweep then kills whatever of the lab is still
// alive and detaches its mounts, so `up` always starts from a clean machine.
import fs from 'node:fs';
import { NAMES, PATHS } from './config';
import { attempt, procStat } from './sh';

interface Proc {
  pid: number;
  ppid: number;
  args: string;
  cgroup: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (!stat || stat.state === 'Z') continue; // gone, or dead and waiting for its parent
    try {
      out.push({
        pid: Number(entry),
        ppid: stat.ppid,
        args: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '),
        cgroup: fs.readFileSync(`/proc/${entry}/cgroup`, 'utf8'),
      });
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

/**
 * Whether a process belongs to the lab: started with one of its paths, a shim of its containerd,
 * or inside one of its LXC or Docker containers (known by cgroup: LXC's are named after the
 * container, Docker's after the container id, which the lab's data root lists).
 */
export function isLabProcess(
  p: { args: string; cgroup: string },
  labPaths: string[],
  dockerIds: string[],
): boolean {
  if (labPaths.some((dir) => p.args.includes(dir))) return true;
  if (p.args.includes('containerd-shim') && p.args.includes('-namespace labdeck-lab')) return true;
  const lxc = new RegExp(`[./]${NAMES.ctPrefix}\\d+(/|$)`);
  return p.cgroup.split('\n').some((line) => {
    if (lxc.test(line)) return true;
    const parts = line.slice(line.lastIndexOf(':') + 1).split('/');
    return parts.some((part) => dockerIds.some((id) => part === id || part === `docker-${id}.scope`));
  });
}

function labDockerIds(): string[] {
  try {
    return fs.readdirSync(`${PATHS.dockerData}/containers`).filter((id) => /^[0-9a-f]{64}$/.test(id));
  } catch {
    return [];
  }
}

/** Kills every lab process still running, and all their descendants. Returns what it killed. */
export function killLeftovers(): string[] {
  const procs = processes();
  const labPaths = [PATHS.run, PATHS.dockerData];
  const dockerIds = labDockerIds();
  const doomed = new Set(procs.filter((p) => p.pid !== process.pid && isLabProcess(p, labPaths, dockerIds)).map((p) => p.pid));
  // Processes in the lab's namespaces (sshd, dockerd) and their children.
  for (const ns of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) {
    if (!ns.startsWith(NAMES.nsPrefix)) continue;
    let inode: number;
    try {
      inode = fs.statSync(`/run/netns/${ns}`).ino;
    } catch {
      continue;
    }
    for (const p of procs) {
      try {
        if (fs.statSync(`/proc/${p.pid}/ns/net`).ino === inode) doomed.add(p.pid);
      } catch {
        /* exited */
      }
    }
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!doomed.has(p.pid) && doomed.has(p.ppid)) {
        doomed.add(p.pid);
        grew = true;
      }
    }
  }
  doomed.delete(process.pid);
  const killed: string[] = [];
  for (const pid of doomed) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(`${pid} ${(procs.find((p) => p.pid === pid)?.args ?? '').slice(0, 80).trim()}`);
    } catch {
      /* gone */
    }
  }
  return killed;
}

/** Mount points under the given directories, deepest first. */
export function mountsUnder(mountinfo: string, dirs: string[]): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily detaches every mount left under the lab's run and data folders. */
export function unmountLeftovers(): number {
  const points = mountsUnder(fs.readFileSync('/proc/self/mountinfo', 'utf8'), [PATHS.run, PATHS.dockerData]);
  for (const p of points) attempt('umount', ['-l', p]);
  return points.length;
}
