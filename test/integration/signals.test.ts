// SIGHUP (the terminal or ssh session went away) is handled as SIGTERM is: the running statement
// is cancelled on the server and rolled back, the lock released; exit 129 (128 + 1, as a shell
// reports it). Unhandled, Node died at once and left the statement running on the server (#10 C12).
import { beforeEach, describe, expect, it } from 'vitest';
import { collect, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest } from '../helpers/suite.js';

const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

describe('signals', () => {
  it('SIGHUP during a migration cancels it on the server, records nothing applied, releases the lock, exits 129', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(60);' });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    const done = collect(child, { timeoutMs: 120_000 });
    await waitForOutput(child, (o) => o.includes('"file":"0002_slow.sql"') && o.includes('migration.start'));
    // The statement is running on the server before the signal goes out.
    for (;;) {
      const running = await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()`);
      if (running.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGHUP');
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(129);
    expect(r.stdout).toContain('"event":"signal","signal":"SIGHUP"');
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT to_regclass('public.slow') AS t`)).toEqual([{ t: null }]);
    const rows = await db.query<{ filename: string; success: boolean; error_message: string | null }>('SELECT filename, success, error_message FROM schema_migrations ORDER BY id');
    expect(rows).toMatchObject([{ filename: '0001_a.sql', success: true }, { filename: '0002_slow.sql', success: false }]);
    expect(rows[1]?.error_message).toContain('interrupted by SIGHUP');
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).toEqual([{ n: 0 }]);
  }, 120_000);
});
