// Jobs in the browser against lab hosts: run a command and follow its live log to the end; a
// failing command says its exit code; cancel a long one while a second waits its turn on the same
// host; a job that ends while another tab shows is announced; the history records it all.
// Each test adds its own Labdeck host (the same lab machine under another name): command jobs run
// one at a time per host, so a test that stopped half-way never holds up the next one.
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from '../e2e/fixtures';
import { addOnlineHost } from './add-host';

const addHost = (app: Page, name: string, lab = 'h1'): Promise<void> => addOnlineHost(app, name, lab);

/** From a host's page: Run command…, type it, Run; the Jobs tab opens on the new job. */
async function runFromHost(app: Page, host: string, command: string): Promise<void> {
  await app.getByTestId(`host-item-${host}`).click();
  await app.getByTestId('run-command').click();
  await app.getByTestId('command-input').fill(command);
  await app.getByTestId('command-run').click();
  await expect(app.getByTestId('run-command-dialog')).toHaveCount(0);
  await expect(app.getByTestId('jobs-page')).toBeVisible();
  await expect(app.locator('[data-tab-id="jobs"]')).toHaveAttribute('aria-selected', 'true');
  // Titles are cut at 60 characters.
  await expect(app.getByTestId('job-detail')).toContainText(`Run: ${command.slice(0, 50)}`);
}

const state = (app: Page) => app.getByTestId('job-state');
const log = (app: Page) => app.getByTestId('job-log');
/** The list row of the job titled for this command. */
const row = (app: Page, command: string) => app.getByTestId('job-row').filter({ hasText: `Run: ${command}` });

test('run a command: the Jobs tab follows its live log to success', async ({ app }) => {
  await addHost(app, 'jobs-h1');
  const command = 'echo hello-$((6*7)); echo oops >&2; sleep 1; echo done';
  await runFromHost(app, 'jobs-h1', command);

  await expect(log(app)).toContainText('hello-42', { timeout: 15_000 });
  // stderr is its own, tinted line.
  const oops = log(app).locator('[data-stream="err"]', { hasText: 'oops' });
  await expect(oops).toBeVisible();
  await expect(oops).toHaveCSS('color', 'rgb(255, 155, 155)');
  await expect(log(app).locator('[data-stream="out"]', { hasText: 'hello-42' })).toBeVisible();

  await expect(state(app)).toHaveText('succeeded', { timeout: 20_000 });
  await expect(log(app)).toContainText('done');
  const step = app.getByTestId('job-step');
  await expect(step).toHaveCount(1);
  await expect(step).toHaveAttribute('data-state', 'succeeded');
  await expect(step).toContainText('jobs-h1');
  await expect(step).toContainText('exit 0');
  await expect(app.getByTestId('job-progress')).toHaveAttribute('aria-valuenow', '100');
  await expect(row(app, command)).toHaveAttribute('data-state', 'succeeded');
  await expect(app.getByTestId('job-cancel')).toHaveCount(0);
  await expect(app.getByTestId('jobs-running-count')).toHaveCount(0);
  await screenshot(app, 'jobs-succeeded');
});

test('a failing command fails the job, and says the exit code', async ({ app }) => {
  await addHost(app, 'jobs-fail');
  await runFromHost(app, 'jobs-fail', 'echo about-to-fail; exit 3');
  await expect(state(app)).toHaveText('failed', { timeout: 20_000 });
  await expect(app.getByTestId('job-message')).toContainText('exited with 3');
  await expect(app.getByTestId('job-step')).toHaveAttribute('data-state', 'failed');
  await expect(app.getByTestId('job-step')).toContainText('exited with 3');
  await expect(log(app)).toContainText('about-to-fail');
  await expect(row(app, 'echo about-to-fail; exit 3')).toHaveAttribute('data-state', 'failed');
});

test('cancel a running job; a second one on the host waits for it, then runs', async ({ app }) => {
  await addHost(app, 'jobs-cancel');
  await runFromHost(app, 'jobs-cancel', 'sleep 300');
  await expect(state(app)).toHaveText('running', { timeout: 15_000 });
  await expect(app.getByTestId('job-step')).toHaveAttribute('data-state', 'running');
  await expect(app.getByTestId('jobs-running-count')).toHaveText('1');

  // A second command on the same host queues and says what for.
  await runFromHost(app, 'jobs-cancel', 'echo second-$((2+2))');
  await expect(state(app)).toHaveText('queued');
  await expect(app.getByTestId('job-message')).toContainText('Waiting for “Run: sleep 300” to finish');
  await expect(app.getByTestId('jobs-running-count')).toHaveText('2');
  await screenshot(app, 'jobs-queued');

  await row(app, 'sleep 300').click();
  await expect(state(app)).toHaveText('running');
  let asked = '';
  app.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await app.getByTestId('job-cancel').click();
  await expect(state(app)).toHaveText('cancelled', { timeout: 8_000 });
  expect(asked).toBe('Cancel this job? Commands still running on the hosts are stopped.');
  await expect(app.getByTestId('job-step')).toHaveAttribute('data-state', 'cancelled');
  await expect(app.getByTestId('job-cancel')).toHaveCount(0);

  // The waiting one runs now.
  const second = row(app, 'echo second-$((2+2))');
  await expect(second).toHaveAttribute('data-state', 'succeeded', { timeout: 15_000 });
  await second.click();
  await expect(state(app)).toHaveText('succeeded');
  await expect(log(app)).toContainText('second-4');
  await expect(app.getByTestId('jobs-running-count')).toHaveCount(0);
});

test('a job that ends while another tab shows is announced; the toast opens it', async ({ app }) => {
  // A stand-in for the desktop notification API, as if the person had allowed it earlier.
  await app.evaluate(() => {
    const shown: string[] = [];
    (globalThis as unknown as { shownNotes: string[] }).shownNotes = shown;
    class FakeNotification {
      static permission = 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, opts?: { body?: string }) {
        shown.push(`${title} | ${opts?.body ?? ''}`);
      }
      close(): void {}
    }
    Object.defineProperty(globalThis, 'Notification', { value: FakeNotification, configurable: true });
  });
  await addHost(app, 'jobs-toast');
  await runFromHost(app, 'jobs-toast', 'sleep 2; echo toast-ok');
  await runFromHost(app, 'jobs-toast', 'sleep 1; exit 3');
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();

  const toasts = app.getByTestId('toast');
  const ok = toasts.filter({ hasText: 'Run: sleep 2; echo toast-ok on jobs-toast — succeeded' });
  const failed = toasts.filter({
    hasText: 'Run: sleep 1; exit 3 on jobs-toast — failed: jobs-toast: exited with 3',
  });
  await expect(ok).toBeVisible({ timeout: 20_000 });
  await expect(ok).toHaveAttribute('data-state', 'succeeded');
  await expect(failed).toBeVisible({ timeout: 20_000 });
  await expect(ok).toContainText('✓');
  await expect(failed).toContainText('✗');
  await screenshot(app, 'jobs-toast');
  const notes = await app.evaluate(() => (globalThis as unknown as { shownNotes: string[] }).shownNotes);
  expect(notes).toContain(
    'Labdeck: job failed | ✗ Run: sleep 1; exit 3 on jobs-toast — failed: jobs-toast: exited with 3',
  );

  // A click opens the job it is about.
  await ok.locator('.toast-body').click();
  await expect(app.getByTestId('jobs-page')).toBeVisible();
  await expect(app.getByTestId('job-detail')).toContainText('Run: sleep 2; echo toast-ok');
  await expect(state(app)).toHaveText('succeeded');
  await expect(log(app)).toContainText('toast-ok');
  await expect(ok).toHaveCount(0);
  // The other goes away by itself.
  await expect(failed).toHaveCount(0, { timeout: 12_000 });
});

test('run on several hosts from the Jobs page: one step per host, lines marked by host', async ({ app }) => {
  await addHost(app, 'jobs-m1', 'h1');
  await addHost(app, 'jobs-m2', 'h2');
  await app.getByTestId('nav-jobs').click();
  await app.getByTestId('jobs-run-command').click();
  const dialog = app.getByTestId('run-command-dialog');
  await expect(dialog.getByTestId('command-run')).toBeDisabled();
  await dialog.getByTestId('command-input').fill('echo from-$(id -un)-$((1+1))');
  // No host picked yet: nothing to run on.
  await expect(dialog.getByTestId('command-run')).toBeDisabled();
  await dialog.getByTestId('command-host-jobs-m1').check();
  await dialog.getByTestId('command-host-jobs-m2').check();
  await expect(dialog.getByTestId('command-run')).toBeEnabled();
  await screenshot(app, 'jobs-run-dialog');
  await dialog.getByTestId('command-run').click();

  await expect(state(app)).toHaveText('succeeded', { timeout: 20_000 });
  await expect(app.getByTestId('job-detail')).toContainText('jobs-m1, jobs-m2');
  const steps = app.getByTestId('job-step');
  await expect(steps).toHaveCount(2);
  for (const s of await steps.all()) await expect(s).toHaveAttribute('data-state', 'succeeded');
  await expect(log(app)).toContainText(/\[jobs-m1\] from-\S+-2/);
  await expect(log(app)).toContainText(/\[jobs-m2\] from-\S+-2/);
});

test('the Activity page records starting and cancelling jobs, and how each ended', async ({ app }) => {
  await addHost(app, 'jobs-audit');
  await runFromHost(app, 'jobs-audit', 'sleep 300');
  await expect(state(app)).toHaveText('running', { timeout: 15_000 });
  app.once('dialog', (d) => void d.accept());
  await app.getByTestId('job-cancel').click();
  await expect(state(app)).toHaveText('cancelled', { timeout: 8_000 });
  await runFromHost(app, 'jobs-audit', 'echo audited');
  await expect(state(app)).toHaveText('succeeded', { timeout: 15_000 });

  await app.getByTestId('nav-activity').click();
  // The action column says exactly this (jobs.cancel is not jobs.cancelled).
  const rowsFor = (action: string) =>
    app
      .getByTestId('audit-row')
      .filter({ has: app.locator('td:nth-child(2)').getByText(action, { exact: true }) })
      .filter({ hasText: 'jobs-audit' });
  await expect(rowsFor('jobs.runCommand')).toHaveCount(2, { timeout: 10_000 });
  await expect(rowsFor('jobs.cancel')).toHaveCount(1);
  // Recorded by Labdeck itself when each job ended.
  await expect(rowsFor('jobs.cancelled').filter({ hasText: 'Run: sleep 300' })).toHaveCount(1, {
    timeout: 10_000,
  });
  await expect(rowsFor('jobs.succeeded').filter({ hasText: 'Run: echo audited' })).toHaveCount(1);
});

test('a flood of output: the page keeps the last lines only, and says when the log was cut', async ({
  app,
}) => {
  await addHost(app, 'jobs-flood');
  // After a pause (so the page follows the log live from its first line: see the next test for
  // why), 7,000 short lines, then ~6 MB of 4,000-character lines: past the job's 4 MiB log cap in
  // about 8,000 lines all told.
  const command = "sleep 1; seq 1 7000; head -c 6000000 /dev/zero | tr '\\0' x | fold -w 4000";
  await runFromHost(app, 'jobs-flood', command);
  await expect(state(app)).toHaveText('succeeded', { timeout: 30_000 });
  await expect(app.getByTestId('job-log-cut')).toBeVisible();
  await expect(log(app)).toContainText('log cut here', { timeout: 15_000 });
  await expect(app.getByTestId('job-log-dropped')).toContainText('earlier lines not shown');
  expect(await log(app).locator('.ll').count()).toBeLessThanOrEqual(5002);
  // Following the end: the newest line is in view.
  await expect(log(app).locator('.ll', { hasText: 'log cut here' })).toBeInViewport();
  // Scrolled up, the view stays put and offers to follow again.
  await log(app).hover();
  await app.mouse.wheel(0, -5000);
  await expect(app.getByTestId('job-log-follow')).toBeVisible();
  await app.getByTestId('job-log-follow').click();
  await expect(log(app).locator('.ll', { hasText: 'log cut here' })).toBeInViewport();
  await screenshot(app, 'jobs-flood');
  // The rest of the app stays responsive.
  const t0 = Date.now();
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();
  expect(Date.now() - t0).toBeLessThan(3000);
});

// The log comes from the store when it is opened late: every line, paged, even when the client
// falls behind in the middle of catching up.
test('a log opened after the job ended shows its last line, however long the log', async ({ app }) => {
  await addHost(app, 'jobs-long');
  await runFromHost(app, 'jobs-long', 'seq 1 12000');
  await expect(state(app)).toHaveText('succeeded', { timeout: 30_000 });
  // A fresh page: the log now comes from the store alone.
  await app.reload();
  await app.getByTestId('nav-jobs').click();
  await row(app, 'seq 1 12000').click();
  await expect(state(app)).toHaveText('succeeded');
  await expect(log(app).locator('.ll', { hasText: /^12000$/ })).toBeVisible({ timeout: 5_000 });
});
