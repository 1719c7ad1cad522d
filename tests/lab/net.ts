// The lab's network: one bridge in the root namespace and a veth per namespace host.
import fs from 'node:fs';
import { NAMES } from './config';
import { attempt, run } from './sh';

export function ensureBridge(bridge: string, gatewayCidr: string): void {
  if (!attempt('ip', ['link', 'show', bridge])) run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  attempt('ip', ['addr', 'add', gatewayCidr, 'dev', bridge]);
  run('ip', ['link', 'set', bridge, 'up']);
}

export function removeBridge(bridge: string): void {
  if (attempt('ip', ['link', 'show', bridge])) attempt('ip', ['link', 'del', bridge]);
}

/** A namespace `ns` with eth0 at `address`/24 on the bridge, default route via the gateway. */
export function addNamespaceHost(ns: string, bridge: string, address: string, gw: string): void {
  const vethRoot = `${ns.slice(0, 11)}-v`;
  run('ip', ['netns', 'add', ns]);
  run('ip', ['link', 'add', vethRoot, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  run('ip', ['link', 'set', vethRoot, 'master', bridge, 'up']);
  run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  run('ip', ['-n', ns, 'route', 'add', 'default', 'via', gw]);
  // A chain of its own for faults, consulted first, so restore() is one flush.
  run('ip', ['netns', 'exec', ns, 'iptables', '-N', 'LABFAULT']);
  run('ip', ['netns', 'exec', ns, 'iptables', '-I', 'INPUT', '1', '-j', 'LABFAULT']);
  run('ip', ['netns', 'exec', ns, 'iptables', '-I', 'OUTPUT', '1', '-j', 'LABFAULT']);
}

export function labNamespaces(): string[] {
  if (!fs.existsSync('/run/netns')) return [];
  return fs.readdirSync('/run/netns').filter((n) => n.startsWith(NAMES.nsPrefix));
}

/** Pids of every process living in a namespace (ip netns pids). */
export function namespacePids(ns: string): number[] {
  try {
    return run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function removeNamespace(ns: string): void {
  for (const pid of namespacePids(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  attempt('ip', ['netns', 'del', ns]);
  attempt('ip', ['link', 'del', `${ns.slice(0, 11)}-v`]);
}
