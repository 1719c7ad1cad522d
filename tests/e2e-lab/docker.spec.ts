// Docker in the browser against the lab's Docker host: the host page's Docker tab lists the lab's
// container, a container's log streams live, a shell inside a container works; the fleet view and
// the prune preview render. Screenshots under test-results/screens.
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from '../e2e/fixtures';
import { NAMES } from '../lab/config';
import { readState } from '../lab/faults';
import { attempt, run } from '../lab/sh';
import { addOnlineHost } from './add-host';

const dockerHost = () => readState().hosts.find((h) => h.kind === 'docker')!;
const cli = (...args: string[]): string =>
  run('docker', ['-H', `unix://${dockerHost().dockerSocket!}`, ...args]).trim();
const TALKER = `ldt-e2e-talker-${process.pid}`;

const addDockerHost = (app: Page, name: string): Promise<void> => addOnlineHost(app, name, 'docker');

test.beforeAll(() => {
  attempt('docker', ['-H', `unix://${dockerHost().dockerSocket!}`, 'rm', '-f', TALKER]);
  cli(
    'run',
    '-d',
    '--init',
    '--network',
    'none',
    '--name',
    TALKER,
    NAMES.dockerImage,
    'sh',
    '-c',
    'i=0; while true; do echo "tick-$i"; echo "warn-$i" >&2; i=$((i+1)); sleep 0.2; done',
  );
  // Something for the prune preview to list (and then not prune: the test only looks).
  attempt('docker', ['-H', `unix://${dockerHost().dockerSocket!}`, 'rm', '-f', `${TALKER}-stopped`]);
  cli('create', '--init', '--network', 'none', '--name', `${TALKER}-stopped`, NAMES.dockerImage, 'true');
});
test.afterAll(() => {
  for (const c of [TALKER, `${TALKER}-stopped`])
    attempt('docker', ['-H', `unix://${dockerHost().dockerSocket!}`, 'rm', '-f', c]);
});

test('Docker tab lists the lab container, streams a log, and opens a shell inside a container', async ({
  app,
}) => {
  // Screen reader mode puts the terminal's text in the DOM, where the test can read it.
  await app.getByTestId('nav-settings').click();
  // check(), not click(): the server (shared by this worker's tests) may have it on already.
  await app.getByTestId('screen-reader').check();
  await expect(app.getByTestId('screen-reader')).toBeChecked();
  await addDockerHost(app, 'dock');

  await app.getByTestId('host-view-docker').click();
  const sleeper = app.locator(`[data-testid=docker-container-row][data-name="${NAMES.dockerContainer}"]`);
  await expect(sleeper).toBeVisible({ timeout: 20_000 });
  await expect(sleeper.getByTestId('docker-state')).toContainText('running');
  // Live CPU figures arrive from the stats stream.
  await expect(sleeper.getByTestId('docker-cpu')).toHaveText(/%/, { timeout: 15_000 });
  await screenshot(app, 'docker-tab');

  // Logs: live lines, stderr marked apart, search.
  await app.locator(`[data-testid=docker-container-row][data-name="${TALKER}"]`).click();
  const lines = app.getByTestId('docker-log-lines');
  await expect(lines).toContainText('tick-', { timeout: 15_000 });
  await expect(lines.locator('.ll.err').first()).toContainText('warn-');
  const count = async (): Promise<number> => lines.locator('.ll').count();
  const first = await count();
  await expect.poll(count, { timeout: 10_000 }).toBeGreaterThan(first);
  await app.getByTestId('docker-logs-search').fill('warn-1');
  await expect(lines.locator('.ll.out')).toHaveCount(0);
  await screenshot(app, 'docker-logs');
  await app.getByTestId('docker-logs-search').fill('');
  await app.getByTestId('docker-tab-inspect').click();
  await expect(app.getByTestId('docker-inspect')).toContainText(TALKER);
  await screenshot(app, 'docker-inspect');

  // A shell inside the lab container, in a terminal tab.
  await sleeper.getByTestId('docker-shell').click();
  const pane = app.getByTestId('term-pane-0');
  await expect(pane).toHaveAttribute('data-status', 'open', { timeout: 15_000 });
  const screen = pane.locator('.xterm-accessibility-tree');
  await expect(screen).toContainText('#', { timeout: 10_000 });
  await pane.click();
  await app.keyboard.type('echo inside-$((6*7)); hostname');
  await app.keyboard.press('Enter');
  await expect(screen).toContainText('inside-42');
  await screenshot(app, 'docker-shell');

  // Every host's containers in one table.
  await app.getByTestId('nav-docker').click();
  await expect(app.locator(`[data-testid=fleet-row][data-name="${NAMES.dockerContainer}"]`)).toBeVisible({
    timeout: 20_000,
  });
  await screenshot(app, 'docker-fleet');

  // Prune shows what would go before anything goes.
  await app.getByTestId('host-item-dock').click();
  await app.getByTestId('host-view-docker').click();
  await app.getByTestId('docker-prune').click();
  await expect(app.getByTestId('docker-prune-total')).toContainText(/would go/, {
    timeout: 15_000,
  });
  await expect(app.getByTestId('docker-prune-preview')).toContainText(`${TALKER}-stopped`);
  await screenshot(app, 'docker-prune-preview');
  await app.keyboard.press('Escape');

  // Opening and closing the shell are audited, as is nothing typed in it.
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('audit-table')).toContainText('docker.shellOpen');
  await expect(app.getByTestId('audit-table')).not.toContainText('inside-$((6*7))');
});
