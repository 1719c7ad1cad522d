// Brings the lab up for the browser tests that need real hosts (torn down by lab.teardown.ts).
import { test } from '@playwright/test';
import { labUp } from '../lab/lab';

test('bring the lab up', async () => {
  test.setTimeout(300_000);
  const lab = await labUp(undefined, (l) => console.log(l));
  console.log(`[lab] up in ${lab.upSeconds.toFixed(1)} s for the browser tests`);
});
