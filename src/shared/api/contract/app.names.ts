// The app area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { appCalls } from './app';

export const APP_CALLS = [
  'app.info',
  'settings.get',
  'settings.update',
] as const satisfies readonly (keyof typeof appCalls)[];
