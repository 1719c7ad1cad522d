// The audit history against the lab: a refused login is among the failures of the week, and a
// host's History shows that host's rows only. Host names are unique: the lab specs share a server.
import { expect, screenshot, test } from '../e2e/fixtures';
import { expectPillsWhole } from '../e2e/audit-helpers';
import { readState } from '../lab/faults';

const labHost = (name: string) => readState().hosts.find((h) => h.name === name)!;

test('a wrong password is among "Failures in the last 7 days"; History shows the host alone', async ({
  app,
}) => {
  const h2 = labHost('h2');
  const name = `audit-pw-${Date.now().toString(36)}`;
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill(name);
  await app.getByTestId('host-address').fill(h2.address);
  await app.getByTestId('host-user').fill(h2.user.user);
  await app.getByTestId('auth-password').click();
  await app.getByTestId('host-secret').fill('definitely-wrong');
  await app.getByTestId('host-save').click();
  await app.getByTestId('connect').click();
  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('login failed');

  await app.getByTestId('nav-activity').click();
  const failures = app.getByTestId('question').filter({ hasText: 'Failures in the last 7 days' });
  await failures.click();
  await expect(app.getByTestId('filter-result')).toHaveValue('error');
  await expect(app.getByTestId('filter-time')).toHaveValue('7d');
  const rows = app.getByTestId('audit-row');
  const refused = rows.filter({ hasText: name }).filter({ hasText: 'AUTH_FAILED' });
  await expect(refused.first()).toBeVisible();
  await expect(refused.first()).toContainText('hosts.connect');
  // Every row on screen failed, and the count on the question is what the list shows.
  await expect(rows.filter({ has: app.locator('.pill.ok') })).toHaveCount(0);
  await expect
    .poll(async () => Number(await failures.getAttribute('data-count')) - (await rows.count()), {
      timeout: 15_000,
    })
    .toBe(0);
  // The first try met an unknown host key: the long code is shown whole.
  await expect(rows.filter({ hasText: name }).filter({ hasText: 'HOSTKEY_UNKNOWN' })).toHaveCount(1);
  await expectPillsWhole(app);
  await screenshot(app, 'activity-failures');

  // From the host's page: its rows only, and the per-host question with their count.
  await app.getByTestId(`host-item-${name}`).click();
  await app.getByTestId('host-history').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();
  await expect(app.getByTestId('filter-host').locator('option:checked')).toHaveText(name);
  await expect(app.getByTestId('filter-result')).toHaveValue('');
  await expect(rows.filter({ hasText: 'hosts.add' })).toHaveCount(1);
  const n = await rows.count();
  expect(n).toBeGreaterThanOrEqual(3); // added, the key trusted, the refused login at least
  for (const r of await rows.all()) await expect(r.locator('td').nth(2)).toHaveText(name);
  await expect(app.getByTestId('question').filter({ hasText: 'Changes to this host' })).toHaveAttribute(
    'data-count',
    String(n),
  );
});

test('a terminal session reads as one timeline: opened, closed, how long', async ({ app }) => {
  const h1 = labHost('h1');
  const name = `audit-term-${Date.now().toString(36)}`;
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill(name);
  await app.getByTestId('host-address').fill(h1.address);
  await app.getByTestId('host-user').fill(h1.user.user);
  await app.getByTestId('host-keypath').fill(h1.user.keyFile);
  await app.getByTestId('host-save').click();
  await app.getByTestId('connect').click();
  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('online');
  await app.getByTestId('open-terminal').click();
  const pane = app.getByTestId('term-pane-0');
  await expect(pane).toHaveAttribute('data-status', 'open');
  await pane.click();
  await app.keyboard.type('exit');
  await app.keyboard.press('Enter');
  await expect(pane.getByTestId('term-ended')).toContainText('exited', { timeout: 10_000 });
  // The shell ended; closing its tab ends the session.
  await app
    .getByTestId('tab-terminal')
    .getByRole('button', { name: /^Close / })
    .click();
  await expect(app.getByTestId('tab-terminal')).toHaveCount(0);

  await app.getByTestId('nav-activity').click();
  await app.getByTestId('filter-host').selectOption({ label: name });
  await app.getByTestId('group-toggle').check();
  const session = app.getByTestId('timeline').filter({ hasText: 'Terminal session' });
  await expect(session).toHaveCount(1);
  await expect(session).toHaveAttribute('data-outcome', 'closed');
  await expect(session).toContainText(`Terminal session · ${name} as ${h1.user.user} · `);
  // Opened, the shell's own exit (recorded when it happened), and the tab's close.
  await expect(session).toContainText('3 rows');
  await screenshot(app, 'activity-timeline-session');
  await session.getByTestId('timeline-only').click();
  await expect(app.getByTestId('audit-row')).toHaveCount(3);
  await expect(app.getByTestId('audit-row').nth(0)).toContainText('terminals.open');
  await expect(app.getByTestId('audit-row').nth(1)).toContainText('terminals.exited');
  await expect(app.getByTestId('audit-row').nth(2)).toContainText('terminals.close');
});
