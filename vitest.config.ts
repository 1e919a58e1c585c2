import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // fast-check runs: 1,000 per property in CI (issue [core]); fewer locally keeps the loop quick.
    env: { FC_NUM_RUNS: process.env.FC_NUM_RUNS ?? (process.env.CI ? '1000' : '300') },
  },
});
