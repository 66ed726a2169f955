// `pgshift import --from TOOL` (#12 item 2): each tool's history table is created here with the DDL
// and rows the tool's own source writes (cited per tool), the files it applied are applied by hand
// as the tool would have; then import records them without running anything, and `pgshift` applies
// only the rest. Unclean histories (dirty, failed, unfinished, versions without a file) are refused
// with the fix, recording nothing. The tool's table is never changed.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';
import { flywayChecksum } from '../../src/tools/flyway.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const applied = (stdout: string) => jsonLines(stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);
const log = async () => (await db.query<{ n: number }>('SELECT n FROM log ORDER BY n')).map((r) => r.n);
const snapshot = (table: string) => db.query(`SELECT * FROM ${table}`).then((rows) => JSON.stringify(rows));
const pgshiftRows = (table = 'public.schema_migrations') => db.query<{ filename: string; success: boolean; execution_time_ms: number | null }>(`SELECT filename, success, execution_time_ms FROM ${table} ORDER BY id`);
const exists = async (table: string) => (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]))[0]?.t !== null;

/** Runs import (dry run first: it records nothing), then pgshift; returns what pgshift applied. */
async function importThenApply(tool: string, env: Record<string, string>): Promise<{ recorded: unknown; pending: unknown; applied: unknown[] }> {
  const dry = await run(['import', '--from', tool, '--dry-run', '--json'], env);
  expect(dry.code, dry.stdout + dry.stderr).toBe(0);
  const table = `${env.MIGRATIONS_SCHEMA ?? 'public'}.${env.MIGRATIONS_TABLE ?? 'schema_migrations'}`;
  expect(await exists(table)).toBe(false);
  const imported = await run(['import', '--from', tool, '--json'], env);
  expect(imported.code, imported.stdout + imported.stderr).toBe(0);
  const doc = JSON.parse(imported.stdout) as { recorded: unknown; pending: unknown; dryRun: boolean };
  expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, recorded: doc.recorded, pending: doc.pending });
  // Twice is harmless: nothing more to record.
  const again = await run(['import', '--from', tool, '--json'], env);
  expect(JSON.parse(again.stdout)).toMatchObject({ recorded: [], pending: doc.pending });
  const up = await run([], env);
  expect(up.code, up.stdout + up.stderr).toBe(0);
  return { recorded: doc.recorded, pending: doc.pending, applied: applied(up.stdout) };
}

describe('golang-migrate', () => {
  // golang-migrate v4 database/postgres/postgres.go (ensureVersionTable, SetVersion): one row, the
  // last version applied and whether it stopped partway.
  const DDL = 'CREATE TABLE public.schema_migrations (version bigint not null primary key, dirty boolean not null)';
  const FILES = {
    '1_log.up.sql': 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);',
    '1_log.down.sql': 'DROP TABLE log;',
    '2_two.up.sql': 'INSERT INTO log VALUES (2);',
    '2_two.down.sql': 'DELETE FROM log WHERE n = 2;',
    '3_three.up.sql': 'INSERT INTO log VALUES (3);',
  };

  it('imports up to its version under MIGRATIONS_TABLE=pgshift_migrations; pgshift then applies only the rest; its table is untouched', async () => {
    await db.query(DDL);
    await db.query(`${FILES['1_log.up.sql']}\n${FILES['2_two.up.sql']}\nINSERT INTO public.schema_migrations VALUES (2, false);`);
    const before = await snapshot('public.schema_migrations');
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_TABLE: 'pgshift_migrations' };
    const r = await importThenApply('golang-migrate', env);
    expect(r).toEqual({ recorded: ['1_log.up.sql', '2_two.up.sql'], pending: ['3_three.up.sql'], applied: ['3_three.up.sql'] });
    expect(await log()).toEqual([1, 2, 3]);
    expect(await pgshiftRows('public.pgshift_migrations')).toEqual([
      { filename: '1_log.up.sql', success: true, execution_time_ms: null },
      { filename: '2_two.up.sql', success: true, execution_time_ms: null },
      { filename: '3_three.up.sql', success: true, execution_time_ms: expect.any(Number) },
    ]);
    expect(await snapshot('public.schema_migrations')).toBe(before);
  });

  it('with the default table name (golang-migrate holds it): exit 6 with the command to run instead, nothing created', async () => {
    await db.query(DDL);
    await db.query('INSERT INTO public.schema_migrations VALUES (1, false)');
    const r = await run(['import', '--from', 'golang-migrate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('run: MIGRATIONS_TABLE=pgshift_migrations pgshift import --from golang-migrate');
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).toEqual([{ n: 1 }]);
  });

  it('dirty: refused with the force command, nothing recorded or created', async () => {
    await db.query(DDL);
    await db.query('INSERT INTO public.schema_migrations VALUES (2, true)');
    const r = await run(['import', '--from', 'golang-migrate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_TABLE: 'pgshift_migrations', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("golang-migrate's history is dirty at version 2");
    expect(r.stdout + r.stderr).toContain('force 2`');
    expect(r.stdout + r.stderr).toContain('nothing was recorded');
    expect(await exists('public.pgshift_migrations')).toBe(false);
  });

  it('a version with no file: refused, naming it', async () => {
    await db.query(DDL);
    await db.query('INSERT INTO public.schema_migrations VALUES (7, false)');
    const r = await run(['import', '--from', 'golang-migrate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_TABLE: 'pgshift_migrations', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('golang-migrate applied up to version 7, but MIGRATIONS_DIR has no file with that version');
    expect(await exists('public.pgshift_migrations')).toBe(false);
  });
});

describe('dbmate', () => {
  // dbmate pkg/driver/postgres/postgres.go: `create table if not exists schema_migrations (version
  // varchar(128) primary key)`; one row per applied file, its leading digits.
  const FILES = {
    '20240101000000_log.sql': '-- migrate:up\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n\n-- migrate:down\nDROP TABLE log;\n',
    '20240102000000_index.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY log_n ON log (n);\nINSERT INTO log VALUES (2);\n\n-- migrate:down\nDROP INDEX log_n;\nDELETE FROM log;\n',
    '20240103000000_three.sql': '-- migrate:up\nINSERT INTO log VALUES (3);\n-- migrate:down\nDELETE FROM log WHERE n = 3;\nDROP TABLE log;\n',
  };

  it('imports its versions; pgshift applies the rest, up part only (transaction:false honoured), never the down part', async () => {
    await db.query('CREATE TABLE schema_migrations (version varchar(128) primary key)');
    await db.query(`CREATE TABLE log (n int); INSERT INTO log VALUES (1); INSERT INTO schema_migrations VALUES ('20240101000000')`);
    const before = await snapshot('public.schema_migrations');
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_TABLE: 'pgshift_migrations' };
    const r = await importThenApply('dbmate', env);
    expect(r).toEqual({ recorded: ['20240101000000_log.sql'], pending: ['20240102000000_index.sql', '20240103000000_three.sql'], applied: ['20240102000000_index.sql', '20240103000000_three.sql'] });
    expect(await log()).toEqual([1, 2, 3]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'log_n'::regclass`)).toEqual([{ indisvalid: true }]);
    expect(await snapshot('public.schema_migrations')).toBe(before);
  });

  it('a version with no file: refused, naming it', async () => {
    await db.query('CREATE TABLE schema_migrations (version varchar(128) primary key)');
    await db.query(`INSERT INTO schema_migrations VALUES ('20240101000000'), ('20231231000000')`);
    const r = await run(['import', '--from', 'dbmate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_TABLE: 'pgshift_migrations', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('dbmate applied version 20231231000000, but MIGRATIONS_DIR has no file 20231231000000_name.sql');
  });
});

describe('goose', () => {
  // goose v3 internal/dialect/dialectquery/postgres.go CreateTable/InsertVersion: a row per up; the
  // table starts with version 0. Older releases add is_applied = false rows on down.
  const DDL = 'CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))';
  const FILES = {
    '00001_log.sql': '-- +goose Up\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n\n-- +goose Down\nDROP TABLE log;\n',
    '00002_two.sql': '-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION two() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 2; END; $$;\n-- +goose StatementEnd\nINSERT INTO log VALUES (two());\n-- +goose Down\nDROP FUNCTION two();\n',
    '00003_three.sql': '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY log_n ON log (n);\nINSERT INTO log VALUES (3);\n-- +goose Down\nDROP TABLE log;\n',
  };

  it('imports what its latest rows say is applied; pgshift applies the rest, up part only (NO TRANSACTION honoured)', async () => {
    await db.query(DDL);
    await db.query('CREATE TABLE log (n int); INSERT INTO log VALUES (1)');
    // 1 applied; 2 applied, then rolled back by an older goose (is_applied = false), so pending.
    await db.query('INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (2, false)');
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) };
    const r = await importThenApply('goose', env);
    expect(r).toEqual({ recorded: ['00001_log.sql'], pending: ['00002_two.sql', '00003_three.sql'], applied: ['00002_two.sql', '00003_three.sql'] });
    expect(await log()).toEqual([1, 2, 3]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'log_n'::regclass`)).toEqual([{ indisvalid: true }]);
  });

  it('a version with no file: refused', async () => {
    await db.query(DDL);
    await db.query('INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (9, true)');
    const r = await run(['import', '--from', 'goose'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('goose applied version 9, but MIGRATIONS_DIR has no file with that version');
    expect(await exists('public.schema_migrations')).toBe(false);
  });
});

describe('Prisma Migrate', () => {
  // prisma-engines schema-engine sql-schema-connector (postgres flavour, create_migrations_table):
  // the table as `prisma migrate deploy` creates it; checksum = SHA-256 hex of migration.sql.
  const DDL = `CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;
  const FILES = {
    '20240101000000_init/migration.sql': 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n',
    '20240102000000_two/migration.sql': 'INSERT INTO log VALUES (2);\n',
    '20240103000000_three/migration.sql': 'INSERT INTO log VALUES (3);\n',
  };
  const row = (id: string, name: string, checksum: string, finished: string | null, rolledBack: string | null = null) =>
    db.query(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, rolled_back_at, applied_steps_count) VALUES ($1, $2, $3, $4, $5, 1)`, [id, checksum, finished, name, rolledBack]);

  it('imports finished migrations whose checksum matches; a failed attempt rolled back and then applied counts once', async () => {
    await db.query(DDL);
    await db.query('CREATE TABLE log (n int); INSERT INTO log VALUES (1), (2)');
    await row('a', '20240101000000_init', sha(FILES['20240101000000_init/migration.sql']), '2024-01-01 10:00:00+00');
    await row('b', '20240102000000_two', sha(FILES['20240102000000_two/migration.sql']), null, '2024-01-02 10:00:00+00');
    await row('c', '20240102000000_two', sha(FILES['20240102000000_two/migration.sql']), '2024-01-02 11:00:00+00');
    const before = await snapshot('"_prisma_migrations"');
    const r = await importThenApply('prisma', { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r).toEqual({ recorded: ['20240101000000_init/migration.sql', '20240102000000_two/migration.sql'], pending: ['20240103000000_three/migration.sql'], applied: ['20240103000000_three/migration.sql'] });
    expect(await log()).toEqual([1, 2, 3]);
    expect(await snapshot('"_prisma_migrations"')).toBe(before);
  });

  it.each([
    ['unfinished (failed or running)', (c: string) => row('a', '20240101000000_init', c, null), 'Prisma started it and did not finish', 'npx prisma migrate resolve --applied 20240101000000_init'],
    ['rolled back and not applied since', (c: string) => row('a', '20240101000000_init', c, null, '2024-01-01 10:00:00+00'), 'rolled back in Prisma', 'npx prisma migrate deploy'],
    ['edited after it was applied', () => row('a', '20240101000000_init', sha('CREATE TABLE log (n bigint);\n'), '2024-01-01 10:00:00+00'), '20240101000000_init/migration.sql: Prisma recorded checksum', 'restore it as applied'],
  ])('%s: refused with the fix, nothing recorded', async (_what, setUp, message, fix) => {
    await db.query(DDL);
    await setUp(sha(FILES['20240101000000_init/migration.sql']));
    const r = await run(['import', '--from', 'prisma'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain(message);
    expect(r.stdout + r.stderr).toContain(fix);
    expect(await exists('public.schema_migrations')).toBe(false);
  });
});

describe('diesel', () => {
  // diesel_migrations migrations_internals/src/lib.rs version_from_string (dashes removed) and
  // diesel's __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on TIMESTAMP).
  it('imports by its dashed versions; pgshift applies the rest (up.sql only)', async () => {
    await db.query('CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)');
    await db.query(`CREATE TABLE log (n int); INSERT INTO log VALUES (1); INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000')`);
    const files = {
      '2024-01-01-000000_log/up.sql': 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);',
      '2024-01-01-000000_log/down.sql': 'DROP TABLE log;',
      '2024-01-02-000000_two/up.sql': 'INSERT INTO log VALUES (2);',
      '2024-01-02-000000_two/down.sql': 'DELETE FROM log;',
    };
    const r = await importThenApply('diesel', { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(files) });
    expect(r).toEqual({ recorded: ['2024-01-01-000000_log/up.sql'], pending: ['2024-01-02-000000_two/up.sql'], applied: ['2024-01-02-000000_two/up.sql'] });
    expect(await log()).toEqual([1, 2]);
  });
});

describe('node-pg-migrate', () => {
  // node-pg-migrate src/runner.ts ensureMigrationsTable (id SERIAL PRIMARY KEY, name varchar(255) NOT
  // NULL, run_on timestamp NOT NULL) and src/migration.ts markAsRun (the file name without extension).
  it('imports by file name; pgshift applies the rest, up part only', async () => {
    await db.query('CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)');
    await db.query(`CREATE TABLE log (n int); INSERT INTO log VALUES (1); INSERT INTO pgmigrations (name, run_on) VALUES ('1700000000000_log', NOW())`);
    const files = {
      '1700000000000_log.sql': '-- Up Migration\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n\n-- Down Migration\nDROP TABLE log;\n',
      '1700000000001_two.sql': '-- Up Migration\nINSERT INTO log VALUES (2);\n-- Down Migration\nDROP TABLE log;\n',
    };
    const r = await importThenApply('node-pg-migrate', { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(files) });
    expect(r).toEqual({ recorded: ['1700000000000_log.sql'], pending: ['1700000000001_two.sql'], applied: ['1700000000001_two.sql'] });
    expect(await log()).toEqual([1, 2]);
  });
});

describe('Flyway', () => {
  // flyway-core org/flywaydb/core/internal/database/postgresql/createMetaDataTable.sql (Flyway 5–9;
  // later releases create the same columns) and ChecksumCalculator.calculateChecksumForResource
  // (CRC32 of the lines without line breaks, BOM removed, as a Java int).
  const DDL = `CREATE TABLE "public"."flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL);
    ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
    CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success")`;
  const FILES = {
    'V1_0__log.sql': 'CREATE TABLE log (n int);\r\nINSERT INTO log VALUES (1);\r\n',
    'V1_1__two.sql': 'INSERT INTO log VALUES (2);\n',
    'V2__three.sql': 'INSERT INTO log VALUES (3);\n',
    'U2__three.sql': 'DELETE FROM log WHERE n = 3;\n',
  };
  const row = (rank: number, version: string | null, script: string, checksum: number | null, success = true, type = 'SQL') =>
    db.query(`INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, $3, $4, $5, $6, 'postgres', 12, $7)`, [rank, version, script.replace(/^V[\d_]+__|\.sql$/g, ''), type, script, checksum, success]);
  const crc = (name: keyof typeof FILES) => flywayChecksum(Buffer.from(FILES[name]));

  it('imports by version (1.1 from V1_1__), comparing its CRC32 checksums; pgshift applies the rest; its table is untouched', async () => {
    await db.query(DDL);
    await db.query('CREATE TABLE log (n int); INSERT INTO log VALUES (1), (2)');
    // Flyway applied it as V1__log.sql; renamed V1_0__ so that it sorts before V1_1__ by name too.
    await row(1, '1', 'V1__log.sql', crc('V1_0__log.sql'));
    await row(2, '1.1', 'V1_1__two.sql', crc('V1_1__two.sql'));
    const before = await snapshot('flyway_schema_history');
    const r = await importThenApply('flyway', { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r).toEqual({ recorded: ['V1_0__log.sql', 'V1_1__two.sql'], pending: ['V2__three.sql'], applied: ['V2__three.sql'] });
    expect(await log()).toEqual([1, 2, 3]);
    expect(await snapshot('flyway_schema_history')).toBe(before);
  });

  it('a BASELINE row counts every file up to its version as applied', async () => {
    await db.query(DDL);
    await db.query('CREATE TABLE log (n int); INSERT INTO log VALUES (1), (2)');
    await row(1, '1.1', '<< Flyway Baseline >>', null, true, 'BASELINE');
    const r = await importThenApply('flyway', { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r).toMatchObject({ recorded: ['V1_0__log.sql', 'V1_1__two.sql'], applied: ['V2__three.sql'] });
  });

  it.each([
    ['success = false', async () => row(1, '1', 'V1__log.sql', crc('V1_0__log.sql'), false), 'Flyway recorded V1__log.sql (version 1) as failed', '`flyway repair`'],
    ['a checksum the file no longer has', async () => row(1, '1', 'V1__log.sql', 12345), 'V1_0__log.sql: Flyway recorded checksum 12345, the file now has', 'restore it as applied'],
    ['a version without a file', async () => row(1, '0.9', 'V0_9__gone.sql', 1), 'Flyway applied version 0.9 (V0_9__gone.sql), but MIGRATIONS_DIR has no', 'restore it'],
  ])('%s: refused with the fix, nothing recorded', async (_what, setUp, message, fix) => {
    await db.query(DDL);
    await setUp();
    const r = await run(['import', '--from', 'flyway'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain(message);
    expect(r.stdout + r.stderr).toContain(fix);
    expect(await exists('public.schema_migrations')).toBe(false);
  });

  it('an R__ repeatable file is refused with a clear message before anything runs', async () => {
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({ ...FILES, 'R__views.sql': 'CREATE VIEW v AS SELECT 1;' }), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('R__views.sql: a Flyway repeatable migration (R__), which pgshift does not support yet');
    expect(await exists('public.log')).toBe(false);
  });

  it('V2__ and V10__ (name order is not version order): refused with the rename that keeps Flyway matching', async () => {
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({ 'V2__a.sql': 'SELECT 1;', 'V10__b.sql': 'SELECT 2;' }), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("V10__b.sql sorts before V2__a.sql by name but after it by Flyway's version");
    const same = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({ 'V1__a.sql': 'SELECT 1;', 'V1_1__b.sql': 'SELECT 2;' }), LOG_FORMAT: 'text' });
    expect(same.code, same.stdout).toBe(6);
    expect(same.stdout + same.stderr).toContain('V1__ → V1_0__ next to V1_1__');
  });
});

describe('usage', () => {
  it.each([
    [['import'], 2, 'import needs --from TOOL'],
    [['import', '--from', 'liquibase'], 2, '--from liquibase: pgshift imports the history of'],
    [['up', '--from', 'dbmate'], 2, '--from goes with `import`'],
  ])('%j → exit %i', async (args, code, message) => {
    const r = await run(args, { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': 'SELECT 1;' }), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout + r.stderr).toBe(code);
    expect(r.stdout + r.stderr).toContain(message);
  });

  it('no history of that tool: exit 6 naming what is there', async () => {
    await db.query('CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)');
    const r = await run(['import', '--from', 'goose'], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': 'SELECT 1;' }), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('import --from goose: no goose history table in this database; found: public.pgmigrations (node-pg-migrate)');
  });
});
