// The bootstrap area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { bootstrapCalls, bootstrapStreams } from './bootstrap';

export const BOOTSTRAP_CALLS = [
  'bootstrap.catalog',
  'bootstrap.start',
  'bootstrap.approve',
  'bootstrap.rerun',
  'bootstrap.cancel',
  'bootstrap.runs',
  'bootstrap.get',
  'bootstrap.log',
  'bootstrap.compare',
  'bootstrap.hostSummary',
  'bootstrap.setSkipPreview',
] as const satisfies readonly (keyof typeof bootstrapCalls)[];

export const BOOTSTRAP_STREAMS = [
  'bootstrap.events',
] as const satisfies readonly (keyof typeof bootstrapStreams)[];

export type BootstrapCallName = (typeof BOOTSTRAP_CALLS)[number];
export type BootstrapStreamName = (typeof BOOTSTRAP_STREAMS)[number];
