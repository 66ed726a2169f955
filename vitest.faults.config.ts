// The slow fault tier: kill -9, servers stopped mid-run, connections cut without a FIN, 20 runners
// racing, PgBouncer. Run with `npx vitest run --config vitest.faults.config.ts`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Each fault test starts its own servers and many processes; two at a time on two cores.
    maxWorkers: 2,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
