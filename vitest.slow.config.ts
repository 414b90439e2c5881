import { defineConfig } from 'vitest/config';

// The slow suite (npm run test:slow): batteries of hostile inputs, run as child processes. Bounded in count and time.
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
