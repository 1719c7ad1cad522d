// One Docker client per host, reached through that host's pooled SSH connection: the engine's
// location is found once per connection (discover.ts), then dockerode talks HTTP over channels
// from a keep-alive agent of our own. Dropped when the host's connection goes, so a new login
// (say, after the user was added to the docker group) is probed afresh.
import type Dockerode from 'dockerode';
import type { HostState } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import { shCommand } from '../ssh/quote';
import type { SshPool } from '../ssh/ssh-pool';
import { PooledAgent } from './agent';
import { notRunning, parseProbe, PROBE_SCRIPT, routeOf, type EngineRoute, type ProbeFacts } from './discover';
import { mapDockerError } from './docker-errors';

export interface Engine {
  hostId: number;
  hostName: string;
  docker: Dockerode;
  agent: PooledAgent;
  route: EngineRoute;
  facts: ProbeFacts;
}

/** ssh2's channel-open refusal codes (RFC 4254 §5.1). */
const PROHIBITED = 1;
const CONNECT_FAILED = 2;

const reasonOf = (err: unknown): number | null => {
  const r = (err as { reason?: unknown } | null)?.reason;
  return typeof r === 'number' ? r : null;
};

let dockerodeClass: Promise<typeof Dockerode> | null = null;
/** dockerode (and the gRPC it brings) loads with the first Docker call, not at start-up. */
const loadDockerode = (): Promise<typeof Dockerode> =>
  (dockerodeClass ??= import('dockerode').then((m) => m.default));

export class DockerEngines {
  private readonly engines = new Map<number, Promise<Engine>>();

  constructor(
    private readonly pool: SshPool,
    private readonly hostName: (hostId: number) => string,
  ) {
    pool.events.on('state', (s: HostState) => {
      // A new connection is a new login (groups, DOCKER_HOST): probe again next time.
      if (s.state !== 'online' && s.state !== 'connecting') this.forget(s.hostId);
    });
  }

  /** The host's engine client, probing the host the first time (or after its connection went). */
  get(hostId: number): Promise<Engine> {
    let e = this.engines.get(hostId);
    if (!e) {
      e = this.open(hostId);
      this.engines.set(hostId, e);
      e.catch(() => {
        if (this.engines.get(hostId) === e) this.engines.delete(hostId);
      });
    }
    return e;
  }

  forget(hostId: number): void {
    const e = this.engines.get(hostId);
    if (!e) return;
    this.engines.delete(hostId);
    e.then((engine) => engine.agent.destroy()).catch(() => undefined);
  }

  close(): void {
    for (const id of [...this.engines.keys()]) this.forget(id);
  }

  private async open(hostId: number): Promise<Engine> {
    const name = this.hostName(hostId);
    const probe = await this.pool.exec(hostId, shCommand(['sh', '-c', PROBE_SCRIPT]), {
      timeoutMs: 15_000,
      maxBytes: 16 * 1024,
    });
    const facts = parseProbe(probe.stdout);
    let route = routeOf(name, facts);
    const Docker = await loadDockerode();
    const make = (r: EngineRoute): Engine => {
      const agent = new PooledAgent(() =>
        r.via === 'socket'
          ? this.pool.streamLocal(hostId, r.socket)
          : this.pool.execSocket(hostId, shCommand(['docker', 'system', 'dial-stdio'])),
      );
      // host/port only name the agent's pool; every byte goes through the agent's channels.
      // (docker-modem passes `agent` to http.request; @types/dockerode does not list it.)
      const options = { protocol: 'http', host: 'docker.invalid', port: 80, agent };
      const docker = new Docker(options as Dockerode.DockerOptions);
      return { hostId, hostName: name, docker, agent, route: r, facts };
    };
    let engine = make(route);
    try {
      await engine.docker.ping();
    } catch (err) {
      engine.agent.destroy();
      const reason = reasonOf(err);
      if (route.via === 'socket' && reason === PROHIBITED && facts.cli) {
        // sshd forbids streamlocal forwarding here: the docker CLI on the host can dial for us.
        route = { via: 'dial-stdio', dockerHost: facts.dockerHost || `unix://${route.socket}` };
        engine = make(route);
        try {
          await engine.docker.ping();
        } catch (again) {
          engine.agent.destroy();
          throw mapDockerError(again, name);
        }
        return engine;
      }
      if (route.via === 'socket' && reason === CONNECT_FAILED) {
        throw notRunning(name, `nothing answers on its socket ${route.socket}`);
      }
      if (reason === PROHIBITED) {
        throw new ApiError(
          'PERMISSION_DENIED',
          `sshd on ${name} does not allow forwarding to the Docker socket (AllowStreamLocalForwarding), and the docker command is not there to dial it instead. Allow streamlocal forwarding for ${facts.user || 'the login user'} in sshd_config, or install the Docker CLI.`,
        );
      }
      throw mapDockerError(err, name);
    }
    return engine;
  }
}
