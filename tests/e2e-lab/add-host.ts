// Adding a lab machine as a Labdeck host through the UI, as a person does it: the Add host dialog
// with key auth, Connect, confirm the host key, online. Shared by the lab E2E specs.
import type { Page } from '@playwright/test';
import { expect } from '../e2e/fixtures';
import { readState } from '../lab/faults';
import type { LabHost } from '../lab/types';

export const labHost = (name: string): LabHost => {
  const h = readState().hosts.find((x) => x.name === name);
  if (!h) throw new Error(`the lab has no host named ${name}`);
  return h;
};

/** Adds lab host `lab` as `name`, logged in as its normal user (or its admin: root on containers). */
export async function addOnlineHost(
  app: Page,
  name: string,
  lab: string,
  opts: { login?: 'user' | 'admin'; kind?: 'lxc' | 'gpu' | 'other' } = {},
): Promise<void> {
  const h = labHost(lab);
  const login = opts.login === 'admin' ? h.admin : h.user;
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill(name);
  await app.getByTestId('host-address').fill(h.address);
  await app.getByTestId('host-user').fill(login.user);
  if (opts.kind) await app.getByTestId('host-kind').selectOption(opts.kind);
  await app.getByTestId('host-keypath').fill(login.keyFile);
  await app.getByTestId('host-save').click();
  await app.getByTestId('connect').click();
  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('online');
}
