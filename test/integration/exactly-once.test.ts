// Exactly once, or loudly not (issue 10, A and B): every way a file could run twice, partly or not at
// all while the run says ok, tried for real against PostgreSQL through the built CLI.
import { beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collect, jsonLines, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';

const { run, keep } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const HISTORY_DDL = `CREATE TABLE public.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64), execution_time_ms INTEGER, success BOOLEAN NOT NULL DEFAULT TRUE, error_message TEXT)`;

type Row = { filename: string; success: boolean; error_message: string | null };
const history = (table = 'public.schema_migrations') => db.query<Row>(`SELECT filename, success, error_message FROM ${table} ORDER BY id`);
const exists = async (name: string) => (await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [name]))[0]?.t !== null;

describe('the lock cannot be bypassed, and a bypass cannot hide a double run (10.A2)', () => {
  it('is keyed on the history table, not on the configured database name', async () => {
    const { lockKey, legacyLockKey } = await import('../../src/apply/lock.js');
    expect(lockKey('public', 'schema_migrations')).not.toBe(legacyLockKey('app', 'public', 'schema_migrations'));
    // Any name for one database gives one key: PostgreSQL scopes advisory locks to the database itself.
    expect(lockKey('public', 'schema_migrations')).toBe(lockKey('public', 'schema_migrations'));
  });

  it('waits for a runner of an earlier version, which holds only the key that hashed the configured name', async () => {
    const { legacyLockKey } = await import('../../src/apply/lock.js');
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const holder = await db.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [legacyLockKey(db.name, 'public', 'schema_migrations').toString()]);
    try {
      const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '1s' });
      expect(r.code).toBe(5);
      expect(await exists('public.a')).toBe(false);
    } finally {
      await holder.end();
    }
  });

  it('refuses pg_advisory_unlock_all() and DISCARD ALL in a file before anything runs (exit 6)', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);\nSELECT pg_advisory_unlock_all();\n',
      '0003_c.sql': '-- pgshift:no-transaction\nCREATE TABLE c (id int);\nDISCARD ALL;\n',
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stdout + r.stderr).toContain('0002_b.sql:2: PG_ADVISORY_UNLOCK_ALL would release pgshift');
    expect(r.stdout + r.stderr).toContain('0003_c.sql:3: DISCARD ALL would release pgshift');
    expect(await exists('public.a')).toBe(false);
  });

  it('rolls back a file that released the lock out of sight, and says so (exit 1)', async () => {
    // The call is built at run time, so only the check before COMMIT can see that the lock is gone.
    const dir = await writeMigrations({
      '0001_a.sql': `CREATE TABLE a (id int);\nDO $$ BEGIN EXECUTE 'SELECT pg_advisory_' || 'unlock_all()'; END $$;\n`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('0001_a.sql: the migration lock was released while it ran');
    expect(r.stdout + r.stderr).toContain('the file was rolled back, so it did not run twice');
    expect(await exists('public.a')).toBe(false);
    expect(await history()).toEqual([expect.objectContaining({ filename: '0001_a.sql', success: false })]);
  });

  it('a file that gives back its key once still holds the lock (it is held twice): applied, and no other runner got in', async () => {
    const { lockKey } = await import('../../src/apply/lock.js');
    const key = lockKey('public', 'schema_migrations').toString();
    const dir = await writeMigrations({
      '0001_a.sql': `CREATE TABLE a (id int);\nSELECT pg_advisory_unlock(${key}::bigint);\n`,
      '0002_b.sql': 'CREATE TABLE b (id int);',
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await history()).toEqual([expect.objectContaining({ filename: '0001_a.sql', success: true }), expect.objectContaining({ filename: '0002_b.sql', success: true })]);
  });

  it('a runner waiting for the lock that gets it at the check before COMMIT: the file is rolled back, not committed without the lock (exit 1)', async () => {
    const { lockKey } = await import('../../src/apply/lock.js');
    const key = lockKey('public', 'schema_migrations').toString();
    // The file gives back one of the two holds; the check's own give-back then frees the key, the
    // waiting session is granted it at once, and the check's re-take fails.
    // It goes on once the other session waits for the key (polling pg_locks; at most a minute).
    const waitForWaiter = `DO $$ BEGIN FOR i IN 1..600 LOOP EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted); PERFORM pg_sleep(0.1); END LOOP; END $$;`;
    const dir = await writeMigrations({ '0001_a.sql': `CREATE TABLE a (id int);\n${waitForWaiter}\nSELECT pg_advisory_unlock(${key}::bigint);\n` });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    const done = collect(child, { timeoutMs: 120_000 });
    await waitForOutput(child, (out) => out.includes('Applying: 0001_a.sql'));
    const waiter = await db.connect();
    try {
      const granted = waiter.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      const r = keep(await done);
      await granted;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toContain('0001_a.sql: the migration lock was released while it ran');
      expect(await exists('public.a')).toBe(false);
    } finally {
      await waiter.end();
    }
  });

  it('a no-transaction file that released the lock is left unfinished, never reported applied', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': `-- pgshift:no-transaction\nCREATE TABLE a (id int);\nDO $$ BEGIN EXECUTE 'SELECT pg_advisory_' || 'unlock_all()'; END $$;\n`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('the migration lock was released while it ran');
    const [row] = await history();
    expect(row).toMatchObject({ filename: '0001_a.sql', success: false });
    expect(row?.error_message).toMatch(/^unfinished: /);
  });

  it('a second runner that got past the lock trips the UNIQUE filename: its run is rolled back, the file ran once (exit 1)', async () => {
    await db.query(HISTORY_DDL);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(2);\n' });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    const done = collect(child, { timeoutMs: 120_000 });
    await waitForOutput(child, (out) => out.includes('Applying: 0001_a.sql'));
    // What another runner past a bypassed lock leaves: its own success row, committed meanwhile.
    await db.query(`INSERT INTO public.schema_migrations (filename, checksum, success) VALUES ('0001_a.sql', 'other', true)`);
    const r = keep(await done);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('another runner applied it while this run was applying it too');
    expect(await exists('public.a')).toBe(false);
    expect(await history()).toEqual([{ filename: '0001_a.sql', success: true, error_message: null }]);
  });
});

describe('SIGTERM or a cancel while COMMIT flushes (10.A1)', () => {
  it('a failure write never replaces a success row', async () => {
    await db.query(HISTORY_DDL);
    const { historyTable } = await import('../../src/apply/history.js');
    const { recordFailure } = await import('../../src/apply/history-rows.js');
    const client = await db.connect();
    try {
      await client.query(`INSERT INTO public.schema_migrations (filename, checksum, success) VALUES ('0001_a.sql', 'abc', true)`);
      const t = historyTable(client, 'public', 'schema_migrations');
      const file = { name: '0001_a.sql', checksum: 'abc' } as Parameters<typeof recordFailure>[2];
      expect(await recordFailure(client, t, file, 'late error', 5)).toBe('alreadyApplied');
    } finally {
      await client.end();
    }
    expect(await history()).toEqual([{ filename: '0001_a.sql', success: true, error_message: null }]);
  });
});

describe('every file starts from the session the run started with (10.A3)', () => {
  it('a TEMP table of one file does not shadow a real table in the next', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE seed (v text);',
      '0002_b.sql': 'CREATE TEMP TABLE seed (v text);',
      '0003_c.sql': `INSERT INTO seed VALUES ('kept');`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(await db.query('SELECT v FROM public.seed')).toEqual([{ v: 'kept' }]);
  });

  it('SET ROLE does not outlive its file, and history rows are written as the role that logged in', async () => {
    await db.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgshift_other') THEN CREATE ROLE pgshift_other; END IF; END $$`);
    await db.query(`GRANT CREATE ON SCHEMA public TO pgshift_other`);
    const dir = await writeMigrations({
      '0001_a.sql': 'SET ROLE pgshift_other;\nCREATE TABLE owned_by_other (id int);',
      '0002_b.sql': 'CREATE TABLE owned_by_login (id int);',
      '0003_c.sql': '-- pgshift:no-transaction\nSET ROLE pgshift_other;\nCREATE TABLE nt_other (id int);\n',
      '0004_d.sql': 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;',
      '0005_e.sql': 'CREATE TABLE after_read_only (id int);',
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    const owners = await db.query<{ t: string; o: string }>(
      `SELECT relname AS t, pg_get_userbyid(relowner) AS o FROM pg_class WHERE relname IN ('owned_by_other', 'owned_by_login', 'nt_other', 'after_read_only') ORDER BY 1`,
    );
    expect(owners).toEqual([
      { t: 'after_read_only', o: 'postgres' },
      { t: 'nt_other', o: 'pgshift_other' },
      { t: 'owned_by_login', o: 'postgres' },
      { t: 'owned_by_other', o: 'pgshift_other' },
    ]);
    expect((await history()).map((h) => h.success)).toEqual([true, true, true, true, true]);
  });
});

describe('the fallback to statement by statement only where it cures (10.A6, 10.B9)', () => {
  it('SET TRANSACTION after a query: rolled back whole and recorded failed, never half-applied', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('statement by statement');
    expect(await exists('public.a')).toBe(false);
    const [row] = await history();
    expect(row).toMatchObject({ filename: '0001_a.sql', success: false });
    expect(row?.error_message).not.toMatch(/^unfinished/);
  });

  it('CREATE INDEX CONCURRENTLY inside a DO block: rolled back whole, not split', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': `CREATE TABLE a (id int);\nDO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY a_id ON a (id)'; END $$;\n`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('CONTEXT: ');
    expect(await exists('public.a')).toBe(false);
  });

  it('CALL of a procedure that commits runs outside a transaction, as psql runs it, and is recorded', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': [
        'CREATE TABLE batches (n int);',
        'CREATE PROCEDURE backfill() LANGUAGE plpgsql AS $$',
        'BEGIN',
        '  FOR i IN 1..3 LOOP INSERT INTO batches VALUES (i); COMMIT; END LOOP;',
        'END $$;',
        'CALL backfill();',
        '',
      ].join('\n'),
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(jsonLines(r.stdout).find((e) => e.event === 'migration.mode.fallback')).toMatchObject({ sqlstate: '2D000', line: 6 });
    expect(await db.query('SELECT count(*)::int AS n FROM batches')).toEqual([{ n: 3 }]);
    expect(await history()).toEqual([{ filename: '0001_a.sql', success: true, error_message: null }]);
  });
});

describe('leftover INVALID indexes are matched by exact name (10.A7)', () => {
  it('an unrelated INVALID index whose name is a prefix does not fail a correct file', async () => {
    await db.query('CREATE TABLE t (a int, b int)');
    await db.query('INSERT INTO t VALUES (1, 1), (1, 2)');
    // A unique build that fails leaves an INVALID t_a behind.
    await db.query('CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a)').catch(() => undefined);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass`)).toEqual([{ indisvalid: false }]);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE INDEX CONCURRENTLY t_ab ON t (a, b);' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(await history()).toEqual([{ filename: '0001_a.sql', success: true, error_message: null }]);
  });

  it('its own INVALID index still fails the file, named schema-qualified', async () => {
    await db.query('CREATE TABLE t (a int)');
    await db.query('INSERT INTO t VALUES (1), (1)');
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "T_a" ON t (a);' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('INVALID index left behind: public."T_a"');
  });
});

describe('a wrapper that opens a READ ONLY or other kind of transaction (10.B11)', () => {
  it('BEGIN TRANSACTION READ ONLY: rolled back, with what to change (exit 1)', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'BEGIN TRANSACTION READ ONLY;\nSELECT 1;\nCOMMIT;\n' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('its own BEGIN opens a READ ONLY transaction');
    expect(await history()).toEqual([expect.objectContaining({ filename: '0001_a.sql', success: false })]);
  });

  it('BEGIN ISOLATION LEVEL SERIALIZABLE: applied with its history row', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE a (id int);\nCOMMIT;\n' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(await exists('public.a')).toBe(true);
    expect(await history()).toEqual([{ filename: '0001_a.sql', success: true, error_message: null }]);
  });
});

describe('the history table, as the database has it (10.C12, 10.C15)', () => {
  const table = HISTORY_DDL;

  it('locked by another session: exit 5 after LOCK_TIMEOUT, naming the holder, with or without MIGRATION_LOCK_TIMEOUT', async () => {
    await db.query(table);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const holder = await db.connect();
    await holder.query(`SET application_name = 'history-holder'`);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE public.schema_migrations IN ACCESS EXCLUSIVE MODE');
    try {
      for (const extra of [{}, { MIGRATION_LOCK_TIMEOUT: '1s' }]) {
        const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '1s', LOG_FORMAT: 'text', ...extra });
        expect(r.code, r.stdout).toBe(5);
        expect(r.stdout + r.stderr).toContain('the history table public.schema_migrations stayed locked by another session');
        expect(r.stdout + r.stderr).toContain('application_name history-holder');
      }
    } finally {
      await holder.end();
    }
    expect(await exists('public.a')).toBe(false);
  });

  it('locked by another session: SIGTERM ends the wait at once (exit 143)', async () => {
    await db.query(table);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const holder = await db.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE public.schema_migrations IN ACCESS EXCLUSIVE MODE');
    try {
      const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '10m' });
      const done = collect(child, { timeoutMs: 120_000 });
      await waitForOutput(child, (out) => out.includes('"lock.acquired"'));
      // The history read is waiting now (pg_stat_activity says so).
      for (let i = 0; i < 200; i++) {
        const [w] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (w?.n) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGTERM');
      const r = keep(await done);
      expect(r.code).toBe(143);
    } finally {
      await holder.end();
    }
    expect(await exists('public.a')).toBe(false);
  });

  it('a role that may not read it: exit 3 with what to grant', async () => {
    await db.query(table);
    await db.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgshift_noread') THEN CREATE ROLE pgshift_noread LOGIN PASSWORD 'noread-pw'; END IF; END $$`);
    await db.query(`GRANT CREATE, USAGE ON SCHEMA public TO pgshift_noread`);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const url = new URL(db.url);
    url.username = 'pgshift_noread';
    url.password = 'noread-pw';
    const r = await run([], { DATABASE_URL: url.toString(), MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(3);
    expect(r.stdout + r.stderr).toContain('GRANT USAGE ON SCHEMA public and SELECT, INSERT, DELETE ON public.schema_migrations');
    expect(await exists('public.a')).toBe(false);
  });

  it('rows with no filename are ignored with a warning, not an internal error', async () => {
    await db.query(table.replace('filename VARCHAR(255) NOT NULL UNIQUE', 'filename VARCHAR(255) UNIQUE'));
    await db.query(`INSERT INTO public.schema_migrations (filename, success) VALUES (NULL, true)`);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout + r.stderr).toContain('has 1 row(s) without a filename');
    expect(await exists('public.a')).toBe(true);
  });

  it('two apps creating their history tables in one new schema at the same time both succeed', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'SELECT 1;' });
    // HISTORY=new: each app starts its own history although another app's may appear meanwhile.
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_SCHEMA: 'shared', MIGRATIONS_TABLE: `app_${i}`, HISTORY: 'new' })),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
  });
});

describe('run-time errors point at the statement (11.1)', () => {
  it('names file:line of the failing statement, its first line, and the CONTEXT, also in the history row', async () => {
    const dir = await writeMigrations({
      '0001_wrapped_fail.sql': 'BEGIN;\nCREATE TABLE w2 (id int);\nSELECT 1/0;\nCOMMIT;\n',
      '0002_ctx.sql': `CREATE FUNCTION boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1/0; END $$;\n\nSELECT boom();\n`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('0001_wrapped_fail.sql:3: ERROR 22012: division by zero');
    expect(r.stdout + r.stderr).toContain('    3 | SELECT 1/0');
    await writeFile(join(dir, '0001_wrapped_fail.sql'), 'SELECT 1;\n');
    const again = await run(['repair'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(again.code).toBe(0);
    const r2 = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r2.code).toBe(1);
    expect(r2.stdout + r2.stderr).toContain('0002_ctx.sql:3: ERROR 22012: division by zero');
    expect(r2.stdout + r2.stderr).toContain('CONTEXT: PL/pgSQL function boom() line 1 at RETURN');
    const rows = await history();
    expect(rows.find((h) => h.filename === '0002_ctx.sql')?.error_message).toContain('CONTEXT: PL/pgSQL function boom() line 1 at RETURN');
    const failed = jsonLines((await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir })).stdout).find((e) => e.event === 'migration.failed');
    expect(failed).toMatchObject({ file: '0002_ctx.sql', line: 3, sqlstate: '22012' });
  });

  it('a no-transaction file: file:line of the statement that failed', async () => {
    const dir = await writeMigrations({ '0001_nt.sql': '-- pgshift:no-transaction\nCREATE TABLE n (id int);\n\nSELECT 1/0;\n' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('0001_nt.sql:4: ERROR 22012: division by zero');
  });
});
