// The command palette (Ctrl+K) in browser mode: jump to pages by name, find a host added through
// the UI, and run an action on it from the keyboard. No lab needed: nothing here connects.
import { expect, screenshot, test } from './fixtures';

test('Ctrl+K opens the palette; a page name and Enter go there; Escape closes it', async ({ app }) => {
  await expect(app.getByTestId('local-card')).toBeVisible();
  await app.keyboard.press('Control+k');
  const input = app.getByTestId('palette-input');
  await expect(input).toBeFocused();
  await input.fill('experi');
  await expect(app.getByTestId('palette-list').locator('[role=option]').first()).toHaveText(/Experiments/);
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('palette')).toHaveCount(0);
  await expect(app.getByTestId('experiments-page')).toBeVisible();
  await expect(app.getByTestId('tab-experiments')).toHaveClass(/active/);

  await app.keyboard.press('Control+k');
  await app.getByTestId('palette-input').fill('fleet');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('tab-fleet')).toHaveClass(/active/);

  await app.keyboard.press('Control+k');
  await app.getByTestId('palette-input').fill('settings');
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('palette')).toHaveCount(0);
  await expect(app.getByTestId('tab-fleet')).toHaveClass(/active/);
});

test('a host added in the UI is offered, with its actions; Bootstrap… runs from the keyboard', async ({
  app,
}) => {
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill('pal-h1');
  await app.getByTestId('host-address').fill('10.99.0.7');
  await app.locator('#f-group').fill('gpu');
  await app.getByTestId('host-save').click();
  await expect(app.getByTestId('host-item-pal-h1')).toBeVisible();
  await app.getByTestId('nav-local').click();

  await app.keyboard.press('Control+k');
  await app.getByTestId('palette-input').fill('pal-h1');
  const options = app.getByTestId('palette-list').locator('[role=option]');
  await expect(options.first()).toContainText('pal-h1');
  await expect(options.first()).toContainText('Hosts');
  await expect(app.getByTestId('palette-list')).toContainText('Open terminal on pal-h1');
  await expect(app.getByTestId('palette-list')).toContainText('Connect pal-h1');
  await expect(app.getByTestId('palette-list')).toContainText('Bootstrap pal-h1…');
  await screenshot(app, 'palette-host');

  await app.getByTestId('palette-input').fill('connect all gpu');
  await expect(options.first()).toHaveText(/Connect all in group gpu/);

  // Arrow keys move the choice; Enter runs it.
  await app.getByTestId('palette-input').fill('bootstrap pal');
  await expect(options.first()).toHaveText(/Bootstrap pal-h1…/);
  await app.keyboard.press('ArrowDown');
  await app.keyboard.press('ArrowUp');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('bootstrap-dialog')).toBeVisible();
  await expect(app.getByTestId('bootstrap-dialog')).toContainText('pal-h1');

  // Enter on the host itself opens its page.
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('bootstrap-dialog')).toHaveCount(0);
  await app.keyboard.press('Control+k');
  await app.getByTestId('palette-input').fill('pal-h1');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('host-page')).toContainText('pal-h1');
});
