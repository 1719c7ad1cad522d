// The system area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { systemCalls, systemStreams } from './system';

export const SYSTEM_CALLS = ['system.static'] as const satisfies readonly (keyof typeof systemCalls)[];

export const SYSTEM_STREAMS = ['system.metrics'] as const satisfies readonly (keyof typeof systemStreams)[];
