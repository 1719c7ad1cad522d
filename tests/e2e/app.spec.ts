// The app in Debian's Chromium against `npm run serve`'s server.
import { expect, screenshot, test } from './fixtures';

test('loads the app frame with This computer open', async ({ app }) => {
  await expect(app).toHaveTitle('Labdeck');
  await expect(app.getByTestId('nav-local')).toContainText('This computer');
  await expect(app.getByTestId('tab-local')).toBeVisible();
  await expect(app.getByTestId('local-card')).toBeVisible();
  await expect(app.getByTestId('nav-activity')).toBeVisible();
  await expect(app.getByTestId('nav-settings')).toBeVisible();
});

test('This computer shows live numbers that change over 3 s', async ({ app }) => {
  const card = app.getByTestId('local-card');
  await expect(card).not.toHaveAttribute('data-sample-ts', '');
  await expect(app.getByTestId('metric-cpu-value')).toHaveText(/^\d+\.\d%$/);
  await expect(app.getByTestId('metric-mem-value')).toHaveText(/^\d+\.\d%$/);
  await expect(app.getByTestId('metric-disk-value')).toHaveText(/^\d+\.\d%$/);
  await expect(app.getByTestId('metric-net-value')).toHaveText(/\/s$/);
  const ts0 = Number(await card.getAttribute('data-sample-ts'));
  const text0 = await card.innerText();
  await app.waitForTimeout(3000);
  const ts1 = Number(await card.getAttribute('data-sample-ts'));
  const text1 = await card.innerText();
  expect(ts1 - ts0).toBeGreaterThanOrEqual(2000);
  expect(text1).not.toBe(text0);
  await expect(card.locator('canvas')).toHaveCount(4);
  await screenshot(app, 'this-computer');
});

test('an audited settings change appears on the Activity page, and a rejected one too', async ({ app }) => {
  const name = `ws-${Date.now()}`;
  await app.getByTestId('nav-settings').click();
  await expect(app.getByTestId('data-dir')).toContainText('labdeck-e2e-');
  await app.getByTestId('workstation-name').fill(name);
  await app.getByTestId('save-name').click();
  await expect(app.getByTestId('saved')).toBeVisible();
  await expect(app.getByTestId('nav-local')).toContainText(name);

  // Whitespace only: the API rejects it, naming the field.
  await app.getByTestId('workstation-name').fill('   ');
  await app.getByTestId('save-name').click();
  await expect(app.locator('.field-error')).toHaveText('Must not be empty');
  await screenshot(app, 'settings');

  await app.getByTestId('nav-activity').click();
  const rows = app.getByTestId('audit-row');
  await expect(rows.first()).toContainText('settings.update');
  await expect(rows.first()).toContainText('VALIDATION');
  await expect(rows.nth(1)).toContainText('ok');
  // Laid out as a table: each cell as wide as its header, the action readable in full.
  const header = await app.locator('.grid thead th').nth(1).boundingBox();
  const cell = await rows.first().locator('td').nth(1).boundingBox();
  expect(cell!.width).toBeGreaterThan(100);
  expect(Math.abs(cell!.x - header!.x)).toBeLessThan(2);
  await rows.nth(1).click();
  await expect(app.locator('tr.detail')).toContainText(name);
  await screenshot(app, 'activity');

  await app.getByTestId('filter-result').selectOption('error');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('VALIDATION');
  await app.getByTestId('filter-result').selectOption('ok');
  await expect(rows.first()).toContainText('ok');
  await app.getByTestId('filter-range').selectOption('15m');
  await expect(rows.first()).toContainText('settings.update');
  await screenshot(app, 'activity-filtered');
});

test('the theme switch applies and is remembered', async ({ app }) => {
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('theme-light').click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.getByTestId('nav-local').click();
  await app.waitForTimeout(1200);
  await screenshot(app, 'this-computer-light');
  await app.reload();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('theme-dark').click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
});
