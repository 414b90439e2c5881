import { defineConfig } from 'vitest/config';

/**
 * Real-browser tests (`npm run test:browser`): Debian's chromium driven by playwright-core through the built
 * CLI. One file at a time: each test starts a CLI, a mock provider and a browser on a shared machine.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
