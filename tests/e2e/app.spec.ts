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
  await expect(app.getByTestId('audit-details')).toContainText(name);
  await screenshot(app, 'activity');
  await app.getByTestId('details-close').click();

  await app.getByTestId('filter-result').selectOption('error');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('VALIDATION');
  await app.getByTestId('filter-result').selectOption('ok');
  await expect(rows.first()).toContainText('ok');
  await app.getByTestId('filter-time').selectOption('1h');
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

test('the desktop settings: the tray switch and an update server, checked before it is saved', async ({
  app,
}) => {
  await app.getByTestId('nav-settings').click();
  const section = app.getByTestId('desktop-settings');
  await expect(section).toContainText('Show Labdeck in the tray / menu bar (desktop app)');
  await expect(section).toContainText('browser mode has no tray');
  const tray = app.getByTestId('show-tray');
  await expect(tray).toBeChecked();
  await tray.uncheck();
  await expect(section.locator('.saved')).toBeVisible();
  await expect(tray).not.toBeChecked();

  const url = app.getByTestId('update-url');
  await expect(url).toHaveValue('');
  await url.fill('ftp://updates.example/labdeck');
  await app.getByTestId('save-update-url').click();
  await expect(section.locator('.field-error')).toHaveText(
    'An http(s) URL, or empty for no automatic updates',
  );
  await url.fill('https://updates.example/labdeck');
  await app.getByTestId('save-update-url').click();
  await expect(section.locator('.field-error')).toHaveCount(0);
  await expect(app.getByTestId('save-update-url')).toBeDisabled();

  await app.reload();
  await app.getByTestId('nav-settings').click();
  await expect(app.getByTestId('update-url')).toHaveValue('https://updates.example/labdeck');
  await expect(app.getByTestId('show-tray')).not.toBeChecked();
  // Back as it was, for the tests after this one.
  await app.getByTestId('show-tray').check();
  await app.getByTestId('update-url').fill('');
  await app.getByTestId('save-update-url').click();
  await expect(app.getByTestId('save-update-url')).toBeDisabled();
});

test("a new host's page opens and stays open when a hosts list requested before the save answers late", async ({
  page,
  server,
}) => {
  // The first hosts.list of the page answers 1.5 s late, as on a busy fresh machine: the host is
  // added (and its page opened) before that stale list arrives.
  let slowCall: number | null = null;
  await page.routeWebSocket(/\/api$/, (ws) => {
    const real = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { t: string; id?: number; name?: string };
      if (msg.t === 'call' && msg.name === 'hosts.list' && slowCall === null) slowCall = msg.id!;
      real.send(m);
    });
    real.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { t: string; id?: number };
      if (msg.t === 'result' && msg.id === slowCall) setTimeout(() => ws.send(m), 1500);
      else ws.send(m);
    });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.getByTestId('add-host').click();
  await page.getByTestId('host-name').fill('late-list');
  await page.getByTestId('host-address').fill('10.99.0.1');
  await page.getByTestId('host-save').click();
  await expect(page.getByTestId('host-page')).toBeVisible();
  expect(slowCall).not.toBeNull();
  await page.waitForTimeout(2500); // the stale list has landed by now
  await expect(page.getByTestId('host-page')).toBeVisible();
  await expect(page.getByTestId('host-page')).toContainText('late-list');
  await expect(page.getByTestId('host-item-late-list')).toBeVisible();
  expect(errors).toEqual([]);
});

test("the host dialog's Cancel asks before dropping what was typed", async ({ app }) => {
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill('half-typed');
  const asked: string[] = [];
  app.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await app.getByTestId('modal-cancel').click();
  expect(asked).toEqual(['Discard the changes in this dialog?']);
  await expect(app.getByTestId('host-dialog')).toBeVisible();
  await expect(app.getByTestId('host-name')).toHaveValue('half-typed');
  app.once('dialog', (d) => void d.accept());
  await app.getByTestId('modal-cancel').click();
  await expect(app.getByTestId('host-dialog')).toHaveCount(0);
  // Nothing typed: Cancel closes at once, without a question.
  await app.getByTestId('add-host').click();
  let questioned = false;
  app.once('dialog', (d) => {
    questioned = true;
    void d.dismiss();
  });
  await app.getByTestId('modal-cancel').click();
  await expect(app.getByTestId('host-dialog')).toHaveCount(0);
  expect(questioned).toBe(false);
});
