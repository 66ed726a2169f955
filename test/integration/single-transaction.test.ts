// `pgshift --single-transaction`: every pending file and its history row in one transaction. The
// built CLI spawned against real PostgreSQL; the database is inspected afterwards.
import { writeFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const history = () => db.query<{ filename: string; success: boolean; error_message: string | null; checksum: string | null }>('SELECT filename, success, error_message, checksum FROM public.schema_migrations ORDER BY id');
const tables = async () => (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)).map((r) => r.t);

const FIVE = {
  '0001_a.sql': 'CREATE TABLE a (id int PRIMARY KEY);',
  '0002_b.sql': 'CREATE TABLE b (id int REFERENCES a);\nINSERT INTO a VALUES (1);',
  // Wraps itself in BEGIN … COMMIT: inside the group that block is not a transaction of its own.
  '0003_c.sql': 'BEGIN;\nCREATE TABLE c (id int);\nCOMMIT;\n',
  '0004_d.sql': "SET search_path = pg_catalog;\nCREATE TABLE public.d (id int);",
  // Runs after a file that changed search_path: every file starts from the same session state.
  '0005_e.sql': 'CREATE TABLE e (id int);',
};

describe('--single-transaction', () => {
  it('applies every pending file and its history row, then a re-run is a no-op', async () => {
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FIVE) };
    const r = await run(['--single-transaction'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await tables()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const rows = await history();
    expect(rows.map((x) => x.filename)).toEqual(Object.keys(FIVE));
    expect(rows.every((x) => x.success && x.checksum?.length === 64)).toBe(true);
    const events = jsonLines(r.stdout);
    expect(events.filter((e) => e.event === 'migration.applied').map((e) => e.file)).toEqual(Object.keys(FIVE));
    expect(events.find((e) => e.event === 'run.summary')).toMatchObject({ applied: 5, failed: 0, totalApplied: 5 });
    expect(r.stdout).not.toContain('already a transaction in progress');
    const again = await run(['--single-transaction'], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).find((e) => e.event === 'run.summary')).toMatchObject({ applied: 0, totalApplied: 5 });
  });

  it('a failure in file 3 of 5 leaves nothing applied, records the failure, exit 1; fixed, all five apply', async () => {
    const files = { ...FIVE, '0003_c.sql': 'CREATE TABLE c (id int);\nINSERT INTO c VALUES (1, 2);' };
    const dir = await writeMigrations(files);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    const r = await run(['--single-transaction'], env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('0003_c.sql:2:');
    expect(r.stderr).toContain('42601');
    expect(await tables()).toEqual([]);
    expect(await history()).toEqual([expect.objectContaining({ filename: '0003_c.sql', success: false, error_message: expect.stringContaining('INSERT has more expressions than target columns') })]);
    expect(r.stderr).toContain('the 2 migration(s) before it in this transaction were rolled back too');

    await writeFile(`${dir}/0003_c.sql`, 'CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);');
    const fixed = await run(['--single-transaction'], { ...env, LOG_FORMAT: 'json' });
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(await tables()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await history()).filter((x) => x.success).map((x) => x.filename)).toEqual(Object.keys(FIVE));
  });

  it('refuses a no-transaction file before anything runs (exit 6), naming it and why', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_idx.sql': 'CREATE INDEX CONCURRENTLY a_id ON a (id);',
    });
    const r = await run(['--single-transaction'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(r.stderr).toContain('--single-transaction: 0002_idx.sql cannot run inside a transaction (line 1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block)');
    expect(await tables()).toEqual([]);
    expect(await history()).toEqual([]);
  });

  it('is a flag of up only (exit 2)', async () => {
    const r = await run(['status', '--single-transaction'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--single-transaction goes with `up`');
  });
});
