// Where a host's Docker engine is and whether the login user may reach it, found by one short
// command per connection: DOCKER_HOST as the login sees it (sshd may set it), the socket it names
// or the default one, its permissions, and whether Docker is installed at all. Each answer that
// is not "reachable" becomes an error that says what is wrong and what to do.
import { ApiError } from '../../../shared/api/errors';

/** A fixed script (no user data): prints key=value lines about the engine's socket. */
export const PROBE_SCRIPT = [
  'h=${DOCKER_HOST:-}',
  'case "$h" in',
  '  unix://*) s=${h#unix://} ;;',
  '  "") s=/var/run/docker.sock',
  '      if [ ! -S "$s" ] && [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -S "$XDG_RUNTIME_DIR/docker.sock" ]; then s=$XDG_RUNTIME_DIR/docker.sock; fi ;;',
  '  *) s= ;;',
  'esac',
  'printf "docker_host=%s\\n" "$h"',
  'printf "socket=%s\\n" "$s"',
  'if [ -n "$s" ]; then',
  '  [ -S "$s" ] && echo exists=1',
  '  [ -r "$s" ] && [ -w "$s" ] && echo access=1',
  '  printf "group=%s\\n" "$(stat -c %G "$s" 2>/dev/null)"',
  'fi',
  'command -v docker >/dev/null 2>&1 && echo cli=1',
  'command -v dockerd >/dev/null 2>&1 && echo daemon=1',
  'printf "user=%s\\n" "$(id -un)"',
].join('\n');

export interface ProbeFacts {
  dockerHost: string;
  socket: string;
  exists: boolean;
  access: boolean;
  group: string;
  cli: boolean;
  daemon: boolean;
  user: string;
}

export function parseProbe(out: string): ProbeFacts {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    dockerHost: kv.get('docker_host') ?? '',
    socket: kv.get('socket') ?? '',
    exists: kv.get('exists') === '1',
    access: kv.get('access') === '1',
    group: kv.get('group') ?? '',
    cli: kv.get('cli') === '1',
    daemon: kv.get('daemon') === '1',
    user: kv.get('user') ?? '',
  };
}

export type EngineRoute = { via: 'socket'; socket: string } | { via: 'dial-stdio'; dockerHost: string };

const group = (f: ProbeFacts): string => (f.group && f.group !== 'root' ? f.group : 'docker');

export const notInstalled = (host: string, f: ProbeFacts): ApiError =>
  new ApiError(
    'DOCKER_NOT_INSTALLED',
    `Docker is not installed on ${host}: there is no docker command and no engine socket at ${f.socket || '/var/run/docker.sock'}. Install Docker there (the docker role does) to manage containers from Labdeck.`,
  );

export const notRunning = (host: string, where: string, detail = ''): ApiError =>
  new ApiError(
    'DOCKER_NOT_RUNNING',
    `Docker is installed on ${host} but its daemon is not running: ${where}${detail}. Start it on the host (systemctl start docker), then try again.`,
  );

export const noAccess = (host: string, f: ProbeFacts): ApiError =>
  new ApiError(
    'PERMISSION_DENIED',
    `user ${f.user || 'the login user'} cannot reach the Docker socket on ${host} (${f.socket}, group ${group(f)}) — add it to the ${group(f)} group (the docker role does), then disconnect and connect ${host} again so the login picks up the group.`,
  );

/** Where to reach the engine, or the error that says why it cannot be reached. */
export function routeOf(host: string, f: ProbeFacts): EngineRoute {
  if (f.dockerHost && !f.dockerHost.startsWith('unix://')) {
    // tcp://, ssh://…: only the docker CLI on the host knows how to get there.
    if (f.cli) return { via: 'dial-stdio', dockerHost: f.dockerHost };
    throw new ApiError(
      'DOCKER_NOT_INSTALLED',
      `DOCKER_HOST on ${host} is ${f.dockerHost}, which Labdeck can reach only through the docker command, and it is not installed there. Install the Docker CLI on ${host}, or point DOCKER_HOST at a unix socket.`,
    );
  }
  if (!f.exists) {
    if (!f.cli && !f.daemon) throw notInstalled(host, f);
    throw notRunning(host, `there is no socket at ${f.socket}`);
  }
  if (!f.access) throw noAccess(host, f);
  return { via: 'socket', socket: f.socket };
}
