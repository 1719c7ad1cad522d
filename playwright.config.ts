import { defineConfig } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './tests/support/chromium';

export default defineConfig({
  testDir: 'tests',
  outputDir: 'test-results/e2e-artifacts',
  globalSetup: './tests/support/ensure-built.ts',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  projects: [
    { name: 'app', testDir: 'tests/e2e', testMatch: /.*\.spec\.ts/ },
    // Browser tests against real hosts need the lab (and so root): brought up and down around them.
    { name: 'lab-up', testDir: 'tests/e2e-lab', testMatch: /lab\.setup\.ts/, teardown: 'lab-down' },
    { name: 'lab-down', testDir: 'tests/e2e-lab', testMatch: /lab\.teardown\.ts/ },
    { name: 'hosts', testDir: 'tests/e2e-lab', testMatch: /.*\.spec\.ts/, dependencies: ['lab-up'] },
  ],
  use: {
    viewport: { width: 1360, height: 820 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: CHROMIUM_LAUNCH,
  },
});
