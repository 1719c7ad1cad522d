import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
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
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['tests/support/ensure-built.ts'],
        },
      },
    ],
  },
});
