// Stops at once, naming what is missing, when the lab cannot run here.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

/** command -> Debian package providing it. */
const NEEDS: [string, string][] = [
  ['ip', 'iproute2'],
  ['iptables', 'iptables'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['ssh-keygen', 'openssh-client'],
  ['ssh', 'openssh-client'],
  ['sudo', 'sudo'],
  ['lxc-create', 'lxc'],
  ['/usr/share/lxc/templates/lxc-debian', 'lxc-templates'],
  ['debootstrap', 'debootstrap'],
  ['lxcfs', 'lxcfs'],
  ['/usr/sbin/apt-cacher-ng', 'apt-cacher-ng'],
  ['dockerd', 'docker.io'],
  ['docker-registry', 'docker-registry'],
  ['nsenter', 'util-linux'],
  ['zstd', 'zstd'],
  ['rsync', 'rsync'],
];

function has(cmd: string): boolean {
  if (cmd.startsWith('/')) return fs.existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export interface PreflightProbe {
  uid: number;
  has: (cmd: string) => boolean;
}

export function preflight(
  opts: { docker: boolean; containers: boolean },
  probe: PreflightProbe = { uid: process.getuid?.() ?? -1, has },
): void {
  if (probe.uid !== 0) {
    throw new Error(
      'The lab needs root: it creates network namespaces, a bridge, iptables rules, users and LXC containers. Run it as root (e.g. sudo npm run lab -- up).',
    );
  }
  const missing = new Set<string>();
  for (const [cmd, pkg] of NEEDS) {
    if (!opts.docker && (pkg === 'docker.io' || pkg === 'docker-registry')) continue;
    if (!opts.containers && ['lxc', 'lxc-templates', 'debootstrap', 'lxcfs', 'apt-cacher-ng'].includes(pkg))
      continue;
    if (!probe.has(cmd)) missing.add(pkg);
  }
  if (missing.size) {
    const list = [...missing].join(' ');
    throw new Error(
      `The lab needs Debian packages that are not installed: ${list}. Install them with: apt-get install -y --no-install-recommends ${list}`,
    );
  }
}
