// Bootstrap in the browser against a real lab container: the dialog, a preview whose tasks stream
// in live, approval, the apply to success, the host page saying what it was bootstrapped with, and
// the history of it.
import { expect, screenshot, test } from '../e2e/fixtures';
import { addOnlineHost } from './add-host';

test('bootstrap a container: preview streams its tasks, approve, apply to success, history shows it', async ({
  app,
}) => {
  test.setTimeout(420_000);
  await addOnlineHost(app, 'box', 'ct1', { login: 'admin', kind: 'lxc' });
  await expect(app.getByTestId('host-bootstrap-fact')).toHaveText('not bootstrapped by Labdeck');
  // Hosts picked in the sidebar (Ctrl+click) are bootstrapped together.
  await app.getByTestId('host-item-box').click({ modifiers: ['Control'] });
  await expect(app.getByTestId('host-selection')).toContainText('1 host picked');
  await app.getByTestId('bootstrap-selected').click();
  const dialog = app.getByTestId('bootstrap-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('bootstrap-host-box')).toBeChecked();
  await expect(app.getByTestId('host-selection')).toHaveCount(0);
  // Defaults preselected; keep this one short: base and python only.
  await expect(dialog.getByTestId('role-base')).toBeChecked();
  await expect(dialog.getByTestId('role-gitea')).not.toBeChecked();
  for (const r of ['docker', 'postgresql', 'experiments']) await dialog.getByTestId(`role-${r}`).uncheck();
  await dialog.getByTestId('role-vars-base').click();
  await dialog.locator('#bv-base_timezone').fill('Europe/Berlin');
  await expect(dialog.getByTestId('bootstrap-preview')).toBeChecked();
  await screenshot(app, 'bootstrap-dialog');
  await dialog.getByTestId('bootstrap-start').click();

  const run = app.getByTestId('bootstrap-run');
  await expect(run).toHaveAttribute('data-mode', 'check');
  const column = app.getByTestId('bootstrap-host-box');
  // Tasks arrive while the preview runs (Ansible is installed on the container first).
  await expect(column.getByTestId('bootstrap-task').nth(2)).toBeVisible({ timeout: 180_000 });
  await expect(run).toHaveAttribute('data-state', 'running');
  await screenshot(app, 'bootstrap-preview-running');
  await expect(run).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(app.getByTestId('bootstrap-preview-summary')).toContainText('would change');
  await expect(column.locator('[data-status="changed"]').first()).toContainText('would change');
  // A task's details: the diff of what it would change.
  const tz = column
    .getByTestId('bootstrap-task')
    .filter({ hasText: 'Write /etc/timezone for Europe/Berlin' });
  await expect(tz).toHaveAttribute('data-status', 'changed');
  await tz.locator('.bs-task-line').click();
  await expect(tz.locator('.bs-diff')).toContainText('+Europe/Berlin');
  await screenshot(app, 'bootstrap-preview-done');

  await app.getByTestId('bootstrap-approve').click();
  await expect(run).toHaveAttribute('data-mode', 'apply');
  await expect(run).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await expect(column).toHaveAttribute('data-state', 'succeeded');
  await expect(column.getByTestId('bootstrap-host-state')).toHaveText('succeeded');
  await expect(app.getByTestId('bootstrap-progress')).toHaveAttribute('aria-valuenow', '100');
  await screenshot(app, 'bootstrap-applied');
  await column.getByTestId('bootstrap-raw-log').click();
  await expect(app.getByTestId('bootstrap-log-text')).toContainText('PLAY RECAP');
  await app.keyboard.press('Escape');

  // The host page says what it was bootstrapped with.
  await app.getByTestId('host-item-box').click();
  await expect(app.getByTestId('host-bootstrap-fact')).toHaveText(/bootstrapped: base, python/);

  // The runs list has both, and the history has the start and the approval.
  await app.getByTestId('nav-bootstrap').click();
  await expect(app.getByTestId('bootstrap-run-row')).toHaveCount(2);
  await screenshot(app, 'bootstrap-runs');
  await app.getByTestId('nav-activity').click();
  await app.getByTestId('audit-search').fill('bootstrap');
  await expect(app.getByTestId('audit-row').filter({ hasText: 'bootstrap.approve' })).toHaveCount(1);
  await expect(app.getByTestId('audit-row').filter({ hasText: 'bootstrap.start' })).toHaveCount(1);
});
