// The lab: brings up SSH hosts in namespaces, a jump-only host, a Docker host and LXC containers on
// a private bridge; describes them; and tears all of it down (idempotently, synchronously).
import fs from 'node:fs';
import path from 'node:path';
import { ACNG_PORT, startAcng, stopAcng } from './acng';
import { readArchiveUris } from './apt-sources';
import {
  containerAddress,
  CREDS,
  defaultConfig,
  dockerAddress,
  gateway,
  hostAddress,
  NAMES,
  PATHS,
  type LabConfig,
} from './config';
import {
  baseExists,
  cloneHostKey,
  cloneName,
  destroyClone,
  ensureBase,
  ensureLxcfs,
  labClones,
  startClone,
  stopLxcfs,
} from './containers';
import { dockerSocket, ensureImageAndContainer, startDockerd, stopDockerd } from './docker-host';
import { ensureAccounts, ensureClientKeys, fingerprint, publicKey, removeAccounts } from './identity';
import { addNamespaceHost, ensureBridge, labNamespaces, removeBridge, removeNamespace } from './net';
import { preflight } from './preflight';
import { attempt, nsExec } from './sh';
import { hostKeyInfo, startSshd, stopSshd, waitForSsh, writeSshdConfig } from './sshd';
import { killLeftovers, unmountLeftovers } from './sweep';
import type { LabDescription, LabHost, LabLogin } from './types';

export type Log = (line: string) => void;

interface StateExtras {
  startedLxcfs: boolean;
}

export async function labUp(
  config: LabConfig = defaultConfig(),
  log: Log = console.log,
): Promise<LabDescription> {
  const t0 = Date.now();
  preflight({ docker: config.docker, containers: config.containers > 0 });
  labDown(config, (line) => {
    // Only what an interrupted or killed run left behind is worth saying.
    if (/killed|detached/.test(line)) log(line);
  });
  fs.mkdirSync(PATHS.run, { recursive: true, mode: 0o755 });
  const gw = gateway(config);
  const keys = ensureClientKeys();
  ensureAccounts();
  ensureBridge(config.bridge, `${gw}/24`);
  const plainPub = publicKey(keys.plain);
  const plain = (user: string): LabLogin => ({ user, keyFile: keys.plain });
  const hosts: LabHost[] = [];

  // Plain SSH hosts. h1 is also the jump host for the last one; h2 takes passwords and the
  // encrypted key too.
  const jumpTarget = config.sshHosts >= 3 ? config.sshHosts : 0;
  for (let n = 1; n <= config.sshHosts; n++) {
    const name = `h${n}`;
    const ns = `${NAMES.nsPrefix}${name}`;
    const address = hostAddress(config, n);
    addNamespaceHost(ns, config.bridge, address, gw);
    const flexible = n === 2;
    writeSshdConfig({
      name,
      namespace: ns,
      address,
      passwordAuth: flexible,
      authorizedKeys: {
        [NAMES.user]: flexible ? [plainPub, publicKey(keys.encrypted)] : [plainPub],
        [NAMES.admin]: [plainPub],
      },
    });
    if (n === jumpTarget) {
      // Reachable only from the jump host's address.
      nsExec(ns, 'iptables', [
        '-A',
        'INPUT',
        '-p',
        'tcp',
        '--dport',
        '22',
        '-s',
        hostAddress(config, 1),
        '-j',
        'ACCEPT',
      ]);
      nsExec(ns, 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP']);
    }
    startSshd(name, ns);
    hosts.push({
      name,
      kind: 'ssh',
      address,
      port: 22,
      namespace: ns,
      ...hostKeyInfo(name),
      user: plain(NAMES.user),
      admin: plain(NAMES.admin),
      extra: flexible
        ? [
            { user: NAMES.user, keyFile: keys.encrypted, passphrase: CREDS.passphrase },
            { user: NAMES.user, keyFile: '', password: CREDS.password },
          ]
        : [],
      ...(n === jumpTarget ? { jump: 'h1' } : {}),
    });
  }

  // LXC: the base (cached) first, since the Docker image is made from its rootfs.
  const aptProxy = `http://${gw}:${ACNG_PORT}`;
  let startedLxcfs = false;
  const uris = readArchiveUris();
  if (config.containers > 0 || config.docker) {
    const t = Date.now();
    const cold = !baseExists();
    ensureBase({
      uris,
      bridge: config.bridge,
      gateway: gw,
      aptProxy,
      rootPublicKey: plainPub,
      memory: config.containerMemory,
      log,
    });
    if (cold) log(`[lab] LXC base ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  if (config.containers > 0) {
    startAcng(gw, uris);
    startedLxcfs = ensureLxcfs();
    for (let n = 1; n <= config.containers; n++) {
      startClone(n, containerAddress(config, n), {
        bridge: config.bridge,
        gateway: gw,
        memory: config.containerMemory,
      });
    }
  }

  if (config.docker) {
    const ns = `${NAMES.nsPrefix}docker`;
    const address = dockerAddress(config);
    addNamespaceHost(ns, config.bridge, address, gw);
    await startDockerd(ns);
    ensureImageAndContainer(path.join('/var/lib/lxc', NAMES.ctBase, 'rootfs'));
    writeSshdConfig({
      name: 'docker',
      namespace: ns,
      address,
      passwordAuth: false,
      authorizedKeys: { [NAMES.user]: [plainPub], [NAMES.admin]: [plainPub] },
      extra: [`SetEnv DOCKER_HOST=unix://${dockerSocket}`],
    });
    startSshd('docker', ns);
    hosts.push({
      name: 'docker',
      kind: 'docker',
      address,
      port: 22,
      namespace: ns,
      ...hostKeyInfo('docker'),
      user: plain(NAMES.user),
      admin: plain(NAMES.admin),
      extra: [],
      dockerSocket,
    });
  }

  for (let n = 1; n <= config.containers; n++) {
    const name = cloneName(n);
    const line = await cloneHostKey(name);
    const [type, key] = line.split(/\s+/);
    hosts.push({
      name: `ct${n}`,
      kind: 'lxc',
      address: containerAddress(config, n),
      port: 22,
      fingerprint: fingerprint(line),
      hostKey: `${type} ${key}`,
      user: plain('root'),
      admin: plain('root'),
      extra: [],
    });
  }

  await Promise.all(hosts.filter((h) => !h.jump).map((h) => waitForSsh(h.address, h.port, 30_000)));
  const lab: LabDescription = {
    bridge: config.bridge,
    gateway: gw,
    subnet: `${config.prefix}.0/24`,
    aptProxy,
    hosts,
    startedAt: new Date(t0).toISOString(),
    upSeconds: (Date.now() - t0) / 1000,
  };
  const extras: StateExtras = { startedLxcfs };
  fs.writeFileSync(PATHS.state, JSON.stringify(lab, null, 2));
  fs.writeFileSync(path.join(PATHS.run, 'extras.json'), JSON.stringify(extras));
  return lab;
}

/** Removes everything the lab made (keeping caches). Safe to run twice, and from exit handlers. */
export function labDown(config: LabConfig = defaultConfig(), log: Log = console.log): number {
  const t0 = Date.now();
  let extras: StateExtras = { startedLxcfs: false };
  try {
    extras = JSON.parse(fs.readFileSync(path.join(PATHS.run, 'extras.json'), 'utf8')) as StateExtras;
  } catch {
    /* no state: clean up by name */
  }
  const step = (what: string, fn: () => void): void => {
    const t = Date.now();
    fn();
    const ms = Date.now() - t;
    if (ms > 1000) log(`[lab] down: ${what} took ${(ms / 1000).toFixed(1)} s`);
  };
  step('LXC clones', () => labClones().forEach(destroyClone));
  step('dockerd', stopDockerd);
  step('sshd', () => labNamespaces().forEach((ns) => stopSshd(ns.slice(NAMES.nsPrefix.length))));
  step('apt-cacher-ng', stopAcng);
  if (extras.startedLxcfs) step('lxcfs', stopLxcfs);
  // Whatever did not stop when asked, or outlived a killed run (shims, container payloads, daemons).
  step('leftover processes', () => {
    const killed = killLeftovers();
    if (killed.length > 0) {
      log(`[lab] down: killed ${killed.length} leftover lab process(es): ${killed.join('; ')}`);
      labClones().forEach(destroyClone);
    }
  });
  step('namespaces', () => labNamespaces().forEach(removeNamespace));
  step('bridge', () => removeBridge(config.bridge));
  step('accounts', removeAccounts);
  step('mounts', () => {
    const detached = unmountLeftovers();
    if (detached > 0) log(`[lab] down: detached ${detached} leftover mount(s)`);
  });
  fs.rmSync(PATHS.run, { recursive: true, force: true });
  const seconds = (Date.now() - t0) / 1000;
  log(`[lab] down in ${seconds.toFixed(1)} s`);
  return seconds;
}

export interface LabStatus {
  namespaces: string[];
  containers: string[];
  bridge: boolean;
  state: LabDescription | null;
}

export function labStatus(config: LabConfig = defaultConfig()): LabStatus {
  let state: LabDescription | null = null;
  try {
    state = JSON.parse(fs.readFileSync(PATHS.state, 'utf8')) as LabDescription;
  } catch {
    /* not up */
  }
  return {
    namespaces: labNamespaces(),
    containers: labClones(),
    bridge: attempt('ip', ['link', 'show', config.bridge]),
    state,
  };
}

export function describeLab(lab: LabDescription): string {
  const rows = lab.hosts.map((h) => [
    h.name,
    h.kind,
    h.address,
    String(h.port),
    h.user.user,
    h.user.keyFile,
    h.fingerprint,
    [
      h.jump ? `via ${h.jump} only` : '',
      h.extra.length ? 'also: encrypted key, password' : '',
      h.dockerSocket ? 'DOCKER_HOST set' : '',
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  const head = ['name', 'kind', 'address', 'port', 'user', 'key file', 'host key fingerprint', 'notes'];
  const widths = head.map((_, i) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    fmt(head),
    ...rows.map(fmt),
    '',
    `admin user: ${NAMES.admin} (sudo without password) on SSH hosts; root on LXC containers.`,
    `encrypted key passphrase: ${CREDS.passphrase}; password of ${NAMES.user} (h2 only): ${CREDS.password}`,
    `apt proxy for containers: ${lab.aptProxy}; bridge ${lab.bridge} ${lab.gateway}/24`,
  ].join('\n');
}
