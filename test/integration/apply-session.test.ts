// What a file runs under: MIGRATION_LOCK_TIMEOUT in every mode (a SET LOCAL with the file's BEGIN, or
// for the session of a no-transaction file), and the session the run started with whatever the file
// before it changed — also when only a function it called changed it. The built CLI against real
// PostgreSQL; what the files saw is read from tables they filled.
import { beforeEach, describe, expect, it } from 'vitest';
import { writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const seen = (table: string) => db.query<{ lt: string; sp: string }>(`SELECT lt, sp FROM public.${table}`);
const SEES = "SELECT current_setting('lock_timeout') AS lt, current_setting('search_path') AS sp";
const DEFAULT_PATH = '"$user", public';

describe('MIGRATION_LOCK_TIMEOUT', () => {
  it('governs a file in its transaction, a wrapped file (its own BEGIN with options kept) and a no-transaction file', async () => {
    const dir = await writeMigrations({
      '0001_tx.sql': `CREATE TABLE public.tx AS ${SEES};`,
      '0002_wrapped.sql': `BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE public.wrapped AS ${SEES}, current_setting('transaction_isolation') AS iso;\nCOMMIT;\n`,
      '0003_notx.sql': `-- pgshift:no-transaction\nCREATE TABLE public.notx AS ${SEES};\nCREATE TABLE public.notx2 AS ${SEES};\n`,
    });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '1500ms' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const t of ['tx', 'wrapped', 'notx', 'notx2']) expect(await seen(t), t).toEqual([{ lt: '1500ms', sp: DEFAULT_PATH }]);
    expect(await db.query('SELECT iso FROM public.wrapped')).toEqual([{ iso: 'serializable' }]);
  });

  it('--single-transaction: governs every file, also after a file that changed the session', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': `SET search_path = pg_catalog;\nCREATE TABLE public.a AS ${SEES};`,
      '0002_b.sql': `CREATE TABLE public.b AS ${SEES};`,
    });
    const r = await run(['--single-transaction'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '1500ms' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await seen('a')).toEqual([{ lt: '1500ms', sp: 'pg_catalog' }]);
    expect(await seen('b')).toEqual([{ lt: '1500ms', sp: DEFAULT_PATH }]);
  });

  it('unset: files see the server default', async () => {
    const dir = await writeMigrations({ '0001_tx.sql': `CREATE TABLE public.tx AS ${SEES};` });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await seen('tx')).toEqual([{ lt: '0', sp: DEFAULT_PATH }]);
  });
});

describe('the session each file starts with', () => {
  const CHANGERS: Record<string, string> = {
    'a function called by SELECT': "SELECT set_config('search_path', 'pg_catalog', false);",
    'a DO block': "DO $$ BEGIN PERFORM set_config('search_path', 'pg_catalog', false); END $$;",
    'a trigger fired by an INSERT': `CREATE TABLE public.x (id int);
CREATE FUNCTION public.x_set() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('search_path', 'pg_catalog', false); RETURN NEW; END $$;
CREATE TRIGGER x_set BEFORE INSERT ON public.x FOR EACH ROW EXECUTE FUNCTION public.x_set();
INSERT INTO public.x VALUES (1);`,
    'SET after a comment': '/* why */ SET search_path = pg_catalog;',
  };
  for (const [how, sql] of Object.entries(CHANGERS)) {
    it(`is reset after ${how} changed it`, async () => {
      const dir = await writeMigrations({ '0001_a.sql': sql, '0002_b.sql': `CREATE TABLE public.b AS ${SEES};` });
      const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await seen('b')).toEqual([{ lt: '0', sp: DEFAULT_PATH }]);
    });
  }
});

describe('--single-transaction and the migration lock', () => {
  it('a file that released the lock out of sight: checked before COMMIT, everything rolled back (exit 1)', async () => {
    const dir = await writeMigrations({
      '0001_a.sql': `CREATE TABLE public.a (id int);\nDO $$ BEGIN EXECUTE 'SELECT pg_advisory_' || 'unlock_all()'; END $$;\n`,
      '0002_b.sql': 'CREATE TABLE public.b (id int);',
    });
    const r = await run(['--single-transaction'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('--single-transaction: the migration lock was released while it ran');
    expect(await db.query(`SELECT to_regclass('public.a') AS a, to_regclass('public.b') AS b`)).toEqual([{ a: null, b: null }]);
    expect(await db.query('SELECT filename, success FROM public.schema_migrations')).toEqual([{ filename: '0002_b.sql', success: false }]);
  });
});
