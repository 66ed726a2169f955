// Migration folders as real projects write them: wrappers, CONCURRENTLY, enum values, dollar
// quotes, SETs, CRLF, no final semicolon — applied unmodified (compared with psql in the system tier).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collect, jsonLines, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, untilActivity, type TestDatabase } from '../helpers/db.js';
import { crlf, messyFolder } from '../helpers/messy-folder.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function serverVersion(): Promise<number> {
  const [row] = await db.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
  return row!.v;
}

describe('a messy real-world folder', () => {
  it('applies unmodified and re-runs as a no-op (the psql comparison: test/system/psql-reference.test.ts)', async () => {
    const dir = await writeMigrations(messyFolder(await serverVersion()));
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const r = await runCli([], env);
    expect(r.code, r.stdout).toBe(0);
    const events = jsonLines(r.stdout);
    const modes = Object.fromEntries(events.filter((e) => e.event === 'migration.applied').map((e) => [e.file, e.mode]));
    expect(modes).toMatchObject({
      '20250101000100_schema.sql': 'transaction',
      '20250101000300_wrapped.sql': 'wrapped',
      '20250101000400_index_concurrently.sql': 'no-transaction',
      '20250101000800_two_blocks.sql': 'no-transaction',
      '20250101000900_mixed_concurrently.sql': 'no-transaction',
    });
    // The enum value used in the file that adds it: rolled back whole, then run as psql would.
    expect(events.find((e) => e.event === 'migration.mode.fallback')).toMatchObject({ file: '20250101000500_enum_value.sql', sqlstate: '55P04' });
    // No "already a transaction in progress" warnings from the wrapped file.
    expect(events.filter((e) => e.event === 'db.notice' && e.level === 'warn')).toEqual([]);
    // A SET in one file does not leak into the next.
    expect(await db.query('SELECT sp, lt FROM public.leak_check')).toEqual([{ sp: '"$user", public', lt: '0' }]);
    expect(await db.query(`SELECT to_regclass('app.in_app') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);

    const again = await runCli([], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).find((e) => e.event === 'run.summary')).toMatchObject({ applied: 0 });
  });

  it('shows each file\'s mode and why in --dry-run, with the partial-failure warning', async () => {
    const dir = await writeMigrations(messyFolder(await serverVersion()));
    const r = await runCli(['--dry-run'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('20250101000300_wrapped.sql  [wrapped: file wraps itself in BEGIN … COMMIT]');
    expect(r.stdout).toContain('20250101000400_index_concurrently.sql  [no-transaction: line 1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block]');
    expect(r.stdout).toMatch(/20250101000900_mixed_concurrently\.sql {2}\[no-transaction: line 2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block\]\n {5}⚠ a failure halfway leaves this file partly applied/);
    expect(r.stdout).toContain('(dry run: nothing was applied)');
  });
});

describe('errors point at the line', () => {
  it('reports file:line:column, SQLSTATE, detail, hint and the line with a caret for a transaction-mode file', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\n\nINSERT INTO t VALUES (1);\n' });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    // A run-time error has no position: the failing statement's line, and its first line shown.
    expect(r.stderr).toContain('0001_a.sql:4: ERROR 23505: duplicate key value violates unique constraint "t_pkey"');
    expect(r.stderr).toContain('DETAIL: Key (id)=(1) already exists.');
    expect(r.stderr).toContain('    4 | INSERT INTO t VALUES (1)\n');
    expect(await db.query(`SELECT to_regclass('public.t') AS t`)).toEqual([{ t: null }]);
  });

  it('maps positions inside a wrapped CRLF file and a split no-transaction file onto the file', async () => {
    const dir = await writeMigrations({
      '0001_wrapped.sql': crlf('BEGIN;\nCREATE TABLE w (id int);\nSELECT nosuchcol FROM w;\nCOMMIT;\n'),
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('0001_wrapped.sql:3:8: ERROR 42703: column "nosuchcol" does not exist');
    // The offending line with a caret under column 8 (the report is indented by 4).
    expect(r.stderr).toMatch(/\n {4}3 \| SELECT nosuchcol FROM w;\n {15}\^\n/);

    const dir2 = await writeMigrations({ '0001_nt.sql': '-- pgshift:no-transaction\nCREATE TABLE n (id int);\n\n  SELECT  nosuch FROM n;\n' });
    const r2 = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir2, LOG_FORMAT: 'text' });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('0001_nt.sql:4:11: ERROR 42703: column "nosuch" does not exist');
  });

  it('in a SQL_ASCII database, which counts bytes, not characters: the same line and column after non-ASCII text', async () => {
    const ascii = await createDatabase(undefined, { sqlAscii: true });
    try {
      expect(await ascii.query(`SELECT current_setting('server_encoding') AS e`)).toEqual([{ e: 'SQL_ASCII' }]);
      const text = `CREATE TABLE t (id int, note text);\nINSERT INTO t VALUES (1, 'ünïcödé 🎉');\nSELECT nope FROM t;\n`;
      const dir = await writeMigrations({ '0001_a.sql': text });
      const r = await runCli([], { DATABASE_URL: ascii.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('0001_a.sql:3:8: ERROR 42703: column "nope" does not exist');
      expect(r.stderr).toMatch(/\n {4}3 \| SELECT nope FROM t;\n {15}\^\n/);
      const nt = await writeMigrations({ '0001_a.sql': `-- pgshift:no-transaction\n${text.replace('SELECT nope', "SELECT 'é', nope")}` });
      const r2 = await runCli([], { DATABASE_URL: ascii.url, MIGRATIONS_DIR: nt, LOG_FORMAT: 'text' });
      expect(r2.stderr).toContain('0001_a.sql:4:13: ERROR 42703: column "nope" does not exist');
    } finally {
      await ascii.drop();
    }
  });

  it('for 25001 inside the file\'s own BEGIN … COMMIT, hints to remove the wrapper', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE t (id int);', '0002_b.sql': 'BEGIN;\nCREATE INDEX CONCURRENTLY t_idx ON t (id);\nCOMMIT;\n' });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR 25001: CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    // The file already runs statement by statement: the hint says what actually fixes it.
    expect(r.stderr).toContain('HINT: the file already runs statement by statement; remove the BEGIN … COMMIT around this statement');
    // The BEGIN was rolled back with the failure: nothing took effect, so the file is failed (retried), not unfinished.
    const [row] = await db.query<{ error_message: string }>(`SELECT error_message FROM schema_migrations WHERE filename = '0002_b.sql'`);
    expect(row?.error_message).not.toMatch(/^unfinished/);
  });
});

describe('pre-flight: refused before anything is applied (exit 6)', () => {
  it.each([
    ['a psql meta-command', '0002_b.sql', 'CREATE TABLE b (id int);\n\\i other.sql\n', '0002_b.sql:2:1: psql meta-command \\i'],
    ['COPY … FROM stdin', '0002_b.sql', 'CREATE TABLE b (id int);\nCOPY b FROM stdin;\n1\n\\.\n', '0002_b.sql:2:1: COPY … FROM stdin'],
    ['a duplicate version', '0001_b.sql', 'CREATE TABLE b (id int);', '0001_a.sql and 0001_b.sql: two files with version 0001'],
    ['a name without a version', 'add_users.sql', 'CREATE TABLE b (id int);', "add_users.sql: a migration's name starts with its version"],
    ['an unterminated dollar quote', '0002_b.sql', 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n', '0002_b.sql:1:'],
    ['bytes that are not UTF-8', '0002_b.sql', Buffer.from([0x53, 0x45, 0x4c, 0x0a, 0xff, 0xfe]), '0002_b.sql:2: is not valid UTF-8'],
  ])('%s', async (_label, name, content, message) => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', [name]: content });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(message);
    expect(await db.query(`SELECT to_regclass('public.a') AS t`)).toEqual([{ t: null }]);
  });
});

describe('no-transaction files', () => {
  it('a run killed midway leaves the file unfinished; the next run refuses with the remedy (exit 6); repair makes it pending', async () => {
    const dir = await writeMigrations({
      '0001_t.sql': 'CREATE TABLE t (id int);',
      '0002_nt.sql': '-- pgshift:no-transaction\nCREATE TABLE nt (id int);\nSELECT pg_sleep(30);\nCREATE TABLE nt2 (id int);\n',
    });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const child = spawnCli([], env);
    const done = collect(child);
    await waitForOutput(child, (o) => o.includes('"file":"0002_nt.sql"'));
    await untilActivity(db, "wait_event = 'PgSleep'");
    child.kill('SIGKILL');
    await done;
    // The server notices the dead client (pg_sleep is cancelled when its socket closes).
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`);

    const r = await runCli([], env);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('unfinished: 0002_nt.sql is a no-transaction file whose run stopped midway');
    expect(r.stdout).toContain('pgshift repair');
    expect(await db.query(`SELECT to_regclass('public.nt2') AS t`)).toEqual([{ t: null }]);

    await writeFile(join(dir, '0002_nt.sql'), '-- pgshift:no-transaction\nCREATE TABLE IF NOT EXISTS nt (id int);\nCREATE TABLE nt2 (id int);\n');
    const repair = await runCli(['repair'], env);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain('unfinished row removed; the file is pending again');
    const fixed = await runCli([], env);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(await db.query(`SELECT to_regclass('public.nt2') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
  });

  it('a statement failing after others took effect leaves the file unfinished, not failed (no blind re-run)', async () => {
    const dir = await writeMigrations({ '0001_nt.sql': '-- pgshift:no-transaction\nCREATE TABLE nt (id int);\nINSERT INTO nt VALUES (1);\nSELECT nope;\n' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    const r = await runCli([], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 of 3 statements had taken effect before this one');
    const [row] = await db.query<{ success: boolean; error_message: string }>('SELECT success, error_message FROM schema_migrations');
    expect(row?.success).toBe(false);
    expect(row?.error_message).toMatch(/^unfinished: stopped partway; /);
    const again = await runCli([], env);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('unfinished: 0001_nt.sql');
    expect(await db.query('SELECT count(*)::int AS n FROM nt')).toEqual([{ n: 1 }]);
  });

  it('a first statement that fails leaves nothing applied: failed, and retried next run', async () => {
    const dir = await writeMigrations({ '0001_nt.sql': '-- pgshift:no-transaction\nSELECT nope;\nCREATE TABLE nt (id int);\n' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(1);
    const [row] = await db.query<{ success: boolean; error_message: string }>('SELECT success, error_message FROM schema_migrations');
    expect(row?.error_message).not.toMatch(/^unfinished/);
    await writeFile(join(dir, '0001_nt.sql'), '-- pgshift:no-transaction\nSELECT 1;\nCREATE TABLE nt (id int);\n');
    expect((await runCli([], env)).code).toBe(0);
  });

  it('SIGTERM after some statements of a no-transaction file records it unfinished (exit 143, then 6)', async () => {
    const dir = await writeMigrations({ '0001_nt.sql': '-- pgshift:no-transaction\nCREATE TABLE nt (id int);\nSELECT pg_sleep(30);\nCREATE TABLE nt2 (id int);\n' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const child = spawnCli([], env);
    const done = collect(child);
    await waitForOutput(child, (o) => o.includes('migration.start'));
    await untilActivity(db, "wait_event = 'PgSleep'");
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    const [row] = await db.query<{ error_message: string }>('SELECT error_message FROM schema_migrations');
    expect(row?.error_message).toMatch(/^unfinished: stopped partway; interrupted by SIGTERM/);
    const again = await runCli([], env);
    expect(again.code).toBe(6);
  });

  it('logs why a file runs statement by statement, and warns when a failure would leave it partly applied', async () => {
    const dir = await writeMigrations({ '0001_t.sql': 'CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_idx ON t (id);\n' });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.find((e) => e.event === 'migration.start')).toMatchObject({ mode: 'no-transaction', reason: 'line 2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block' });
    expect(events.find((e) => e.event === 'migration.partial_risk')).toMatchObject({ level: 'warn' });
  });

  it('refuses to record a CREATE INDEX CONCURRENTLY IF NOT EXISTS that skipped an INVALID leftover', async () => {
    await db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (1)');
    await db.query('CREATE UNIQUE INDEX CONCURRENTLY t_id_uq ON t (id)').catch(() => {});
    const dir = await writeMigrations({ '0001_uq.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_id_uq ON t (id);' });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ran to the end, but an index it builds is INVALID');
    expect(r.stderr).toContain('DROP INDEX CONCURRENTLY IF EXISTS public.t_id_uq;');
  });

  it('a CONCURRENTLY build is not cut short by MIGRATION_LOCK_TIMEOUT while it waits for an older transaction', async () => {
    await db.query('CREATE TABLE t (id int)');
    const older = await db.connect();
    // A snapshot held open (REPEATABLE READ): the build must wait for it, as for a long report query.
    await older.query('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT txid_current()');
    const dir = await writeMigrations({ '0001_idx.sql': 'CREATE INDEX CONCURRENTLY t_idx ON t (id);' });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '200ms' });
    const done = collect(child);
    // The build waits for the older transaction's virtual xid; let it wait well past the 200ms.
    await untilActivity(db, "wait_event = 'virtualxid'");
    await new Promise((r) => setTimeout(r, 1000));
    await older.query('COMMIT');
    await older.end();
    const r = await done;
    expect(r.code, r.stdout).toBe(0);
    expect(await db.query(`SELECT indisvalid AS ok FROM pg_index WHERE indexrelid = 'public.t_idx'::regclass`)).toEqual([{ ok: true }]);
  });

  it('names the INVALID index a failed CREATE INDEX CONCURRENTLY left behind, and how to drop it', async () => {
    const dir = await writeMigrations({
      '0001_t.sql': 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (1);',
      '0002_uq.sql': 'CREATE UNIQUE INDEX CONCURRENTLY t_id_uq ON t (id);',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR 23505');
    expect(r.stderr).toContain('INVALID index left behind: public.t_id_uq; remove it with: DROP INDEX CONCURRENTLY IF EXISTS public.t_id_uq;');
    const [row] = await db.query<{ success: boolean; error_message: string }>(`SELECT success, error_message FROM schema_migrations WHERE filename = '0002_uq.sql'`);
    expect(row?.success).toBe(false);
    expect(row?.error_message).toContain('DROP INDEX CONCURRENTLY IF EXISTS public.t_id_uq');
  });
});
