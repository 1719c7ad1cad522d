// Real Debian 12 LXC containers with systemd: one pristine base (kept between runs), overlay clones
// per lab run. No python3 inside, as on a fresh container; root logs in with the lab's key.
import fs from 'node:fs';
import path from 'node:path';
import type { ArchiveUris } from './apt-sources';
import { NAMES } from './config';
import { attempt, run } from './sh';

const LXC = '/var/lib/lxc';
const baseDir = path.join(LXC, NAMES.ctBase);
const READY = path.join(baseDir, '.labdeck-ready');

export interface BaseOptions {
  uris: ArchiveUris;
  bridge: string;
  gateway: string;
  aptProxy: string;
  rootPublicKey: string;
  memory: string;
  log: (line: string) => void;
}

/** Replaces the network, AppArmor and memory lines of a container's config with the lab's own. */
function rewriteConfig(
  name: string,
  o: Pick<BaseOptions, 'bridge' | 'gateway' | 'memory'>,
  address: string,
): void {
  const file = path.join(LXC, name, 'config');
  const old = fs.readFileSync(file, 'utf8');
  const hwaddr = /^lxc\.net\.0\.hwaddr\s*=\s*(\S+)/m.exec(old)?.[1];
  const keep = old
    .split('\n')
    .filter(
      (l) =>
        l.trim() &&
        !/^lxc\.(net\.|apparmor\.|cgroup\.memory|cgroup\.devices|mount\.auto|cap\.drop)/.test(l.trim()),
    );
  const ours = [
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${o.bridge}`,
    'lxc.net.0.flags = up',
    ...(hwaddr ? [`lxc.net.0.hwaddr = ${hwaddr}`] : []),
    `lxc.net.0.ipv4.address = ${address}/24`,
    `lxc.net.0.ipv4.gateway = ${o.gateway}`,
    'lxc.apparmor.profile = unconfined',
    `lxc.cgroup.memory.limit_in_bytes = ${o.memory}`,
    // Docker inside the container (the bootstrap's docker role): writable proc/sys/cgroups, all
    // devices, no capabilities dropped — what Proxmox's "nesting" feature amounts to.
    'lxc.mount.auto = proc:rw sys:rw cgroup:rw',
    'lxc.cgroup.devices.allow = a',
    'lxc.cap.drop =',
  ];
  fs.writeFileSync(file, `${[...keep, ...ours].join('\n')}\n`);
}

export function baseExists(): boolean {
  return fs.existsSync(READY);
}

/** Creates and prepares the pristine base once; later runs reuse it (never started, never modified while clones exist). */
export function ensureBase(o: BaseOptions): void {
  if (baseExists()) return;
  if (fs.existsSync(baseDir)) attempt('lxc-destroy', ['-n', NAMES.ctBase, '-f']);
  o.log('creating the LXC base container (Debian bookworm; ~50 s cold, seconds with /var/cache/lxc warm)…');
  run(
    'lxc-create',
    [
      '-t',
      'debian',
      '-n',
      NAMES.ctBase,
      '--',
      '-r',
      'bookworm',
      `--mirror=${o.uris.main}`,
      `--security-mirror=${o.uris.security}`,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  rewriteConfig(NAMES.ctBase, o, `${o.gateway.replace(/\.\d+$/, '')}.100`);
  const root = path.join(baseDir, 'rootfs');
  const w = (rel: string, body: string, mode = 0o644): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body, { mode });
  };
  // Addresses come from the LXC config; nothing inside should try DHCP.
  w('etc/network/interfaces', 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet manual\n');
  w(
    'etc/apt/sources.list',
    `deb ${o.uris.main} bookworm main\ndeb ${o.uris.main} bookworm-updates main\ndeb ${o.uris.security} bookworm-security main\n`,
  );
  w('etc/apt/apt.conf.d/01labdeck-proxy', `Acquire::http::Proxy "${o.aptProxy}";\n`);
  fs.mkdirSync(path.join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  w('root/.ssh/authorized_keys', `${o.rootPublicKey}\n`, 0o600);
  // Each clone makes its own host keys at first boot instead of sharing the base's.
  for (const f of fs.readdirSync(path.join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) fs.rmSync(path.join(root, 'etc/ssh', f));
  }
  w(
    'etc/systemd/system/ssh.service.d/labdeck-hostkeys.conf',
    '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n',
  );
  fs.writeFileSync(READY, new Date().toISOString());
}

export function cloneName(n: number): string {
  return `${NAMES.ctPrefix}${n}`;
}

export function startClone(
  n: number,
  address: string,
  o: Pick<BaseOptions, 'bridge' | 'gateway' | 'memory'>,
): void {
  const name = cloneName(n);
  if (fs.existsSync(path.join(LXC, name))) destroyClone(name);
  run('lxc-copy', ['-n', NAMES.ctBase, '-N', name, '-s', '-B', 'overlayfs']);
  rewriteConfig(name, o, address);
  run('lxc-start', ['-n', name, '-d']);
}

/** The clone's host key, once its first boot has generated it. */
export async function cloneHostKey(name: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const upper = path.join(LXC, name, 'overlay/delta/etc/ssh/ssh_host_ed25519_key.pub');
  while (Date.now() < deadline) {
    if (fs.existsSync(upper)) {
      const line = fs.readFileSync(upper, 'utf8').trim();
      if (line) return line;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container ${name} generated no SSH host key within ${timeoutMs} ms`);
}

export function labClones(): string[] {
  if (!fs.existsSync(LXC)) return [];
  return fs.readdirSync(LXC).filter((n) => n.startsWith(NAMES.ctPrefix));
}

export function destroyClone(name: string): void {
  attempt('lxc-stop', ['-n', name, '-k']);
  attempt('lxc-destroy', ['-n', name, '-f']);
  if (fs.existsSync(path.join(LXC, name))) fs.rmSync(path.join(LXC, name), { recursive: true, force: true });
}

/** Whether lxcfs answers at its mountpoint: a FUSE mount whose daemon died stays mounted but every access fails ENOTCONN. */
function lxcfsAnswers(): boolean {
  try {
    fs.statSync('/var/lib/lxcfs/proc/meminfo');
    return true;
  } catch {
    return false;
  }
}

export function ensureLxcfs(): boolean {
  if (lxcfsAnswers()) return false;
  // Left behind by an lxcfs that was killed (a machine reused between runs): detach it before mounting afresh.
  stopLxcfs();
  fs.mkdirSync('/var/lib/lxcfs', { recursive: true });
  run('sh', ['-c', 'lxcfs /var/lib/lxcfs >/run/labdeck-lab/lxcfs.log 2>&1 &']);
  for (let i = 0; i < 100 && !attempt('mountpoint', ['-q', '/var/lib/lxcfs']); i++) run('sleep', ['0.05']);
  return true;
}

export function stopLxcfs(): void {
  attempt('fusermount', ['-u', '/var/lib/lxcfs']);
  attempt('umount', ['-l', '/var/lib/lxcfs']);
  attempt('pkill', ['-x', 'lxcfs']);
}
