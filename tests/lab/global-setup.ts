// Vitest global setup for lab-backed tests: one lab per run, always torn down (also on failure or
// Ctrl-C), with its up/down times printed.
import type { TestProject } from 'vitest/node';
import { labDown, labStatus, labUp } from './lab';
import type { LabDescription } from './types';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabDescription;
  }
}

let tornDown = false;
function teardown(): void {
  if (tornDown) return;
  tornDown = true;
  const seconds = labDown(undefined, () => {});
  const left = labStatus();
  console.log(`[lab] down in ${seconds.toFixed(1)} s`);
  if (left.namespaces.length || left.containers.length || left.bridge) {
    throw new Error(`lab teardown left things behind: ${JSON.stringify(left)}`);
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const onSignal = (sig: NodeJS.Signals): void => {
    teardown();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => teardown());
  let lab: LabDescription;
  try {
    lab = await labUp(undefined, (l) => console.log(l));
  } catch (err) {
    teardown();
    throw err;
  }
  console.log(
    `[lab] up in ${lab.upSeconds.toFixed(1)} s: ${lab.hosts.map((h) => `${h.name}=${h.address}`).join(' ')}`,
  );
  project.provide('lab', lab);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    teardown();
  };
}
