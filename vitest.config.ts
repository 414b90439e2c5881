import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // The slow suite (npm run test:slow) holds what needs a registry, a benchmark or many child processes.
    exclude: ['test/browser/**', 'test/slow/**', 'test/packaging/**', 'test/bench-smoke.test.ts', '**/node_modules/**'],
    // A passing test prints no Node warning and no [MSW] line (test/setup/no-warnings.ts).
    setupFiles: ['test/setup/no-warnings.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
