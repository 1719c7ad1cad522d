import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'tests/lab/**/*.unit.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
        // Unit tests never load Electron.
        resolve: {
          alias: { electron: new URL('./tests/support/electron-stub.ts', import.meta.url).pathname },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: ['tests/integration/**/*.lab.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['tests/support/ensure-built.ts'],
        },
      },
      {
        // Needs root: brings up the lab (tests/lab) once for the run and always tears it down.
        test: {
          name: 'lab',
          include: ['tests/lab/**/*.test.ts', 'tests/integration/**/*.lab.test.ts'],
          exclude: ['tests/lab/**/*.unit.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          // The built app too: some lab tests run the real browser-mode server process.
          globalSetup: ['tests/support/ensure-built.ts', 'tests/lab/global-setup.ts'],
        },
      },
    ],
  },
});
