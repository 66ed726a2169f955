// The real-tool tier: dbmate and node-pg-migrate (installed in test/tools, not in the root
// package) apply a folder, then `pgshift import` carries their history over. `npm run test:tools`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/tools/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
