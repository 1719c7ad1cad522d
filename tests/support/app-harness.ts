// The real main-process services (real SQLite in a temp folder, real ssh2 pool) driven through
// the dispatcher, as a client would.
import path from 'node:path';
import { createApp, type AppOptions, type AppServices } from '../../src/main/app/compose';
import type { CallName, CallOutput } from '../../src/shared/api/contract';
import type { HostState } from '../../src/shared/api/domain';
import { ApiError } from '../../src/shared/api/errors';
import type { LabHost, LabLogin } from '../lab/types';
import { MIGRATIONS, tempDir } from './temp-db';

export interface Harness {
  app: AppServices;
  dir: string;
  call<K extends CallName>(name: K, input?: unknown): Promise<CallOutput<K>>;
  /** The error a call fails with (or throws if it succeeds). */
  fail(name: CallName, input?: unknown): Promise<ApiError>;
  waitForState(hostId: number, want: HostState['state'], timeoutMs: number): Promise<HostState>;
  close(): Promise<void>;
}

export function harness(options: Partial<AppOptions> = {}): Harness {
  const dir = tempDir('labdeck-int-');
  const app = createApp({
    dataDir: dir,
    migrationsFolder: MIGRATIONS,
    mode: 'browser',
    version: 'test',
    knownHostsFiles: [],
    // Off unless a test asks: other areas' tests count their own channels on each host.
    hostMetrics: false,
    ...options,
  });
  const ctx = { actor: 'tester@integration' };
  const call = async <K extends CallName>(name: K, input: unknown = {}): Promise<CallOutput<K>> => {
    const env = await app.dispatcher.dispatch(name, input, ctx);
    if (!env.ok) throw new ApiError(env.error.code, env.error.message, env.error.field, env.error.details);
    return env.result as CallOutput<K>;
  };
  return {
    app,
    dir,
    call,
    fail: async (name, input = {}) => {
      const env = await app.dispatcher.dispatch(name, input, ctx);
      if (env.ok) throw new Error(`${name} was expected to fail but succeeded`);
      return new ApiError(env.error.code, env.error.message, env.error.field, env.error.details);
    },
    waitForState: (hostId, want, timeoutMs) =>
      new Promise((resolve, reject) => {
        const now = app.pool.state(hostId);
        if (now.state === want) return resolve(now);
        const timer = setTimeout(() => {
          off();
          reject(
            new Error(
              `host ${hostId} did not reach ${want} within ${timeoutMs} ms (is ${app.pool.state(hostId).state})`,
            ),
          );
        }, timeoutMs);
        const listener = (s: HostState): void => {
          if (s.hostId === hostId && s.state === want) {
            clearTimeout(timer);
            off();
            resolve(s);
          }
        };
        const off = (): void => void app.pool.events.off('state', listener);
        app.pool.events.on('state', listener);
      }),
    close: () => app.close(),
  };
}

/** Adds a lab host under `name`, trusts the key it presents, connects it; its id. */
export async function addOnlineLabHost(h: Harness, lab: LabHost, name: string): Promise<number> {
  const { id } = await h.call('hosts.add', { ...labHostInput(lab, lab.user), name });
  await h.fail('hosts.connect', { id });
  await h.call('hosts.trustKey', { id, fingerprint: lab.fingerprint });
  await h.call('hosts.connect', { id });
  return id;
}

/** hosts.add input for a lab host and login. */
export function labHostInput(
  h: LabHost,
  login: LabLogin,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: login.user,
    kind: h.kind === 'lxc' ? 'lxc' : 'other',
    authMethod: login.password ? 'password' : 'key',
    keyPath: login.password ? null : login.keyFile,
    ...(login.password ? { secret: login.password } : login.passphrase ? { secret: login.passphrase } : {}),
    ...extra,
  };
}

export const dataFile = (h: Harness): string => path.join(h.dir, 'labdeck.db');
