import { describe, expect, it } from 'vitest';
import { isLabProcess, mountsUnder } from './sweep';

const paths = ['/run/labdeck-lab', '/var/lib/labdeck-lab/docker'];
const id = 'fe448e13f00a61acdb3e3783f8774302700d049df4f91cd75004cb70a55cbb78';

describe('the sweep of a killed lab', () => {
  it('recognises the lab daemons by their paths and its containerd shims by namespace', () => {
    expect(isLabProcess({ args: '/usr/sbin/sshd -D -e -f /run/labdeck-lab/h1/sshd_config', cgroup: '0::/' }, paths, [])).toBe(true);
    expect(
      isLabProcess(
        { args: `/usr/bin/containerd-shim-runc-v2 -namespace labdeck-lab -id ${id} -address /x`, cgroup: '0::/' },
        paths,
        [],
      ),
    ).toBe(true);
    expect(isLabProcess({ args: '/usr/sbin/sshd -D', cgroup: '0::/system.slice/ssh.service' }, paths, [])).toBe(false);
    expect(isLabProcess({ args: '/usr/bin/containerd-shim-runc-v2 -namespace moby -id x', cgroup: '0::/' }, paths, [])).toBe(false);
  });

  it('recognises LXC payloads and monitors of the lab clones, not other containers', () => {
    expect(isLabProcess({ args: '/sbin/init', cgroup: '0::/lxc.payload.ldlab-ct1/init.scope' }, paths, [])).toBe(true);
    expect(isLabProcess({ args: '[lxc monitor]', cgroup: '0::/lxc.monitor.ldlab-ct12' }, paths, [])).toBe(true);
    expect(isLabProcess({ args: '/sbin/init', cgroup: '4:memory:/lxc/ldlab-ct2/init.scope' }, paths, [])).toBe(true);
    expect(isLabProcess({ args: '/sbin/init', cgroup: '0::/lxc.payload.ldlab-ctx' }, paths, [])).toBe(false);
    expect(isLabProcess({ args: '/sbin/init', cgroup: '0::/lxc.payload.web' }, paths, [])).toBe(false);
  });

  it('recognises the payload of a lab Docker container only by an id from its data root', () => {
    const proc = { args: 'sleep infinity', cgroup: `9:pids:/docker/${id}\n0::/docker/${id}` };
    expect(isLabProcess(proc, paths, [id])).toBe(true);
    expect(isLabProcess(proc, paths, [])).toBe(false);
    expect(isLabProcess({ args: 'sleep 1', cgroup: `0::/system.slice/docker-${id}.scope` }, paths, [id])).toBe(true);
  });

  it('lists the mounts left under the lab folders, deepest first, decoding escaped names', () => {
    const mountinfo = [
      '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
      '90 22 0:4 net:[4026532691] /run/labdeck-lab/docker/exec/netns/bb940b034055 rw - nsfs nsfs rw',
      '91 22 0:50 / /var/lib/labdeck-lab/docker rw - ext4 /dev/vda rw',
      '92 91 0:51 / /var/lib/labdeck-lab/docker/overlay2/abc/merged rw - overlay overlay rw',
      '93 22 0:52 / /run/labdeck-lab-other rw - tmpfs tmpfs rw',
      '94 22 0:53 / /run/labdeck-lab/with\\040space rw - tmpfs tmpfs rw',
      '',
    ].join('\n');
    const points = mountsUnder(mountinfo, paths);
    expect([...points].sort()).toEqual([
      '/run/labdeck-lab/docker/exec/netns/bb940b034055',
      '/run/labdeck-lab/with space',
      '/var/lib/labdeck-lab/docker',
      '/var/lib/labdeck-lab/docker/overlay2/abc/merged',
    ]);
    // A mount inside another is detached first.
    expect(points.indexOf('/var/lib/labdeck-lab/docker/overlay2/abc/merged')).toBeLessThan(
      points.indexOf('/var/lib/labdeck-lab/docker'),
    );
  });
});
