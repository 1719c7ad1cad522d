// The terminals area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { terminalsCalls, terminalsStreams } from './terminals';

export const TERMINALS_CALLS = [
  'terminals.open',
  'terminals.input',
  'terminals.resize',
  'terminals.close',
] as const satisfies readonly (keyof typeof terminalsCalls)[];

export const TERMINALS_STREAMS = [
  'terminals.output',
] as const satisfies readonly (keyof typeof terminalsStreams)[];
