// The audit history as questions: search, saved views with their counts, details with the hash
// chain, timelines of jobs, exports downloaded from the browser, and Verify history in Settings.
// The server is shared by this worker's files: every name here is unique to the run.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { openDatabase } from '../../src/main/db/database';
import { startServe } from '../support/serve-process';
import { MIGRATIONS, tempDir } from '../support/temp-db';
import { expectPillsWhole } from './audit-helpers';
import { expect, screenshot, test } from './fixtures';

const stamp = Date.now().toString(36);
/** One word the full-text index keeps whole (no separators), found nowhere else. */
const word = `zq${stamp}`;
const hostName = `audit-${word}`;

async function addHost(app: Page, name: string): Promise<void> {
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill(name);
  await app.getByTestId('host-address').fill('10.99.0.7');
  await app.getByTestId('host-save').click();
  await expect(app.getByTestId('host-page')).toContainText(name);
}

/** A rejected settings change and a few accepted ones, then a host: audited rows to ask about. */
async function makeHistory(app: Page): Promise<void> {
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('workstation-name').fill('   ');
  await app.getByTestId('save-name').click();
  await expect(app.locator('.field-error')).toHaveText('Must not be empty');
  await app.getByTestId('workstation-name').fill(`ws-${word}`);
  await app.getByTestId('save-name').click();
  await expect(app.getByTestId('saved')).toBeVisible();
  await app.getByTestId('theme-light').click();
  await app.getByTestId('theme-dark').click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await addHost(app, hostName);
}

const rows = (app: Page) => app.getByTestId('audit-row');
const question = (app: Page, name: string) => app.getByTestId('question').filter({ hasText: name });

test('search, saved views, details and timelines answer questions about the history', async ({ app }) => {
  await makeHistory(app);
  await app.getByTestId('nav-activity').click();
  await expect(rows(app).first()).toBeVisible();

  // A word of a target finds its row, once typing pauses; words match as prefixes.
  await app.getByTestId('audit-search').fill(hostName.slice(0, -2));
  await expect(rows(app)).toHaveCount(1);
  await expect(rows(app).first()).toContainText('hosts.add');
  await expect(rows(app).first()).toContainText(hostName);

  // Filters survive switching tabs.
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('audit-search')).toHaveValue(hostName.slice(0, -2));
  await expect(rows(app)).toHaveCount(1);

  // The rejected settings changes, saved as a view of one's own: listed with its count, and applied.
  await app.getByTestId('audit-search').fill('');
  await app.getByTestId('filter-action').selectOption('settings.update');
  await app.getByTestId('filter-result').selectOption('error');
  await expect(rows(app).first()).toContainText('VALIDATION');
  const rejected = await rows(app).count();
  await expect(app.getByTestId('filter-action').locator('optgroup[label="settings"]')).toHaveCount(1);
  const viewName = `Rejected settings ${stamp}`;
  await app.getByTestId('save-question').click();
  await app.getByTestId('question-name').fill(viewName);
  await app.getByTestId('question-save').click();
  await expect(question(app, viewName)).toHaveAttribute('data-count', String(rejected));
  await expect(question(app, viewName)).toHaveClass(/\bon\b/);
  await screenshot(app, 'activity-questions');

  await app.getByTestId('filter-result').selectOption('');
  await app.getByTestId('filter-action').selectOption('');
  await app.getByTestId('filter-time').selectOption('24h');
  await expect(rows(app).filter({ hasText: 'hosts.add' })).not.toHaveCount(0);
  await question(app, viewName).click();
  await expect(app.getByTestId('filter-result')).toHaveValue('error');
  await expect(app.getByTestId('filter-action')).toHaveValue('settings.update');
  await expect(app.getByTestId('filter-time')).toHaveValue('all');
  await expect(rows(app)).toHaveCount(rejected);

  // A custom range: from and to, both ends checked.
  await app.getByTestId('filter-time').selectOption('custom');
  await expect(app.getByTestId('filter-from')).not.toHaveValue('');
  await app.getByTestId('filter-to').fill('2001-01-01T00:00');
  await expect(app.locator('.audit-bar .err')).toContainText('“From” is after “To”');
  await app.getByTestId('filter-from').fill('2000-01-01T00:00');
  await expect(app.getByTestId('audit-count')).toHaveText('0 rows');
  await app.getByTestId('filter-to').fill('');
  await expect(rows(app)).toHaveCount(rejected);
  await question(app, viewName).click();
  await expect(app.getByTestId('filter-time')).toHaveValue('all');

  // A built-in name is not taken over.
  await app.getByTestId('save-question').click();
  await app.getByTestId('question-name').fill('Failures in the last 7 days');
  await app.getByTestId('question-save').click();
  await expect(app.getByTestId('question-error')).toContainText('built-in');
  await app.getByTestId('question-name').press('Escape');

  // Details: every field, the params as recorded, and the row's place in the hash chain.
  await app.getByTestId('filter-result').selectOption('ok');
  await app.getByTestId('audit-search').fill(`ws-${word}`);
  await expect(rows(app)).toHaveCount(1);
  await rows(app).first().focus();
  await app.keyboard.press('Enter');
  const details = app.getByTestId('audit-details');
  await expect(details).toBeVisible();
  await expect(app.getByTestId('details-params')).toContainText(`"workstationName": "ws-${word}"`);
  await expect(app.getByTestId('details-hash')).toHaveAttribute('data-full', /^[0-9a-f]{64}$/);
  await expect(app.getByTestId('details-prev-hash')).toHaveAttribute('data-full', /^[0-9a-f]{64}$/);
  await expect(app.getByTestId('details-hash')).toHaveText(/^[0-9a-f]{12}…[0-9a-f]{4}$/);
  await expect(details).toContainText('settings.update');
  await expect(app.getByTestId('details-error')).toHaveText('—');
  await screenshot(app, 'activity-details');
  await app.keyboard.press('Escape');
  await expect(details).toHaveCount(0);

  // Removing the saved view takes it off the strip.
  await question(app, viewName).getByTestId('question-remove').click();
  await expect(question(app, viewName)).toHaveCount(0);
});

test('export CSV downloads the rows on screen; a job reads as a timeline', async ({ app }) => {
  await addHost(app, `${hostName}-x`);
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('theme-light').click();
  await app.getByTestId('theme-dark').click();
  await app.getByTestId('nav-activity').click();
  // More than the one row the search leaves, so the count below proves the search is applied.
  await expect(rows(app).nth(2)).toBeVisible();
  await app.getByTestId('audit-search').fill(`${hostName}-x`);
  await expect(rows(app)).toHaveCount(1);
  // The export's own row names the words too (in its params): the action keeps it out.
  await app.getByTestId('filter-action').selectOption('hosts.add');

  await app.getByTestId('export-csv').click();
  const link = app.getByTestId('export-download');
  await expect(link).toBeVisible({ timeout: 15_000 });
  await expect(app.getByTestId('export-job')).toHaveAttribute('data-state', 'succeeded');
  await expect(app.getByTestId('export-path')).toContainText('.csv');
  const download = app.waitForEvent('download');
  await link.click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file, 'utf8');
  expect(csv.startsWith('id,ts,actor,action,target,params,result,errorCode,durationMs,')).toBe(true);
  const lines = csv.trim().split('\n');
  expect(lines).toHaveLength(2); // the header and the one row the search shows
  expect(lines[1]).toContain('hosts.add');
  expect(lines[1]).toContain(`${hostName}-x`);

  // The export itself is a job: its call and its end, together under one header.
  await app.getByTestId('audit-search').fill('');
  await app.getByTestId('filter-action').selectOption('');
  await app.getByTestId('group-toggle').check();
  const timeline = app.getByTestId('timeline').filter({ hasText: 'Export the history as CSV' }).first();
  await expect(timeline).toBeVisible();
  await expect(timeline).toHaveAttribute('data-outcome', 'succeeded');
  await expect(timeline).toContainText('2 rows');
  await screenshot(app, 'activity-timeline');
  await timeline.getByTestId('timeline-only').click();
  await expect(rows(app)).toHaveCount(2);
  await expect(app.getByTestId('filter-chip')).toContainText('job');
  await expect(rows(app).nth(0)).toContainText('audit.export');
  await expect(rows(app).nth(1)).toContainText('jobs.succeeded');
  // Its details list the job's other row, and go there on a click.
  await rows(app).nth(0).click();
  await expect(app.getByTestId('related-row')).toHaveCount(2);
  await app.getByTestId('related-row').filter({ hasText: 'jobs.succeeded' }).click();
  await expect(app.getByTestId('audit-details')).toContainText('jobs.succeeded');
  // Long error codes are not cut in the result column.
  await expectPillsWhole(app);

  // The same job's history, from its page in Jobs.
  await app.getByTestId('filter-clear').click();
  await expect(app.getByTestId('filter-chip')).toHaveCount(0);
  await expect(rows(app).nth(3)).toBeVisible();
  await app.getByTestId('export-job-open').click();
  await expect(app.getByTestId('job-detail')).toContainText('Export the history as CSV');
  await app.getByTestId('job-history').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();
  await expect(app.getByTestId('filter-chip')).toContainText('job');
  await expect(rows(app)).toHaveCount(2);
});

test("a host's History opens Activity filtered to it, with the per-host question", async ({ app }) => {
  const name = `${hostName}-h`;
  await addHost(app, name);
  await app.getByTestId('host-history').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();
  await expect(app.getByTestId('filter-host').locator('option:checked')).toHaveText(name);
  await expect(rows(app)).toHaveCount(1);
  await expect(rows(app).first()).toContainText(name);
  await expect(question(app, 'Changes to this host')).toHaveAttribute('data-count', '1');
});

test('Verify history says every row matches; retention is saved with its section', async ({ app }) => {
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('verify-history').click();
  const result = app.getByTestId('verify-result');
  await expect(result).toContainText(/All [\d,]+ rows match their hashes/, { timeout: 15_000 });
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(result).toHaveCSS('color', 'rgb(63, 191, 143)');

  await expect(app.getByTestId('archive-now')).toBeDisabled();
  await app.getByTestId('retention-days').fill('-1');
  await app.getByTestId('save-retention').click();
  await expect(app.getByTestId('history-settings').locator('.field-error')).toBeVisible();
  await app.getByTestId('retention-days').fill('30');
  await app.getByTestId('save-retention').click();
  await expect(app.getByTestId('history-settings').getByText('Saved.')).toBeVisible();
  await expect(app.getByTestId('archive-now')).toBeEnabled();
  // Nothing is 30 days old on a fresh server.
  await app.getByTestId('archive-now').click();
  await expect(app.getByTestId('archive-job')).toContainText('Nothing to archive.');
  await expect(app.getByTestId('no-archives')).toBeVisible();
  await app.getByTestId('history-settings').scrollIntoViewIfNeeded();
  await screenshot(app, 'settings-history');
  await app.reload();
  await app.getByTestId('nav-settings').click();
  await expect(app.getByTestId('retention-days')).toHaveValue('30');
  await app.getByTestId('retention-days').fill('0');
  await app.getByTestId('save-retention').click();
  await expect(app.getByTestId('archive-now')).toBeDisabled();
});

test('rows older than the retention move to an archive, listed and searchable', async ({ page }) => {
  // History from before this server: rows written 60 days ago (chained when the server starts).
  const dir = tempDir('labdeck-e2e-archive-');
  const db = openDatabase(path.join(dir, 'labdeck.db'), MIGRATIONS);
  const old = Date.now() - 60 * 86_400_000;
  const insert = db.sqlite.prepare(
    `INSERT INTO audit_events (ts, actor, action, target, params, result, error_code, duration_ms)
     VALUES (?, 'old@host', ?, ?, '{}', ?, ?, 3)`,
  );
  insert.run(old, 'hosts.add', `ancient-${word}`, 'ok', null);
  insert.run(old + 1000, 'hosts.connect', `ancient-${word}`, 'error', 'HOSTKEY_UNKNOWN');
  insert.run(old + 2000, 'hosts.remove', 'other-host', 'ok', null);
  db.close();
  const server = await startServe(dir);
  try {
    await page.goto(server.url);
    await page.getByTestId('nav-activity').click();
    await expect(rows(page)).toHaveCount(3);
    await expectPillsWhole(page);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('retention-days').fill('30');
    await page.getByTestId('save-retention').click();
    await page.getByTestId('archive-now').click();
    await expect(page.getByTestId('archive-job')).toHaveAttribute('data-state', 'succeeded', {
      timeout: 15_000,
    });
    const archive = page.getByTestId('archive-row');
    await expect(archive).toHaveCount(1);
    await expect(archive).toContainText('#1–#3');
    await expect(archive.locator('td').nth(1)).toHaveText('3');
    await archive.getByTestId('archive-search').fill(`ancient-${word}`);
    await archive.getByTestId('archive-search').press('Enter');
    await expect(page.getByTestId('archive-hit')).toHaveCount(2);
    await expect(page.getByTestId('archive-results')).toContainText('HOSTKEY_UNKNOWN');
    await page.getByTestId('history-settings').scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-archives');
    // The rows that stay still verify, from the archive's last hash.
    await page.getByTestId('verify-history').click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
    await page.getByTestId('nav-activity').click();
    await expect(rows(page).filter({ hasText: `ancient-${word}` })).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
