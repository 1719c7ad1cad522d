// The docker area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { dockerCalls, dockerStreams } from './docker';

export const DOCKER_CALLS = [
  'docker.status',
  'docker.containers',
  'docker.fleet',
  'docker.inspect',
  'docker.action',
  'docker.remove',
  'docker.images',
  'docker.removeImage',
  'docker.volumes',
  'docker.removeVolume',
  'docker.networks',
  'docker.prunePreview',
  'docker.prune',
  'docker.pull',
  'docker.shellOpen',
  'docker.shellInput',
  'docker.shellResize',
  'docker.shellClose',
] as const satisfies readonly (keyof typeof dockerCalls)[];

export const DOCKER_STREAMS = [
  'docker.logs',
  'docker.stats',
  'docker.shellOutput',
] as const satisfies readonly (keyof typeof dockerStreams)[];
