// Experiments in the browser against a real lab container (ct7), bootstrapped through the API with
// the python, postgresql and experiments roles (the bootstrap UI has its own spec): create one from
// the Experiments page and follow its steps to ready; a terminal as its Linux user with its
// database in the environment; a secret whose value is never shown; a port forward to a server it
// runs, fetched from here; archive it with its home and see the archive listed; restore the archive
// under another name. Screenshots under test-results/screens.
import type { Page } from '@playwright/test';
import type { JobInfo } from '../../src/shared/api/domain';
import { expect, screenshot, test } from '../e2e/fixtures';
import { connect, type WsClient } from '../support/ws-client';
import { addOnlineHost } from './add-host';

const HOST = 'exp-box';

async function call<T>(c: WsClient, name: string, input: unknown = {}): Promise<T> {
  const env = await c.call(name, input);
  if (!env.ok) throw new Error(`${name}: ${JSON.stringify(env.error)}`);
  return env.result as T;
}

/** The visible terminal tab's text (xterm's accessibility tree: screen reader support is on). */
const screenText = (app: Page) =>
  app.getByTestId('terminal-tab').filter({ visible: true }).locator('.xterm-accessibility-tree');
/** The terminal's rows, trimmed: a command's output line, not the echo of what was typed. */
const rows = async (app: Page): Promise<string[]> =>
  (await screenText(app).locator(':scope > div').allTextContents()).map((r) => r.trim());

async function typeInTerminal(app: Page, line: string): Promise<void> {
  await app.getByTestId('terminal-tab').filter({ visible: true }).getByTestId('term-pane-0').click();
  await app.keyboard.type(line);
  await app.keyboard.press('Enter');
}

const step = (app: Page, name: string) => app.locator(`[data-testid="experiment-step"][data-step="${name}"]`);

test('an experiment on a container: create, terminal, secret, port forward, archive, restore', async ({
  app,
  server,
}) => {
  test.setTimeout(600_000);
  // Screen reader support puts the terminal's text in the DOM, where the test can read it.
  await app.getByTestId('nav-settings').click();
  // (Retried: a click before the settings have loaded does not stick.)
  await expect(() => app.getByTestId('screen-reader').check({ timeout: 2000 })).toPass({ timeout: 15_000 });
  await expect(app.getByTestId('screen-reader')).toBeChecked();

  await addOnlineHost(app, HOST, 'ct7', { login: 'admin', kind: 'lxc' });
  // Bootstrapped through the API (bootstrap.spec.ts covers doing it in the UI).
  const api = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
  try {
    const hosts = await call<{ id: number; name: string }[]>(api, 'hosts.list');
    const hostId = hosts.find((h) => h.name === HOST)!.id;
    const run = await call<{ jobId: string }>(api, 'bootstrap.start', {
      hostIds: [hostId],
      roles: ['python', 'postgresql', 'experiments'],
      mode: 'apply',
    });
    const deadline = Date.now() + 300_000;
    let job: JobInfo;
    for (;;) {
      job = await call<JobInfo>(api, 'jobs.get', { id: run.jobId });
      if (!['queued', 'running'].includes(job.state)) break;
      if (Date.now() > deadline) throw new Error(`bootstrap still ${job.state} after 300 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(job.state, job.message ?? '').toBe('succeeded');
  } finally {
    api.close();
  }

  // New experiment from the Experiments page.
  await app.getByTestId('nav-experiments').click();
  await expect(app.getByTestId('experiments-page')).toBeVisible();
  await app.getByTestId('experiment-new').click();
  const dialog = app.getByTestId('experiment-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('experiment-host').selectOption({ label: HOST });
  await dialog.getByTestId('experiment-name').fill('e2e-demo');
  await expect(dialog.getByTestId('experiment-derived')).toContainText('exp-e2e-demo');
  await expect(dialog.getByTestId('experiment-derived')).toContainText('experiment_e2e_demo');
  await dialog.getByLabel('Description').fill('Made by the browser test');
  await expect(dialog.getByTestId('experiment-template')).toHaveValue('base');
  await dialog.getByTestId('experiment-create').click();
  await expect(dialog).toHaveCount(0);

  // Its page follows the job's steps to ready.
  const page = app.getByTestId('experiment-page');
  await expect(page).toBeVisible();
  await expect(page.locator('h1')).toContainText('e2e-demo');
  await expect(page).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(app.getByTestId('experiment-step')).toHaveCount(5);
  for (const s of ['user', 'database', 'repo', 'environment', 'limits'])
    await expect(step(app, s)).toHaveAttribute('data-state', 'succeeded');
  await expect(page.getByTestId('experiment-status')).toHaveAttribute('data-status', 'ready');
  await expect(app.getByTestId('experiment-facts')).toContainText('exp-e2e-demo');
  await expect(app.getByTestId('experiment-facts')).toContainText('/srv/experiments/e2e-demo');
  await screenshot(app, 'experiment-created');

  // A terminal as its user: the database is in its environment.
  await app.getByTestId('experiment-terminal').click();
  const pane = app.getByTestId('terminal-tab').filter({ visible: true }).getByTestId('term-pane-0');
  await expect(pane).toHaveAttribute('data-status', 'open', { timeout: 15_000 });
  await expect(screenText(app)).toContainText('$', { timeout: 15_000 });
  await typeInTerminal(app, 'whoami; echo $PGDATABASE; echo kept-$((6*7)) > ~/notes.txt');
  await expect.poll(() => rows(app), { timeout: 10_000 }).toContain('exp-e2e-demo');
  await expect.poll(() => rows(app)).toContain('experiment_e2e_demo');
  await screenshot(app, 'experiment-terminal');
  // A server it runs, for the port forward below.
  await typeInTerminal(app, 'cd ~ && python3 -m http.server 8765 --bind 127.0.0.1 &');
  await expect(screenText(app)).toContainText('Serving HTTP on 127.0.0.1 port 8765', { timeout: 15_000 });

  // Back on its page: a secret with quotes and a command substitution in it.
  await app.getByTestId('tab-experiments').click();
  await expect(page).toBeVisible();
  const secrets = app.getByTestId('experiment-secrets');
  const value = `it's "quoted" $(id) \`uname\``;
  await secrets.getByTestId('experiment-secret-name').fill('API_TOKEN');
  await secrets.getByTestId('experiment-secret-value').fill(value);
  await secrets.getByTestId('experiment-secret-save').click();
  await expect(secrets.locator('[data-testid="experiment-secret"][data-name="API_TOKEN"]')).toContainText(
    'API_TOKEN',
  );
  await expect(secrets.getByTestId('experiment-secret-value')).toHaveValue('');
  await expect(secrets.getByTestId('experiment-secret-name')).toHaveValue('');
  // The value is shown nowhere on the page (nor in any field).
  await expect(app.locator('body')).not.toContainText('quoted');
  await expect(app.locator('body')).not.toContainText('$(id)');

  // A port forward to the server: its URL serves the home's README.
  const forwards = app.getByTestId('forwards-panel');
  await expect(forwards.getByTestId('forwards-empty')).toBeVisible();
  await forwards.getByTestId('forward-remote-port').fill('8765');
  await forwards.getByTestId('forward-label').fill('files');
  await forwards.getByTestId('forward-open').click();
  const row = forwards.locator('[data-testid="forward-row"][data-remote-port="8765"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText(`→ ${HOST}:8765`);
  const url = (await row.getByTestId('forward-browse').getAttribute('title'))!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  await expect(row).toContainText(url.replace(/^http:\/\/|\/$/g, ''));
  let readme = '';
  for (let i = 0; i < 20 && !readme.includes('Labdeck experiment e2e-demo'); i++) {
    readme = await fetch(`${url}README`)
      .then((r) => r.text())
      .catch(() => '');
    if (!readme.includes('Labdeck experiment e2e-demo')) await new Promise((r) => setTimeout(r, 250));
  }
  expect(readme).toContain('Labdeck experiment e2e-demo');
  expect(readme).toContain('Made by the browser test');
  await expect(row.locator('td').nth(2)).toContainText('/ 1', { timeout: 10_000 });
  await row.scrollIntoViewIfNeeded();
  await screenshot(app, 'experiment-forward');
  await row.getByTestId('forward-stop').click();
  await expect(forwards.getByTestId('forwards-empty')).toBeVisible();
  expect(
    await fetch(`${url}README`).then(
      () => 'answered',
      () => 'refused',
    ),
  ).toBe('refused');

  // Archive it, with its home.
  await app.getByTestId('experiment-archive').click();
  const archive = app.getByTestId('archive-dialog');
  await archive.getByTestId('archive-include-home').check();
  await expect(archive.getByTestId('archive-start')).toBeDisabled();
  await archive.getByTestId('archive-confirm').fill('e2e-demo');
  await archive.getByTestId('archive-start').click();
  await expect(archive).toHaveCount(0);
  await expect(page).toHaveAttribute('data-status', 'archived', { timeout: 180_000 });
  await expect(app.getByTestId('experiment-step')).toHaveCount(4);
  for (const s of ['dump', 'download', 'verify', 'remove'])
    await expect(step(app, s)).toHaveAttribute('data-state', 'succeeded');
  await expect(app.getByTestId('experiment-facts')).toContainText('Archive');
  await screenshot(app, 'experiment-archived-page');
  // The Experiments page lists it as archived, and its archive below.
  await app.getByTestId('nav-experiments').click();
  await app.getByTestId('experiments-show-archived').check();
  await expect(
    app.locator('[data-testid="experiment-row"][data-name="e2e-demo"]').getByTestId('experiment-status'),
  ).toHaveAttribute('data-status', 'archived');
  const archived = app
    .getByTestId('experiment-archives')
    .getByTestId('archive-row')
    .filter({ hasText: 'e2e-demo' });
  await expect(archived).toHaveCount(1);
  await expect(archived).toContainText(HOST);
  await expect(archived).toContainText('home.tar.gz');
  await expect(archived).toContainText('database.dump');
  await screenshot(app, 'experiment-archived');

  // Restore it onto the same host under another name.
  await archived.getByTestId('archive-restore').click();
  const restore = app.getByTestId('restore-dialog');
  await expect(restore.getByTestId('restore-host').locator('option:checked')).toHaveText(
    `${HOST} (where it came from)`,
  );
  await restore.getByTestId('restore-name').fill('e2e-back');
  await expect(restore).toContainText('exp-e2e-back');
  await restore.getByTestId('restore-start').click();
  await expect(restore).toHaveCount(0);
  await expect(page.locator('h1')).toContainText('e2e-back');
  await expect(page).toHaveAttribute('data-status', 'ready', { timeout: 180_000 });
  for (const s of ['upload', 'user', 'database', 'data', 'repo', 'environment', 'limits', 'cleanup'])
    await expect(step(app, s)).toHaveAttribute('data-state', 'succeeded');
  await expect(app.getByTestId('experiment-facts')).toContainText('exp-e2e-back');
  await expect(app.getByTestId('experiment-secrets').locator('[data-name="API_TOKEN"]')).toBeVisible();
  await screenshot(app, 'experiment-restored');

  // Its shell is the new user's, with the new database, the code and the secret back.
  await app.getByTestId('experiment-terminal').click();
  await expect(
    app.getByTestId('terminal-tab').filter({ visible: true }).getByTestId('term-pane-0'),
  ).toHaveAttribute('data-status', 'open', { timeout: 15_000 });
  await expect(screenText(app)).toContainText('$', { timeout: 15_000 });
  await typeInTerminal(
    app,
    'whoami; echo $PGDATABASE; head -n 1 ~/code/README.md; printf "%s\\n" "$API_TOKEN"',
  );
  await typeInTerminal(
    app,
    'whoami; echo $PGDATABASE; printf "%s\\n" "$API_TOKEN"; git --no-pager -C ~/repo.git log -1 --format=%s main',
  );
  await expect.poll(() => rows(app), { timeout: 10_000 }).toContain('exp-e2e-back');
  await expect.poll(() => rows(app)).toContain('experiment_e2e_back');
  await expect.poll(() => rows(app)).toContain(value); // the secret, exactly
  await expect.poll(() => rows(app)).toContain('Start experiment e2e-demo'); // the repository's history
  // The work tree and the home's own files are back too, in the new name's home.
  await typeInTerminal(
    app,
    'echo "code:$(head -n 1 ~/code/README.md 2>/dev/null || echo none)"; echo "notes:$(cat ~/notes.txt 2>/dev/null || echo none)"',
  );
  await expect(screenText(app)).toContainText('code:# e2e-demo');
  await expect(screenText(app)).toContainText('notes:kept-42');
});
