// Files whose statements psql splits by its own state (issue #10): a `--` comment ended by a lone CR
// (A5), standard_conforming_strings off in the file or for the database (A10), an unclosed BEGIN
// (A8), a DO block that commits inside (B9) — through the CLI against real PostgreSQL, asserting the
// database afterwards.
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { databasePerTest } from '../helpers/suite.js';
import type { TestDatabase } from '../helpers/db.js';

const db = databasePerTest();
const env = (dir: string) => ({ DATABASE_URL: db().url, MIGRATIONS_DIR: dir });
const history = (d: TestDatabase) =>
  d.query<{ filename: string; success: boolean }>('SELECT filename, success FROM public.schema_migrations ORDER BY id').catch(() => 'no history table' as const);
const failure = (r: CliResult) => String((jsonLines(r.stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
const started = (r: CliResult) => jsonLines(r.stdout).filter((e) => e.event === 'migration.start');

describe('a -- comment ended by a lone CR (#10 A5)', () => {
  it('runs the statement after it: the index is built', async () => {
    const dir = await writeMigrations({ '0001_cr.sql': 'CREATE TABLE t (a int);\r-- c\rCREATE INDEX CONCURRENTLY t_a ON t (a);\r' });
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(0);
    expect(await db().query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")).toEqual([{ indexname: 't_a' }]);
    expect(await history(db())).toEqual([{ filename: '0001_cr.sql', success: true }]);
  });
});

describe('standard_conforming_strings = off (#10 A10)', () => {
  it('set in the file: the wrapper holds, the string with \\\' and COMMIT inside is one value', async () => {
    const dir = await writeMigrations({
      '0001_off.sql': "BEGIN;\nCREATE TABLE t (v text);\nSET standard_conforming_strings = off;\nINSERT INTO t VALUES ('it\\'s; COMMIT; \\\\d');\nSET standard_conforming_strings = on;\nINSERT INTO t VALUES ('a\\');\nCOMMIT;\n",
    });
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(0);
    expect(started(r)[0]).toMatchObject({ mode: 'wrapped' });
    expect(await db().query('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'a\\' }, { v: "it's; COMMIT; \\d" }]);
    expect(await history(db())).toEqual([{ filename: '0001_off.sql', success: true }]);
  });

  it('the database default: files are lexed from the session\'s setting, no meta-command refusal', async () => {
    await db().query(`ALTER DATABASE ${db().name} SET standard_conforming_strings = off`);
    await db().query(`ALTER DATABASE ${db().name} SET escape_string_warning = off`);
    const dir = await writeMigrations({
      '0001_t.sql': "CREATE TABLE t (v text);\nINSERT INTO t VALUES ('it\\'s \\d; ok');\n",
      '0002_more.sql': "INSERT INTO t VALUES ('x\\'y');\nSET standard_conforming_strings = on;\nINSERT INTO t VALUES ('z\\');\n",
    });
    for (const command of ['validate', '--dry-run', '--list']) expect((await runCli([command], env(dir))).code, command).toBe(0);
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(0);
    expect(await db().query('SELECT v FROM t ORDER BY v')).toEqual([{ v: "it's d; ok" }, { v: "x'y" }, { v: 'z\\' }]);
    expect(await history(db())).toEqual([
      { filename: '0001_t.sql', success: true },
      { filename: '0002_more.sql', success: true },
    ]);
  });
});

describe('an unclosed BEGIN (#10 A8)', () => {
  it('is refused before anything runs: exit 6, file:line, the fix', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_open.sql': 'CREATE TABLE b (id int);\nBEGIN;\nINSERT INTO b VALUES (1);\n' });
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(6);
    expect(failure(r)).toContain('0002_open.sql:2:1: BEGIN opens a transaction block that the file never closes');
    expect(failure(r)).toContain('end the block with COMMIT;');
    expect(await db().query("SELECT to_regclass('a') AS a, to_regclass('b') AS b")).toEqual([{ a: null, b: null }]);
    const rows = await history(db());
    expect(rows === 'no history table' ? [] : rows).toEqual([]);
    const v = await runCli(['validate'], env(dir));
    expect(v.code).toBe(6);
  });

  it('statements after the COMMIT run as written: the block and the statement after it both take effect', async () => {
    const dir = await writeMigrations({ '0001_after.sql': 'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n' });
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(0);
    expect(started(r)[0]).toMatchObject({ mode: 'no-transaction' });
    expect(await db().query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")).toEqual([{ indexname: 't_id' }]);
    expect(await history(db())).toEqual([{ filename: '0001_after.sql', success: true }]);
  });
});

describe('a DO block that commits inside (#10 B9)', () => {
  const backfill = `CREATE TABLE t (id int, done bool NOT NULL DEFAULT false);
INSERT INTO t (id) SELECT generate_series(1, 250);
DO $$
DECLARE n int;
BEGIN
  LOOP
    UPDATE t SET done = true WHERE id IN (SELECT id FROM t WHERE NOT done LIMIT 100);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
    COMMIT; -- each batch on its own
  END LOOP;
END $$;
`;

  it('--dry-run shows the mode and why; up applies it and records it', async () => {
    const dir = await writeMigrations({ '0001_backfill.sql': backfill });
    const reason = 'line 3: a DO block that commits (COMMIT or ROLLBACK in its body) cannot run inside a transaction block';
    const plan = await runCli(['--dry-run', '--json'], env(dir));
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).plan.toApply).toEqual([expect.objectContaining({ file: '0001_backfill.sql', mode: 'no-transaction', reason })]);
    const r = await runCli([], env(dir));
    expect(r.code, r.stdout).toBe(0);
    expect(started(r)[0]).toMatchObject({ mode: 'no-transaction', reason });
    expect(await db().query('SELECT count(*)::int AS n FROM t WHERE done')).toEqual([{ n: 250 }]);
    expect(await history(db())).toEqual([{ filename: '0001_backfill.sql', success: true }]);
  });
});
