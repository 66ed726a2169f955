import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/system needs psql and openssl (npm run test:system); npm test needs Node alone.
    // test/integration/fleet-scale: hundreds of databases (npm run test:fleet).
    exclude: ['test/integration/fleet-scale.test.ts', 'test/faults/**', 'test/container/**', 'test/system/**', 'test/tools/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Sized for a busy machine (load ~15 on two cores), where a run that takes 5 s alone takes 60 s:
    // a timeout here only decides how long a hung test takes to fail, never whether a test passes.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores here: more workers only add contention on the shared server.
    maxWorkers: 4,
    // .ci/run collects counts from every tier (scripts/ci-summary.mjs).
    reporters: process.env.PGSHIFT_REPORT ? ['default', ['json', { outputFile: process.env.PGSHIFT_REPORT }]] : ['default'],
  },
});
