import { expect, test } from '@playwright/test';
import { labDown, labStatus } from '../lab/lab';

test('take the lab down', () => {
  labDown(undefined, (l) => console.log(l));
  const left = labStatus();
  expect(left.namespaces).toEqual([]);
  expect(left.containers).toEqual([]);
  expect(left.bridge).toBe(false);
});
