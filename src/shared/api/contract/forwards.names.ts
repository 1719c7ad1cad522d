// The forwards area's call names as plain data (no zod), for the preload and the renderer.
import type { forwardsCalls } from './forwards';

export const FORWARDS_CALLS = [
  'forwards.open',
  'forwards.list',
  'forwards.close',
] as const satisfies readonly (keyof typeof forwardsCalls)[];

export type ForwardsCallName = (typeof FORWARDS_CALLS)[number];
