// Every sample output in README.md and docs/ (blocks marked `<!-- sample: NAME -->`) is rerun against
// the suite's server and must still match (scripts/doc-samples.mjs; the comparison itself is
// test/unit/doc-samples.test.ts). On failure: check the new output is right, then `npm run docs:samples`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { collect, ROOT } from '../helpers/cli.js';
import { adminUrl } from '../helpers/db.js';
import { PG_MAJOR } from '../helpers/server.js';

// The samples show what PostgreSQL 18 (the default server) prints; older majors word some server
// messages differently, so the matrix runs (PGSHIFT_TEST_PG=13…17) check them only on 18.
it.skipIf(PG_MAJOR !== '18' || process.env.TEST_DATABASE_URL !== undefined)('the documented outputs are what the CLI prints today', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'doc-samples.mjs'), '--check'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOC_SAMPLES_DATABASE_URL: adminUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collect(child, { timeoutMs: 840_000 });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^\d+ sample\(s\), 0 drifted$/m);
}, 900_000);
