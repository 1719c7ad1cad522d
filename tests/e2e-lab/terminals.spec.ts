// Terminals in the browser against a lab host: type, see output; flood with `yes`, Ctrl-C, prompt
// back; split view; the tab marks an ended shell; Enter opens a new one with the scrollback kept.
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from '../e2e/fixtures';
import { addOnlineHost } from './add-host';

const addHost = (app: Page, name: string): Promise<void> => addOnlineHost(app, name, 'h1');

/** The visible text of a terminal (xterm's DOM renderer rows, or its accessibility tree). */
const screenText = (app: Page, pane = 0) =>
  app.getByTestId(`term-pane-${pane}`).locator('.xterm-accessibility-tree');

test('type a command and see its output; yes + Ctrl-C gives the prompt back', async ({ app }) => {
  // Screen reader support puts the terminal's text in the DOM, where the test can read it.
  await app.getByTestId('nav-settings').click();
  // check(), not click(): the server (shared by this worker's tests) may have it on already.
  await app.getByTestId('screen-reader').check();
  await expect(app.getByTestId('screen-reader')).toBeChecked();
  await addHost(app, 'term-h1');
  await app.getByTestId('open-terminal').click();
  const pane = app.getByTestId('term-pane-0');
  await expect(pane).toHaveAttribute('data-status', 'open');
  await expect(screenText(app)).toContainText('$', { timeout: 10_000 });
  await pane.click();
  await app.keyboard.type('echo hello-$((40+2))');
  await app.keyboard.press('Enter');
  await expect(screenText(app)).toContainText('hello-42');
  await screenshot(app, 'terminal-echo');

  await app.keyboard.type('yes labdeck-flood');
  await app.keyboard.press('Enter');
  await expect(screenText(app)).toContainText('labdeck-flood');
  await app.waitForTimeout(1500);
  // The rest of the UI stays responsive during the flood.
  const t0 = Date.now();
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('activity-page')).toBeVisible();
  expect(Date.now() - t0).toBeLessThan(3000);
  await app.getByTestId('tab-terminal').click();
  await pane.click();
  await app.keyboard.press('Control+C');

  await app.keyboard.type('echo after-$((1+1))');
  await app.keyboard.press('Enter');
  await expect(screenText(app)).toContainText('after-2', { timeout: 10_000 });
  await screenshot(app, 'terminal-after-yes');

  // Split: a second shell beside the first.
  await app.getByTestId('term-split').click();
  const second = app.getByTestId('term-pane-1');
  await expect(second).toHaveAttribute('data-status', 'open');
  await second.click();
  await app.keyboard.type('echo right-$((2*3))');
  await app.keyboard.press('Enter');
  await expect(screenText(app, 1)).toContainText('right-6');
  await screenshot(app, 'terminal-split');

  // Exit the shell: the tab says so, keeps its scrollback, and offers a new one.
  await app.keyboard.type('exit');
  await app.keyboard.press('Enter');
  await expect(second.getByTestId('term-ended')).toContainText('exited with code 0');
  await expect(screenText(app, 1)).toContainText('right-6');
  // The tab itself says so too (seen from another tab), and Enter in the terminal opens a new shell.
  await expect(app.getByTestId('tab-alert')).toHaveAttribute('data-alert', 'exited');
  await screenshot(app, 'terminal-exited');
  await app.keyboard.press('Enter');
  await expect(second).toHaveAttribute('data-status', 'open');
  await expect(app.getByTestId('tab-alert')).toHaveCount(0);
  await second.click();
  await app.keyboard.type('echo again-$((3*3))');
  await app.keyboard.press('Enter');
  await expect(screenText(app, 1)).toContainText('again-9');
  await expect(screenText(app, 1)).toContainText('right-6'); // scrollback survived
  await screenshot(app, 'terminal-reconnected');

  // Opening and closing are audited (never the keystrokes).
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('audit-table')).toContainText('terminals.open');
  await expect(app.getByTestId('audit-table')).toContainText('terminals.close');
  // (What was typed, precisely: other spec files on this server run commands that say hello- too.)
  await expect(app.getByTestId('audit-table')).not.toContainText('hello-$((40+2))');
});

test('binary garbage in a terminal keeps the console quiet (no xterm parse errors logged)', async ({
  app,
}) => {
  // Screen reader mode (so the text can be read back) is a saved setting: on, whatever it was.
  await app.getByTestId('nav-settings').click();
  await app.getByTestId('screen-reader').check();
  await expect(app.getByTestId('screen-reader')).toBeChecked();
  await addHost(app, 'garbage-h1');
  await app.getByTestId('open-terminal').click();
  const pane = app.getByTestId('term-pane-0');
  await expect(pane).toHaveAttribute('data-status', 'open');
  await expect(screenText(app)).toContainText('$', { timeout: 10_000 });
  const logged: string[] = [];
  app.on('console', (m) => logged.push(m.text()));
  await pane.click();
  // 3 MB of random bytes, then a full reset (RIS) so what follows reads as text again.
  await app.keyboard.type("head -c 3000000 /dev/urandom; printf '\\033c'; echo garbage-$((2+3))");
  await app.keyboard.press('Enter');
  await expect(screenText(app)).toContainText('garbage-5', { timeout: 30_000 });
  expect(logged.filter((l) => /Parsing error/i.test(l))).toEqual([]);
});
