import { defineConfig } from 'vitest/config';

// The slow suite (npm run test:slow): the batteries of hostile inputs (child processes, bounded in count and time),
// the packaging install (npm pack + npm install) and the benchmark smoke run.
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts', 'test/packaging/**/*.test.ts', 'test/bench-smoke.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
