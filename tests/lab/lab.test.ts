// Tests of the lab itself: every host is what the lab says it is, and every fault does what it claims.
import net from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Faults, LatencyProxy, readState } from './faults';
import { fingerprint } from './identity';
import { knownHostsFile, ssh } from './ssh-cli';
import type { LabHost } from './types';

inject('lab'); // up for this run (global setup)
// Current facts: other test files rotate host keys, which updates the state file.
const lab = readState();
const host = (name: string): LabHost => {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`lab has no ${name}`);
  return h;
};
const faults = new Faults(lab);

/** Time until the SSH banner arrives, or null if none within timeoutMs. */
function bannerMs(address: string, port: number, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect({ host: address, port });
    const done = (v: number | null): void => {
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    s.once('data', (d) => {
      clearTimeout(timer);
      done(d.toString().startsWith('SSH-') ? performance.now() - t0 : null);
    });
    s.once('error', () => {
      clearTimeout(timer);
      done(null);
    });
  });
}

describe('lab hosts', () => {
  it('describes at least 3 SSH hosts, a Docker host and 2 LXC containers', () => {
    expect(lab.hosts.filter((h) => h.kind === 'ssh').length).toBeGreaterThanOrEqual(3);
    expect(lab.hosts.filter((h) => h.kind === 'docker')).toHaveLength(1);
    expect(lab.hosts.filter((h) => h.kind === 'lxc').length).toBeGreaterThanOrEqual(2);
    for (const h of lab.hosts) expect(fingerprint(h.hostKey)).toBe(h.fingerprint);
    expect(new Set(lab.hosts.map((h) => h.fingerprint)).size).toBe(lab.hosts.length);
  });

  it('every host answers SSH with the advertised host key (strict checking)', async () => {
    for (const h of lab.hosts) {
      const r = await ssh(lab, h, 'echo ok-$(whoami)');
      expect(r.stderr, h.name).toBe('');
      expect(r.stdout.trim(), h.name).toBe(`ok-${h.user.user}`);
    }
  });

  it('a different host key is refused by the same checks', async () => {
    const h1 = host('h1');
    const wrong = knownHostsFile(lab, [{ ...h1, hostKey: host('h2').hostKey }]);
    const r = await ssh(lab, h1, 'true', { knownHosts: wrong });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('the admin user can sudo without a password; the normal user cannot', async () => {
    const h2 = host('h2');
    expect((await ssh(lab, h2, 'sudo -n id -u', { login: h2.admin })).stdout.trim()).toBe('0');
    expect((await ssh(lab, h2, 'sudo -n id -u')).status).not.toBe(0);
  });

  it('h2 takes a password and an encrypted key; h1 takes neither', async () => {
    const h2 = host('h2');
    const [encrypted, password] = h2.extra;
    expect((await ssh(lab, h2, 'echo enc', { login: encrypted! })).stdout.trim()).toBe('enc');
    expect((await ssh(lab, h2, 'echo pw', { login: password! })).stdout.trim()).toBe('pw');
    expect((await ssh(lab, h2, 'true', { login: { ...password!, password: 'wrong' } })).status).not.toBe(0);
    expect((await ssh(lab, host('h1'), 'true', { login: password! })).status).not.toBe(0);
  });

  it('the jump-only host is reached through its jump host and not directly', async () => {
    const h3 = host('h3');
    expect(h3.jump).toBe('h1');
    expect(await bannerMs(h3.address, 22, 1500)).toBeNull();
    expect((await ssh(lab, h3, 'hostname -I')).stdout.trim()).toBe(h3.address);
  });

  it('the Docker host answers docker version over SSH and runs the lab container', async () => {
    const d = host('docker');
    const r = await ssh(
      lab,
      d,
      'docker version --format "{{.Server.Version}}" && docker ps --format "{{.Names}} {{.Image}}"',
    );
    expect(r.stderr).toBe('');
    const [version, container] = r.stdout.trim().split('\n');
    expect(version).toMatch(/^\d+\.\d+/);
    expect(container).toBe('ldlab-sleeper labdeck/debian:bookworm');
  });

  it('an LXC container runs systemd, has no python3, sees its own memory limit, and can apt-get install', async () => {
    const ct = host('ct1');
    const r = await ssh(
      lab,
      ct,
      "cat /proc/1/comm; command -v python3 || echo no-python3; awk '/MemTotal/ {print $2}' /proc/meminfo",
    );
    const [init, python, memKb] = r.stdout.trim().split('\n');
    expect(init).toBe('systemd');
    expect(python).toBe('no-python3');
    expect(Number(memKb)).toBe(512 * 1024);
    const apt = await ssh(
      lab,
      ct,
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hello >/dev/null && hello',
      {
        timeoutMs: 120_000,
      },
    );
    expect(apt.status, apt.stderr).toBe(0);
    expect(apt.stdout.trim()).toBe('Hello, world!');
  });
});

describe('lab faults', () => {
  afterEach(async () => {
    for (const name of ['h1', 'h2']) {
      faults.thaw(name);
      faults.restore(name);
    }
    // Every fault test leaves the hosts answering again.
    expect(await bannerMs(host('h1').address, 22, 3000)).not.toBeNull();
  });

  it('cut drops everything until restore', async () => {
    const h1 = host('h1');
    faults.cut('h1');
    expect(await bannerMs(h1.address, 22, 1500)).toBeNull();
    const r = await ssh(lab, h1, 'true', { connectTimeout: 1 });
    expect(r.stderr).toMatch(/timed out/);
    faults.restore('h1');
    expect((await ssh(lab, h1, 'echo back')).stdout.trim()).toBe('back');
  });

  it('refuse answers with a TCP reset, quickly', async () => {
    faults.refuse('h2');
    const r = await ssh(lab, host('h2'), 'true');
    expect(r.stderr).toMatch(/Connection refused/);
    expect(r.ms).toBeLessThan(1000);
  });

  it('freeze hangs sshd at the banner; thaw brings the waiting connection through', async () => {
    const h1 = host('h1');
    faults.freeze('h1');
    const pending = bannerMs(h1.address, 22, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    faults.thaw('h1');
    const ms = await pending;
    expect(ms).not.toBeNull();
    expect(ms!).toBeGreaterThanOrEqual(1400);
  });

  it('loss drops a share of packets', async () => {
    const h1 = host('h1');
    const attempts = async (): Promise<number> => {
      let failed = 0;
      for (let i = 0; i < 30; i++) if ((await bannerMs(h1.address, 22, 300)) === null) failed++;
      return failed;
    };
    faults.loss('h1', 50);
    const lossy = await attempts();
    faults.restore('h1');
    const clean = await attempts();
    expect(lossy).toBeGreaterThanOrEqual(5);
    expect(clean).toBe(0);
  });

  it('restartSshd ends sessions and comes back', async () => {
    const h1 = host('h1');
    const long = new Promise<number | null>((resolve) => {
      void import('node:child_process').then(({ spawn }) => {
        const kh = knownHostsFile(lab);
        const p = spawn('ssh', [
          '-o',
          `UserKnownHostsFile=${kh}`,
          '-o',
          'BatchMode=yes',
          '-i',
          h1.user.keyFile,
          `${h1.user.user}@${h1.address}`,
          'sleep 60',
        ]);
        p.once('exit', (code) => resolve(code));
      });
    });
    await new Promise((r) => setTimeout(r, 800));
    await faults.restartSshd('h1');
    const code = await Promise.race([long, new Promise((r) => setTimeout(() => r('still running'), 5000))]);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect((await ssh(lab, h1, 'echo again')).stdout.trim()).toBe('again');
  });

  it('rotateHostKey changes the key: the old one is refused, the new one accepted', async () => {
    const h2 = host('h2');
    const oldKnown = knownHostsFile(lab);
    const before = h2.fingerprint;
    const { fingerprint: after } = await faults.rotateHostKey('h2');
    expect(after).not.toBe(before);
    expect(readState().hosts.find((h) => h.name === 'h2')!.fingerprint).toBe(after);
    const refused = await ssh(lab, h2, 'true', { knownHosts: oldKnown });
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect((await ssh(lab, h2, 'echo new-key')).stdout.trim()).toBe('new-key');
  });

  it('the latency proxy adds its delay to every round trip', async () => {
    const h2 = host('h2');
    const proxy = new LatencyProxy({ host: h2.address, port: 22 }, 150);
    const port = await proxy.start();
    try {
      const direct = await ssh(lab, h2, 'true');
      const delayed = await ssh(lab, h2, 'true', { address: '127.0.0.1', port });
      expect(delayed.status, delayed.stderr).toBe(0);
      // An SSH login is several round trips; each costs 2 × 150 ms through the proxy.
      expect(delayed.ms - direct.ms).toBeGreaterThan(900);
      proxy.delayMs = 0;
      const fast = await ssh(lab, h2, 'true', { address: '127.0.0.1', port });
      expect(fast.ms).toBeLessThan(delayed.ms - 600);
    } finally {
      await proxy.stop();
    }
  });
});
