// The hosts area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { hostsCalls, hostsStreams } from './hosts';

export const HOSTS_CALLS = [
  'hosts.list',
  'hosts.add',
  'hosts.update',
  'hosts.remove',
  'hosts.connect',
  'hosts.disconnect',
  'hosts.test',
  'hosts.trustedKey',
  'hosts.trustKey',
  'hosts.untrustKey',
  'hosts.importPreview',
  'hosts.import',
] as const satisfies readonly (keyof typeof hostsCalls)[];

export const HOSTS_STREAMS = ['hosts.states'] as const satisfies readonly (keyof typeof hostsStreams)[];
