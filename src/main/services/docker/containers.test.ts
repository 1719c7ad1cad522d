import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { factsOf, gpusOf, healthOf, portsOf, summarize } from './containers';

const info = (o: Partial<ContainerInfo> = {}): ContainerInfo => ({
  Id: 'a'.repeat(64),
  Names: ['/web-1'],
  Image: 'nginx:1.25',
  ImageID: 'sha256:' + 'b'.repeat(64),
  Command: 'nginx -g daemon off;',
  Created: 1_700_000_000,
  Ports: [],
  Labels: {},
  State: 'running',
  Status: 'Up 3 hours (healthy)',
  HostConfig: { NetworkMode: 'bridge' },
  NetworkSettings: { Networks: {} },
  Mounts: [],
  ...o,
});

describe('container summaries', () => {
  it('reads health from the status line', () => {
    expect(healthOf('Up 3 hours (healthy)')).toBe('healthy');
    expect(healthOf('Up 5 seconds (health: starting)')).toBe('starting');
    expect(healthOf('Up 1 minute (unhealthy)')).toBe('unhealthy');
    expect(healthOf('Exited (0) 2 minutes ago')).toBeNull();
  });

  it('marks GPU device requests: all, a count, or device ids; other devices are not GPUs', () => {
    const hc = (DeviceRequests: unknown) =>
      ({ HostConfig: { DeviceRequests } }) as unknown as ContainerInspectInfo;
    expect(gpusOf(hc([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]))).toBe(-1);
    expect(gpusOf(hc([{ Driver: '', Count: 2, Capabilities: [['gpu']] }]))).toBe(2);
    expect(gpusOf(hc([{ Driver: 'nvidia', DeviceIDs: ['0', '3'], Capabilities: [['gpu']] }]))).toBe(2);
    expect(gpusOf(hc([{ Driver: 'other', Count: 1, Capabilities: [['fpga']] }]))).toBe(0);
    expect(gpusOf(hc(null))).toBe(0);
  });

  it('lists each port once (Docker repeats them per address family), sorted', () => {
    const ports = portsOf([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '', PrivatePort: 53, Type: 'udp' } as never,
    ]);
    expect(ports).toEqual([
      { privatePort: 53, publicPort: null, ip: null, type: 'udp' },
      { privatePort: 80, publicPort: 8080, ip: '0.0.0.0', type: 'tcp' },
    ]);
  });

  it('takes the Compose project and service from labels, the start time from inspect', () => {
    const c = summarize(
      info({ Labels: { 'com.docker.compose.project': 'blog', 'com.docker.compose.service': 'web' } }),
      factsOf({
        State: { StartedAt: '2026-11-20T10:00:00.5Z' },
        Config: { Tty: false },
        HostConfig: {},
      } as unknown as ContainerInspectInfo),
    );
    expect(c).toMatchObject({ name: 'web-1', project: 'blog', service: 'web', health: 'healthy', gpus: 0 });
    expect(c.startedAt).toBe(Date.parse('2026-11-20T10:00:00.5Z'));
    // A stopped container has no uptime; one that never started has no start time.
    expect(summarize(info({ State: 'exited', Status: 'Exited (0) 1 hour ago' }), null).startedAt).toBeNull();
    expect(
      factsOf({ State: { StartedAt: '0001-01-01T00:00:00Z' }, Config: {}, HostConfig: {} } as never)
        .startedAt,
    ).toBeNull();
  });
});
