// The fleet tier: hundreds of databases and schemas, kill -9 mid-fleet (issue 14). Too slow for
// `npm test` on two cores; run with `npm run test:fleet`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/fleet-scale.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
