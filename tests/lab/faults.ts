// Faults the tests inflict on lab hosts. Each has an observable effect and restore() undoes it.
// They act through the state on disk, so any process (a test worker, the CLI) can use them.
import fs from 'node:fs';
import net from 'node:net';
import { alive, attempt, nsExec, run } from './sh';
import { hostKeyFile, hostKeyInfo, sshdPid, startSshd, stopSshd, waitForSsh } from './sshd';
import { newHostKey } from './identity';
import type { LabDescription, LabHost } from './types';
import { PATHS } from './config';

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...childrenOf(Number(entry)));
    } catch {
      /* exited */
    }
  }
  return out;
}

export class Faults {
  constructor(private readonly lab: LabDescription) {}

  private host(name: string): LabHost & { namespace: string } {
    const h = this.lab.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no lab host named ${name}`);
    if (!h.namespace) throw new Error(`${name} is an LXC container; faults act on namespace hosts`);
    return h as LabHost & { namespace: string };
  }

  private fault(name: string, rules: string[][]): void {
    const { namespace } = this.host(name);
    for (const r of rules) nsExec(namespace, 'iptables', ['-A', 'LABFAULT', ...r]);
  }

  /** Silently drop every packet to and from the host (a pulled cable). */
  cut(name: string): void {
    this.fault(name, [['-j', 'DROP']]);
  }

  /** Answer new SSH connections with a TCP reset (sshd down, host up). */
  refuse(name: string): void {
    this.fault(name, [['-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']]);
  }

  /** Drop this share of packets at random, both ways. */
  loss(name: string, percent: number): void {
    const p = String(Math.min(100, Math.max(0, percent)) / 100);
    this.fault(name, [['-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP']]);
  }

  /**
   * An LXC container's SSH cut off from this machine (its own netns has no iptables): SSH packets
   * to and from it dropped here, its other traffic (the apt cache on the bridge) left alone.
   */
  cutSsh(name: string): void {
    for (const r of this.sshRules(name)) run('iptables', ['-w', '-I', ...r]);
  }

  restoreSsh(name: string): void {
    for (const r of this.sshRules(name)) while (attempt('iptables', ['-w', '-D', ...r]));
  }

  private sshRules(name: string): string[][] {
    const h = this.lab.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no lab host named ${name}`);
    const tag = ['-m', 'comment', '--comment', 'labdeck-lab-fault', '-j', 'DROP'];
    return [
      ['OUTPUT', '-d', h.address, '-p', 'tcp', '--dport', String(h.port), ...tag],
      ['INPUT', '-s', h.address, '-p', 'tcp', '--sport', String(h.port), ...tag],
    ];
  }

  /** Undo cut, refuse and loss. */
  restore(name: string): void {
    nsExec(this.host(name).namespace, 'iptables', ['-F', 'LABFAULT']);
  }

  /** Stop sshd and every session under it (SIGSTOP): connections hang at the banner. */
  freeze(name: string): void {
    this.signalTree(name, 'SIGSTOP');
  }

  thaw(name: string): void {
    this.signalTree(name, 'SIGCONT');
  }

  private signalTree(name: string, sig: NodeJS.Signals): void {
    const pid = sshdPid(name);
    if (!pid) throw new Error(`sshd of ${name} is not running`);
    for (const p of [pid, ...childrenOf(pid)]) {
      try {
        process.kill(p, sig);
      } catch {
        /* exited */
      }
    }
  }

  /** Restart sshd (sessions end); resolves when it answers again. */
  async restartSshd(name: string): Promise<void> {
    const h = this.host(name);
    const old = sshdPid(name);
    if (old) for (const p of childrenOf(old)) attempt('kill', ['-KILL', String(p)]);
    stopSshd(name);
    if (old) await waitExit(old);
    startSshd(name, h.namespace);
    await waitForSsh(h.address, h.port);
  }

  /** A new host key and a restarted sshd: clients that trusted the old key must refuse. */
  async rotateHostKey(name: string): Promise<{ fingerprint: string; hostKey: string }> {
    newHostKey(hostKeyFile(name));
    await this.restartSshd(name);
    const info = hostKeyInfo(name);
    const h = this.host(name);
    h.fingerprint = info.fingerprint;
    h.hostKey = info.hostKey;
    updateState(this.lab);
    return info;
  }
}

async function waitExit(pid: number): Promise<void> {
  for (let i = 0; i < 250 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}

function updateState(lab: LabDescription): void {
  if (fs.existsSync(PATHS.state)) fs.writeFileSync(PATHS.state, JSON.stringify(lab, null, 2));
}

/**
 * A TCP proxy that delays every chunk by `delayMs` in each direction (netem is not in this kernel).
 * Order is kept because every chunk waits the same time.
 */
export class LatencyProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    public delayMs: number,
  ) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.sockets.add(client).add(upstream);
      const pipe = (from: net.Socket, to: net.Socket): void => {
        from.on('data', (chunk) => {
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
          }, this.delayMs);
        });
        from.on('end', () => setTimeout(() => to.end(), this.delayMs));
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          setTimeout(() => to.destroy(), this.delayMs);
        });
      };
      pipe(client, upstream);
      pipe(upstream, client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** For tests that need the current fingerprint after another process rotated it. */
export function readState(): LabDescription {
  return JSON.parse(fs.readFileSync(PATHS.state, 'utf8')) as LabDescription;
}
