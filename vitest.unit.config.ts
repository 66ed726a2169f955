// The unit tier alone: pure modules and golden files, no database, so no server is started
// (`npm run test:unit`). `npm test` runs these files too, with the rest.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // As in vitest.config.ts: on a busy machine a timeout only decides how long a hung test takes to fail.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
