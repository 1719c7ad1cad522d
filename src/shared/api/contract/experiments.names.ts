// The experiments area's call names as plain data (no zod), for the preload and the renderer.
import type { experimentsCalls } from './experiments';

export const EXPERIMENTS_CALLS = [
  'experiments.list',
  'experiments.get',
  'experiments.create',
  'experiments.resume',
  'experiments.rollback',
  'experiments.usage',
  'experiments.setSecret',
  'experiments.removeSecret',
  'experiments.archive',
  'experiments.archives',
  'experiments.restore',
  'experiments.gitea',
  'experiments.setGitea',
  'experiments.clearGitea',
] as const satisfies readonly (keyof typeof experimentsCalls)[];

export type ExperimentsCallName = (typeof EXPERIMENTS_CALLS)[number];
