// Hosts in the browser against the lab: add one, confirm its fingerprint, see it go online, test
// it; import another from a pasted ssh config.
import { expect, screenshot, test } from '../e2e/fixtures';
import { readState } from '../lab/faults';

const lab = () => readState();
const labHost = (name: string) => lab().hosts.find((h) => h.name === name)!;

test('add a lab host, trust its fingerprint, see it online, run Test connection', async ({ app }) => {
  const h1 = labHost('h1');
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill('lab-h1');
  await app.getByTestId('host-address').fill(h1.address);
  await app.getByTestId('host-user').fill(h1.user.user);
  await app.getByTestId('host-kind').selectOption('other');
  await app.getByTestId('host-keypath').fill(h1.user.keyFile);
  await screenshot(app, 'host-add-dialog');
  await app.getByTestId('host-save').click();

  await expect(app.getByTestId('host-page')).toBeVisible();
  await app.getByTestId('connect').click();
  await expect(app.getByTestId('hostkey-unknown')).toBeVisible();
  await expect(app.getByTestId('presented-fingerprint')).toHaveText(h1.fingerprint);
  await expect(app.getByTestId('host-state-lab-h1')).toHaveText('verify host key');
  await screenshot(app, 'host-verify-fingerprint');

  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('online');
  await expect(app.getByTestId('host-state-lab-h1')).toHaveText('online');
  await expect(app.getByTestId('trusted-fingerprint')).toHaveText(h1.fingerprint);

  await app.getByTestId('test-connection').click();
  const report = app.getByTestId('test-report');
  await expect(report).toContainText('Debian GNU/Linux 12');
  await expect(report).toContainText('no nvidia-smi');
  await expect(app.getByTestId('test-rtt')).toContainText('ms');
  await screenshot(app, 'host-online-tested');

  // The audit history has the add and the trust.
  await app.getByTestId('nav-activity').click();
  await expect(app.getByTestId('audit-table')).toContainText('hosts.trustKey');
  await expect(app.getByTestId('audit-table')).toContainText('hosts.add');
});

test('a wrong password shows what failed and what to do', async ({ app }) => {
  const h2 = labHost('h2');
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill('lab-h2-pw');
  await app.getByTestId('host-address').fill(h2.address);
  await app.getByTestId('host-user').fill(h2.user.user);
  await app.getByTestId('auth-password').click();
  await app.getByTestId('host-secret').fill('definitely-wrong');
  await app.getByTestId('host-save').click();
  await app.getByTestId('connect').click();
  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('login failed');
  // What failed, on which host, and what to do next — said once.
  await expect(app.getByTestId('host-state-message')).toContainText('lab-h2-pw (ldlab-user@');
  await expect(app.getByTestId('host-state-message')).toContainText('refused the login');
  await expect(app.getByTestId('host-state-message')).toContainText(
    'Check the user name, key, agent or password',
  );
  await expect(app.getByTestId('secret-prompt')).toBeVisible();
  await screenshot(app, 'host-auth-failed');
  // The prompt takes the right password and the host comes online.
  await app.getByTestId('secret-input').fill(h2.extra.find((l) => l.password)!.password!);
  await app.getByTestId('secret-prompt').getByRole('button', { name: 'Connect' }).click();
  await expect(app.getByTestId('host-state-label')).toHaveText('online');
  await expect(app.getByTestId('secret-prompt')).toHaveCount(0);
});

test('import hosts from a pasted ~/.ssh/config with a preview', async ({ app }) => {
  const h2 = labHost('h2');
  const h3 = labHost('h3');
  await app.getByTestId('import-hosts').click();
  await app.getByTestId('import-text').fill(
    [
      `Host lab-h2`,
      `  HostName ${h2.address}`,
      `  User ${h2.user.user}`,
      `  IdentityFile ${h2.user.keyFile}`,
      `Host lab-h3`,
      `  HostName ${h3.address}`,
      `  ProxyJump lab-h2`,
      `  User ${h3.user.user}`,
      // Several names on one line: one host each.
      `Host lab-web1 lab-web2`,
      `  HostName ${h2.address}`,
      `  User ${h2.user.user}`,
      `Match host lab-*`,
      `  User root`,
      `Host *`,
      `  ServerAliveInterval 30`,
      `Host old`,
      `  ProxyCommand nc %h %p`,
    ].join('\n'),
  );
  await app.getByTestId('import-preview').click();
  await expect(app.getByTestId('import-add-row')).toHaveCount(4);
  await expect(app.getByTestId('import-add-row').filter({ hasText: 'lab-web1' })).toHaveCount(1);
  await expect(app.getByTestId('import-add-row').filter({ hasText: 'lab-web2' })).toHaveCount(1);
  await expect(app.getByTestId('import-notes')).toContainText('1 Match block was ignored');
  await expect(app.getByTestId('import-skips')).toContainText('ProxyCommand');
  await expect(app.getByTestId('import-skips')).toContainText('pattern');
  await screenshot(app, 'host-import-preview');
  await app.getByTestId('import-run').click();
  await expect(app.getByTestId('host-item-lab-h2')).toBeVisible();
  await expect(app.getByTestId('host-item-lab-h3')).toBeVisible();
  await screenshot(app, 'host-sidebar-imported');
});
