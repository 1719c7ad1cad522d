// The desktop app itself, through Playwright's Electron driver. Needs an Electron binary, which
// cannot be downloaded everywhere (CI here has none): then the test is skipped, saying why.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { tempDir } from '../support/temp-db';

const root = path.resolve(__dirname, '../..');

function electronBinary(): { path: string | null; why: string } {
  try {
    const p = createRequire(path.join(root, 'package.json'))('electron') as unknown;
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p, why: '' };
    return { path: null, why: 'the electron package is installed but its binary was never downloaded' };
  } catch (err) {
    return {
      path: null,
      why: `the electron package cannot be loaded (${(err as Error).message.split('\n')[0]})`,
    };
  }
}

const bin = electronBinary();

test('desktop window shows Labdeck with the This computer card', async () => {
  test.skip(
    !bin.path,
    `No Electron binary on this machine: ${bin.why}. Run where \`npx electron --version\` works.`,
  );
  const app = await electron.launch({
    executablePath: bin.path!,
    args: [root, '--no-sandbox'],
    env: { ...process.env, LABDECK_DATA_DIR: tempDir('labdeck-electron-') },
  });
  try {
    const win = await app.firstWindow();
    await expect(win).toHaveTitle('Labdeck');
    await expect(win.getByTestId('local-card')).toBeVisible();
    await expect(win.getByTestId('metric-cpu-value')).toHaveText(/%$/);
    // No Node in the page: contextIsolation on, nodeIntegration off.
    const isolated = await win.evaluate(() => typeof (globalThis as { require?: unknown }).require);
    expect(isolated).toBe('undefined');
  } finally {
    await app.close();
  }
});
