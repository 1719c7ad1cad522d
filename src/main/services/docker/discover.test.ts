import { describe, expect, it } from 'vitest';
import { type ApiError } from '../../../shared/api/errors';
import { parseProbe, routeOf } from './discover';

const facts = (o: Record<string, string>): string =>
  Object.entries({ docker_host: '', socket: '/var/run/docker.sock', user: 'ldlab-user', ...o })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

function failure(out: string): ApiError {
  try {
    routeOf('h1', parseProbe(out));
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected an error');
}

describe('where the Docker engine is', () => {
  it('uses the socket DOCKER_HOST names (sshd SetEnv), else the default one', () => {
    const lab = parseProbe(
      facts({
        docker_host: 'unix:///run/x/docker.sock',
        socket: '/run/x/docker.sock',
        exists: '1',
        access: '1',
        cli: '1',
      }),
    );
    expect(routeOf('docker', lab)).toEqual({ via: 'socket', socket: '/run/x/docker.sock' });
    expect(routeOf('h', parseProbe(facts({ exists: '1', access: '1' })))).toEqual({
      via: 'socket',
      socket: '/var/run/docker.sock',
    });
  });

  it('dials through the docker CLI when DOCKER_HOST is not a unix socket', () => {
    expect(
      routeOf('h', parseProbe(facts({ docker_host: 'tcp://10.0.0.9:2375', socket: '', cli: '1' }))),
    ).toEqual({
      via: 'dial-stdio',
      dockerHost: 'tcp://10.0.0.9:2375',
    });
    expect(failure(facts({ docker_host: 'ssh://other', socket: '' })).code).toBe('DOCKER_NOT_INSTALLED');
  });

  it('says Docker is not installed when there is neither a command nor a socket', () => {
    const e = failure(facts({}));
    expect(e.code).toBe('DOCKER_NOT_INSTALLED');
    expect(e.message).toMatch(/^Docker is not installed on h1/);
  });

  it('says the daemon is not running when Docker is there but its socket is not', () => {
    const e = failure(facts({ cli: '1', daemon: '1' }));
    expect(e.code).toBe('DOCKER_NOT_RUNNING');
    expect(e.message).toContain('not running');
    expect(e.message).toContain('/var/run/docker.sock');
  });

  it('names the user, the socket and the group to join when the socket is not writable', () => {
    const e = failure(facts({ exists: '1', group: 'docker', cli: '1' }));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.message).toMatch(/^user ldlab-user cannot reach the Docker socket on h1/);
    expect(e.message).toContain('add it to the docker group (the docker role does)');
    // A socket owned by root:root: the usual group is named.
    expect(failure(facts({ exists: '1', group: 'root' })).message).toContain('the docker group');
    expect(failure(facts({ exists: '1', group: 'ldlab-docker' })).message).toContain('ldlab-docker group');
  });
});
