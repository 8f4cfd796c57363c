import { defineConfig } from 'vitest/config';

// Integration tests boot real stacks (Postgres, Redis, Toxiproxy, k6) on a 2-core machine, so
// test files run one at a time; unit tests are fast enough that this costs little.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'reports/vitest-junit.xml' },
  },
});
