// The command line as users meet it: help, version, usage errors, configuration errors, output shapes.
import { beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, ROOT, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

describe('usage', () => {
  it('--help lists commands, every environment variable with its default, and exit codes', async () => {
    const r = await runCli(['--help'], {});
    expect(r.code).toBe(0);
    for (const s of ['--list, status', '--dry-run, plan', 'validate', 'create NAME', 'baseline', 'repair', 'await', 'DATABASE_URL_FILE', 'POSTGRES_PASSWORD(_FILE)', 'PGSSLMODE', 'MIGRATIONS_DIR [./migrations]', 'MIGRATIONS_SCHEMA [public]', 'MIGRATIONS_TABLE [schema_migrations]', 'DB_WAIT_TIMEOUT [60s]', 'LOCK_TIMEOUT [10m]', 'AWAIT_TIMEOUT [10m]', 'LOG_LEVEL [info]', 'LOG_FORMAT [auto]', 'NO_COLOR', 'TERMINATION_LOG', '5 lock (or await) timed out', '130/143']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], {});
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['uup'], 'unknown command "uup"; did you mean `pgshift up`?'],
    [['--list', '--dry-run'], 'choose one of: --list, --dry-run'],
    [['create'], 'create needs one NAME'],
    [['up', 'extra'], 'unexpected argument "extra"'],
    [['up', '--to', 'x.sql'], '--to goes with `baseline`'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await runCli(args, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('pgshift');
  });
});

describe('configuration', () => {
  it('names every bad variable and what is wrong, never its value, and exits 3 without connecting', async () => {
    const r = await runCli([], { DATABASE_URL: 'postgres://u:topsecret-value@127.0.0.1:1/db', DB_WAIT_TIMEOUT: 'soon-ish', LOCK_TIMEOUT: '10 minutes', MIGRATIONS_SCHEMA: 'kb"; DROP TABLE x; --', LOG_LEVEL: 'loud', MIGRATION_LOCK_RETRIES: '-1' });
    expect(r.code).toBe(3);
    const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
    const message = String((failed?.err as { message: string }).message);
    expect(message).toContain('DB_WAIT_TIMEOUT: must be a duration such as 500ms, 30s, 10m or 1h');
    expect(message).toContain('LOCK_TIMEOUT: must be a duration');
    expect(message).toContain('MIGRATIONS_SCHEMA: must be a plain identifier');
    expect(message).toContain('LOG_LEVEL: must be one of: fatal, error, warn, info, debug, trace, silent');
    expect(message).toContain('MIGRATION_LOCK_RETRIES: must be a whole number');
    for (const value of ['soon-ish', '10 minutes', 'DROP TABLE', 'loud', 'topsecret-value']) expect(r.stdout + r.stderr).not.toContain(value);
    expect(jsonLines(r.stdout).some((e) => e.event === 'db.wait' || e.event === 'config')).toBe(false);
  });

  it('refuses both DATABASE_URL and DATABASE_URL_FILE', async () => {
    const r = await runCli([], { DATABASE_URL: 'postgres://a@b/c', DATABASE_URL_FILE: '/nonexistent' });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('DATABASE_URL and DATABASE_URL_FILE: both are set; set only one');
  });

  it('text format renders readable lines, not JSON', async () => {
    const r = await runCli([], { LOG_FORMAT: 'text', DB_WAIT_TIMEOUT: 'x' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('✗ invalid configuration');
    expect(r.stderr).toContain('DB_WAIT_TIMEOUT: must be a duration');
    expect(r.stdout + r.stderr).not.toContain('{"level"');
  });
});

describe('output', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createDatabase();
    return () => db.drop();
  });

  it('prints the human report in the shape of the earlier script (text format)', async () => {
    const dir = await writeMigrations({ '0002_extraction_jobs.sql': 'CREATE TABLE j (id int);', '20251019_add_user_preferences.sql': 'CREATE TABLE p (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    const list = await runCli(['--list'], env);
    expect(list.stdout).toContain('Pending Migrations:\n  • 0002_extraction_jobs.sql\n  • 20251019_add_user_preferences.sql\nTotal: 0 applied, 2 pending\n');
    const up = await runCli([], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/Applying 2 pending migration\(s\)\.\.\.\n {2}Applying: 0002_extraction_jobs\.sql\n {2}✓ Applied in \d+ms\n {2}Applying: 20251019_add_user_preferences\.sql\n {2}✓ Applied in \d+ms\nMigration Summary\n {2}Success: 2\n {2}Total applied: 2 migrations\n/);
    const again = await runCli([], env);
    expect(again.stdout).toContain('✓ No pending migrations - database is up to date\n  (2 migrations already applied)\n');
    const after = await runCli(['status'], env);
    expect(after.stdout).toMatch(/Applied Migrations:\n {2}✓ 0002_extraction_jobs\.sql \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)\n {2}✓ 20251019_add_user_preferences\.sql \(.*\)\nTotal: 2 applied, 0 pending\n/);
    expect(after.stdout).not.toContain(String.fromCharCode(27));
  });

  it('--json puts one document with a schemaVersion on stdout and logs on stderr', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY a_idx ON a (id);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const plan = await runCli(['plan', '--json'], env);
    expect(plan.code).toBe(0);
    const doc = JSON.parse(plan.stdout) as { schemaVersion: number; plan: { toApply: Array<{ file: string; mode: string }> } };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.plan.toApply).toMatchObject([{ file: '0001_a.sql', mode: 'transaction' }, { file: '0002_b.sql', mode: 'no-transaction' }]);
    expect(jsonLines(plan.stderr).some((e) => e.event === 'config')).toBe(true);

    const up = await runCli(['up', '--json'], env);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ schemaVersion: 1, command: 'up', ok: true, totalApplied: 2, applied: [{ file: '0001_a.sql', status: 'applied' }, { file: '0002_b.sql', status: 'applied', mode: 'no-transaction' }] });

    const status = await runCli(['--list', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ command: 'status', ok: true, plan: { applied: [{ file: '0001_a.sql' }, { file: '0002_b.sql' }], pending: [] } });
  });

  it('--json reports a failure as a document too', async () => {
    const r = await runCli(['--json'], { DB_WAIT_TIMEOUT: 'nope' });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'CONFIG', exitCode: 3 } });
  });

  it('writes the one-line outcome to TERMINATION_LOG', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'SELECT nope;' });
    const log = join(dir, 'termination-log');
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, TERMINATION_LOG: log });
    expect(r.code).toBe(1);
    const line = await readFile(log, 'utf8');
    expect(line).toMatch(/^pgshift up failed \(exit 1\): 0002_b\.sql failed: 0002_b\.sql:1:8: ERROR 42703: column "nope" does not exist/);
    expect(line.trim().split('\n')).toHaveLength(1);
  });
});

describe('policy: out of order and missing', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createDatabase();
    return () => db.drop();
  });

  it('applies an out-of-order file with a warning, and refuses it with --strict (exit 6)', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
    const strict = await runCli(['--strict'], env);
    expect(strict.code).toBe(6);
    expect(strict.stdout).toContain('outOfOrder: 0002_b.sql is pending but sorts before the newest applied migration; refused by --strict');
    expect(await db.query(`SELECT to_regclass('public.b') AS t`)).toEqual([{ t: null }]);
    const lenient = await runCli([], env);
    expect(lenient.code).toBe(0);
    expect(jsonLines(lenient.stdout).find((e) => e.event === 'plan.warning')?.msg).toContain('outOfOrder: 0002_b.sql');
  });

  it('warns about a missing file (an older image on a newer database) and refuses with --strict', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, '0002_b.sql'));
    const lenient = await runCli([], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('missing: 0002_b.sql is recorded as applied but is not in the migrations folder');
    expect((await runCli(['--strict'], env)).code).toBe(6);
    expect((await runCli(['validate', '--strict'], env)).code).toBe(6);
    expect((await runCli(['validate'], env)).code).toBe(0);
  });
});
