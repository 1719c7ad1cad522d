import { describe, expect, it } from 'vitest';
import type { ContainerSummary, DockerFleetHost } from '../../../shared/api/docker-domain';
import {
  appendDockerLog,
  EMPTY_DOCKER_LOG,
  EMPTY_FLEET_FILTER,
  filterLog,
  fleetRows,
  groupByProject,
  logText,
  portsText,
  sinceSeconds,
  uptimeText,
} from './docker-view';

const c = (name: string, o: Partial<ContainerSummary> = {}): ContainerSummary => ({
  id: name,
  name,
  image: 'img',
  imageId: 'sha256:x',
  command: '',
  state: 'running',
  status: 'Up 2 hours',
  health: null,
  ports: [],
  createdAt: 0,
  startedAt: null,
  project: null,
  service: null,
  gpus: 0,
  mounts: [],
  labels: {},
  ...o,
});

describe('docker views', () => {
  it('groups by Compose project, projects first, services in order', () => {
    const g = groupByProject([
      c('lone'),
      c('b-db', { project: 'blog', service: 'db', state: 'exited' }),
      c('b-web', { project: 'blog', service: 'web' }),
      c('a-x', { project: 'alpha', service: 'x' }),
    ]);
    expect(g.map((x) => x.project)).toEqual(['alpha', 'blog', null]);
    expect(g[1]!.containers.map((x) => x.service)).toEqual(['db', 'web']);
    expect(g[1]!.running).toBe(1);
  });

  it('writes ports and uptime compactly', () => {
    expect(
      portsText([
        { privatePort: 80, publicPort: 8080, ip: '0.0.0.0', type: 'tcp' },
        { privatePort: 53, publicPort: null, ip: null, type: 'udp' },
        { privatePort: 22, publicPort: 2222, ip: '127.0.0.1', type: 'tcp' },
      ]),
    ).toBe('8080→80/tcp, 53/udp, 127.0.0.1:2222→22/tcp');
    expect(uptimeText(c('x', { startedAt: 0 }), 3_725_000)).toBe('1h 2m');
    expect(uptimeText(c('x', { status: 'Up 5 minutes (healthy)' }), 0)).toBe('5 minutes');
    expect(uptimeText(c('x', { state: 'exited' }), 0)).toBe('—');
  });

  it('filters the fleet by host, state, image, project and GPU', () => {
    const hosts: DockerFleetHost[] = [
      {
        hostId: 1,
        hostName: 'a',
        ok: true,
        errorCode: null,
        error: null,
        containers: [c('x', { gpus: -1 }), c('y', { state: 'exited' })],
      },
      {
        hostId: 2,
        hostName: 'b',
        ok: true,
        errorCode: null,
        error: null,
        containers: [c('z', { project: 'p', image: 'other' })],
      },
    ];
    const names = (f: Partial<typeof EMPTY_FLEET_FILTER>) =>
      fleetRows(hosts, { ...EMPTY_FLEET_FILTER, ...f }).map((r) => r.c.name);
    expect(names({})).toEqual(['x', 'y', 'z']);
    expect(names({ host: 2 })).toEqual(['z']);
    expect(names({ state: 'exited' })).toEqual(['y']);
    expect(names({ image: 'other' })).toEqual(['z']);
    expect(names({ project: '(none)' })).toEqual(['x', 'y']);
    expect(names({ gpuOnly: true })).toEqual(['x']);
    expect(names({ text: 'B' })).toEqual(['z']);
  });

  it('keeps the newest log lines only, with streams apart, and says when the log ended', () => {
    let log = EMPTY_DOCKER_LOG;
    log = appendDockerLog(
      log,
      [
        {
          t: 'lines',
          s: 'out',
          lines: [
            ['t1', 'a'],
            ['t2', 'b'],
          ],
        },
      ],
      3,
    );
    log = appendDockerLog(
      log,
      [
        {
          t: 'lines',
          s: 'err',
          lines: [
            ['t3', 'c'],
            ['t4', 'd'],
          ],
        },
      ],
      3,
    );
    expect(log.lines.map((l) => l.text)).toEqual(['b', 'c', 'd']);
    expect(log.dropped).toBe(1);
    expect(filterLog(log.lines, '', 'err').map((l) => l.text)).toEqual(['c', 'd']);
    expect(filterLog(log.lines, 'B', 'all').map((l) => l.text)).toEqual(['b']);
    expect(logText(log.lines)).toBe('t2 stdout b\nt3 stderr c\nt4 stderr d\n');
    expect(appendDockerLog(log, [{ t: 'end', reason: null }]).ended).toBeNull();
  });

  it('turns "since" choices into unix seconds', () => {
    expect(sinceSeconds('', 1_000_000)).toBeUndefined();
    expect(sinceSeconds('5m', 1_000_000)).toBe(1000 - 300);
    expect(sinceSeconds('2h', 10_000_000)).toBe(10_000 - 7200);
  });
});
