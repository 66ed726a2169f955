// The runner end to end, as users run it: the built CLI spawned with environment variables against
// real PostgreSQL, asserting exit codes, output and the database afterwards.
import { beforeEach, describe, expect, it } from 'vitest';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, jsonLines, ROOT, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { untilActivity, type TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';

const { run, keep } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const history = (schema = 'public') => db.query<{ filename: string; success: boolean; error_message: string | null; checksum: string | null; execution_time_ms: number | null }>(`SELECT filename, success, error_message, checksum, execution_time_ms FROM ${schema}.schema_migrations ORDER BY id`);

describe('the sample migrations', () => {
  it('apply on a fresh database, then a re-run is a no-op', async () => {
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: join(ROOT, 'migrations'), MIGRATIONS_SCHEMA: 'kb' };
    const first = await run([], env);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const events = jsonLines(first.stdout);
    expect(events.filter((e) => e.event === 'migration.applied').map((e) => e.file)).toEqual([
      '0002_extraction_jobs.sql',
      '0003_integrations_system.sql',
      '0004_integration_source_tracking.sql',
      '0005_auto_extraction_and_notifications.sql',
      '0006_extraction_status_constraint.sql',
      '003_audit_log.sql',
      '004_object_expiration.sql',
      '20251018_add_extraction_progress_columns.sql',
    ]);
    const rows = await history('kb');
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.success && r.checksum?.length === 64 && r.execution_time_ms !== null)).toBe(true);
    const second = await run([], env);
    expect(second.code).toBe(0);
    expect(jsonLines(second.stdout).find((e) => e.event === 'run.summary')).toMatchObject({ applied: 0, totalApplied: 8 });
    expect(await history('kb')).toHaveLength(8);
  });
});

describe('failures', () => {
  it('a failing migration exits 1, keeps earlier files, records the failure, and the fixed file applies next run', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);\nINSERT INTO nope VALUES (1);\n',
      '0003_c.sql': 'CREATE TABLE c (id int);',
    });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const r = await run([], env);
    expect(r.code).toBe(1);
    const failed = jsonLines(r.stdout).find((e) => e.event === 'migration.failed');
    expect(failed).toMatchObject({ file: '0002_b.sql', sqlstate: '42P01' });
    expect(JSON.stringify(failed)).toContain('0002_b.sql:2:13: ERROR 42P01: relation \\"nope\\" does not exist');
    expect(await history()).toMatchObject([
      { filename: '0001_a.sql', success: true },
      { filename: '0002_b.sql', success: false },
    ]);
    expect((await history())[1]?.error_message).toContain('relation "nope" does not exist');
    expect(await db.query(`SELECT to_regclass('public.b') AS t`)).toEqual([{ t: null }]);

    await writeFile(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);\n');
    const fixed = await run([], env);
    expect(fixed.code).toBe(0);
    expect(await history()).toMatchObject([
      { filename: '0001_a.sql', success: true },
      { filename: '0002_b.sql', success: true, error_message: null },
      { filename: '0003_c.sql', success: true },
    ]);
  });

  it('a modified applied file stops the run before anything is applied (exit 6)', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await run([], env)).code).toBe(0);
    await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    await writeFile(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
    const r = await run([], env);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('modified: 0001_a.sql was applied with checksum');
    expect(r.stdout).toContain('pgshift repair');
    expect(await db.query(`SELECT to_regclass('public.b') AS t`)).toEqual([{ t: null }]);
    expect(await history()).toHaveLength(1);
  });

  it('accepts a CRLF/BOM checkout of an applied file as unchanged', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\nCREATE TABLE a2 (id int);\n' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await run([], env)).code).toBe(0);
    await writeFile(join(dir, '0001_a.sql'), '\uFEFFCREATE TABLE a (id int);\r\nCREATE TABLE a2 (id int);\r\n');
    const r = await run([], env);
    expect(r.code, r.stdout).toBe(0);
  });

  it('accepts history rows holding the earlier script raw-bytes checksum', async () => {
    const content = 'CREATE TABLE a (id int);\r\n';
    const dir = await writeMigrations({ '0001_a.sql': content });
    const { createHash } = await import('node:crypto');
    await db.query('CREATE TABLE public.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64), execution_time_ms INTEGER, success BOOLEAN NOT NULL DEFAULT TRUE, error_message TEXT)');
    await db.query('INSERT INTO public.schema_migrations (filename, checksum) VALUES ($1, $2)', ['0001_a.sql', createHash('sha256').update(content).digest('hex')]);
    const r = await run(['validate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
  });
});

describe('adopting the earlier system', () => {
  it('adopts an existing kb.schema_migrations with 2 rows without re-applying them', async () => {
    await db.query('CREATE SCHEMA kb');
    await db.query('CREATE TABLE kb.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64), execution_time_ms INTEGER, success BOOLEAN NOT NULL DEFAULT TRUE, error_message TEXT)');
    // The earlier script applied the first two by hand: their objects exist, so re-applying would fail.
    const dir = await mkdtemp(join(tmpdir(), 'pgshift-adopt-'));
    await cp(join(ROOT, 'migrations'), dir, { recursive: true });
    const { readFile } = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    for (const f of ['0002_extraction_jobs.sql', '0003_integrations_system.sql']) {
      const bytes = await readFile(join(dir, f));
      await db.query(bytes.toString());
      await db.query('INSERT INTO kb.schema_migrations (filename, checksum, execution_time_ms) VALUES ($1, $2, 12)', [f, createHash('sha256').update(bytes).digest('hex')]);
    }
    await db.query(`CREATE TABLE kb.marker (n int); INSERT INTO kb.marker VALUES (1)`);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_SCHEMA: 'kb' });
    expect(r.code, r.stdout).toBe(0);
    const applied = jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);
    expect(applied).toHaveLength(6);
    expect(applied).not.toContain('0002_extraction_jobs.sql');
    expect(await history('kb')).toHaveLength(8);
    expect(await db.query('SELECT id FROM kb.schema_migrations WHERE filename = $1', ['0002_extraction_jobs.sql'])).toEqual([{ id: 1 }]);
  });

  it('adds missing columns to an older history table instead of recreating it', async () => {
    await db.query('CREATE TABLE public.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW())');
    await db.query(`INSERT INTO public.schema_migrations (filename) VALUES ('0001_a.sql')`);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    // Read-only commands read the older table as it is, without altering it.
    for (const args of [['--list'], ['--dry-run'], ['validate']]) {
      const ro = await run([...args, '--json'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(ro.code, ro.stdout + ro.stderr).toBe(0);
      expect(JSON.parse(ro.stdout)).toMatchObject({ plan: { applied: [{ file: '0001_a.sql' }], pending: [{ file: '0002_b.sql' }] } });
    }
    expect(await db.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'schema_migrations'`)).toEqual([{ n: 3 }]);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(jsonLines(r.stdout).find((e) => e.event === 'history.adopted')).toMatchObject({ addedColumns: 'checksum,execution_time_ms,success,error_message' });
    expect(await history()).toMatchObject([{ filename: '0001_a.sql', success: true, checksum: null }, { filename: '0002_b.sql', success: true }]);
  });
});

describe('concurrency', () => {
  it('10 runners started at once apply every file exactly once, and all exit 0', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 20; i++) files[`${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id int);\nSELECT pg_sleep(0.02);\nINSERT INTO applied_log VALUES (${i});`;
    files['0000_log.sql'] = 'CREATE TABLE applied_log (n int);';
    const dir = await writeMigrations(files);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const results = await Promise.all(Array.from({ length: 10 }, () => run([], env)));
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(await db.query('SELECT count(*)::int AS n, count(DISTINCT n)::int AS d FROM applied_log')).toEqual([{ n: 20, d: 20 }]);
    expect(await history()).toHaveLength(21);
    const appliedTotal = results.flatMap((r) => jsonLines(r.stdout).filter((e) => e.event === 'migration.applied')).length;
    expect(appliedTotal).toBe(21);
  });

  it('waits for the lock, names its holder, and gives up with exit 5 after LOCK_TIMEOUT', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const { lockKey } = await import('../../src/apply/lock.js');
    const holder = await db.connect();
    await holder.query(`SET application_name = 'held-by-test'`);
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
    try {
      const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '2s' });
      expect(r.code).toBe(5);
      expect(r.durationMs).toBeGreaterThanOrEqual(2000);
      const wait = jsonLines(r.stdout).find((e) => e.event === 'lock.wait');
      expect(wait?.holder).toMatchObject({ applicationName: 'held-by-test' });
      expect(r.stdout).toContain('held-by-test');
      expect(await db.query(`SELECT to_regclass('public.a') AS t`)).toEqual([{ t: null }]);
    } finally {
      await holder.end();
    }
  });

  it('uses a different lock for a different history table in the same database', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const { lockKey } = await import('../../src/apply/lock.js');
    const holder = await db.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
    try {
      const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_TABLE: 'other_history', LOCK_TIMEOUT: '2s' });
      expect(r.code).toBe(0);
    } finally {
      await holder.end();
    }
  });
});

describe('signals', () => {
  it('SIGTERM during a migration cancels it on the server, records nothing applied, releases the lock, exits 143', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(600);' });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    const done = collect(child);
    await waitForOutput(child, (o) => o.includes('"file":"0002_slow.sql"') && o.includes('migration.start'));
    await untilActivity(db, "wait_event = 'PgSleep'");
    child.kill('SIGTERM');
    // A ten-minute sleep: only a cancel on the server lets the run end (collect kills it after 3 min).
    const r = keep(await done);
    expect(r.code).toBe(143);
    expect(await db.query(`SELECT to_regclass('public.slow') AS t`)).toEqual([{ t: null }]);
    const rows = await history();
    expect(rows).toMatchObject([{ filename: '0001_a.sql', success: true }, { filename: '0002_slow.sql', success: false }]);
    expect(rows[1]?.error_message).toContain('interrupted by SIGTERM');
    // Only this test's database: other test files run in parallel on the same server.
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()`)).toEqual([{ n: 0 }]);
  });
});
