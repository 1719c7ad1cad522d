// E2E fixtures: a real browser-mode server (own data folder) per test file.
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp-db';

export const SCREENS = path.resolve(__dirname, '../../test-results/screens');

export const test = base.extend<{ app: Page }, { server: ServeProcess }>({
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServe(tempDir('labdeck-e2e-'));
      await use(s);
      await s.stop();
    },
    { scope: 'worker' },
  ],
  app: async ({ page, server }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await use(page);
    if (errors.length) throw new Error(`Errors in the page: ${errors.join('; ')}`);
  },
});

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
}

export { expect } from '@playwright/test';
