import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/faults/**', 'test/container/**', 'test/tools/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores here: more workers only add contention on the shared server.
    maxWorkers: 4,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
