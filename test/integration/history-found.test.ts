// A first run never starts a fresh history over an existing one (#12): when the configured history
// table does not exist, pgshift looks for the histories it knows, adopts the earlier script's
// kb.schema_migrations without being told, and refuses (exit 6, nothing applied) over anything else
// until the user imports it, names it, or says HISTORY=new.
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, writeMigrations } from '../helpers/cli.js';
import { adminUrl, withClient, type TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';
import { lockKey } from '../../src/apply/lock.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
/** The earlier script's table, as it created it (docs/DATABASE_MIGRATIONS.md "Adopting the earlier system's kb.schema_migrations"). */
const EARLIER = 'CREATE TABLE kb.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64), execution_time_ms INTEGER, success BOOLEAN NOT NULL DEFAULT TRUE, error_message TEXT)';
/** Flyway 10's table (see test/integration/import.test.ts for its source). */
const FLYWAY = `CREATE TABLE public.flyway_schema_history (installed_rank INT NOT NULL, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL, CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank))`;

const FILES = {
  '0001_a.sql': 'CREATE TABLE a (id int);\r\nINSERT INTO a VALUES (1);\r\n',
  '0002_b.sql': 'INSERT INTO a VALUES (2);',
  '0003_c.sql': 'INSERT INTO a VALUES (3);',
  '0004_d.sql': 'INSERT INTO a VALUES (4);',
  '0005_e.sql': 'INSERT INTO a VALUES (5);',
};

/** The earlier script's history in every state it writes: success with a raw-bytes checksum of a CRLF file, a NULL checksum, a failure. */
async function earlierScriptApplied(): Promise<void> {
  await db.query('CREATE SCHEMA kb');
  await db.query(EARLIER);
  await db.query(FILES['0001_a.sql'] + FILES['0002_b.sql'] + 'INSERT INTO a VALUES (3);');
  await db.query('INSERT INTO kb.schema_migrations (filename, checksum, execution_time_ms) VALUES ($1, $2, 7), ($3, NULL, NULL), ($4, $5, 3)', ['0001_a.sql', sha(FILES['0001_a.sql']), '0002_b.sql', '0003_c.sql', sha(FILES['0003_c.sql'])]);
  await db.query(`INSERT INTO kb.schema_migrations (filename, checksum, execution_time_ms, success, error_message) VALUES ('0004_d.sql', $1, 2, false, 'relation "x" does not exist')`, [sha(FILES['0004_d.sql'])]);
}

/** Runs `fn` with the URL of a new login role that may use schema public only (dropped after). */
async function asRoleOnPublic(fn: (url: string) => Promise<void>): Promise<void> {
  const role = `app_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await withClient(adminUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`));
  try {
    await db.query(`GRANT ALL ON SCHEMA public TO ${role}`);
    const u = new URL(db.url);
    u.username = role;
    u.password = password;
    await fn(u.toString());
  } finally {
    await db.query(`DROP OWNED BY ${role}`);
    await withClient(adminUrl(), (c) => c.query(`DROP ROLE ${role}`));
  }
}

const applied = (stdout: string) => jsonLines(stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);
const tables = async () => (await db.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).map((r) => r.t);
const values = async () => (await db.query<{ id: number }>('SELECT id FROM a ORDER BY id')).map((r) => r.id);

describe("the earlier script's kb.schema_migrations", () => {
  it('is adopted with zero configuration: one line says so, nothing applied is applied again, no public.schema_migrations', async () => {
    await earlierScriptApplied();
    const dir = await writeMigrations(FILES);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };

    const list = await run(['--list', '--json'], env);
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ plan: { applied: [{ file: '0001_a.sql' }, { file: '0002_b.sql' }, { file: '0003_c.sql' }], pending: [{ file: '0004_d.sql' }, { file: '0005_e.sql' }] } });

    const r = await run([], { ...env, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.includes('adopted'))).toEqual(['history table kb.schema_migrations adopted (written by the earlier script)']);
    expect(r.stdout.split('\n').filter((l) => l === 'migration lock acquired')).toHaveLength(1);
    expect(r.stdout).not.toContain('created');
    expect(await values()).toEqual([1, 2, 3, 4, 5]);
    expect(await tables()).toEqual(['kb.schema_migrations', 'public.a']);
    expect(await db.query('SELECT filename, success FROM kb.schema_migrations ORDER BY filename')).toEqual(['0001_a.sql', '0002_b.sql', '0003_c.sql', '0004_d.sql', '0005_e.sql'].map((filename) => ({ filename, success: true })));

    const again = await run([], env);
    expect(again.code, again.stdout).toBe(0);
    expect(applied(again.stdout)).toEqual([]);
    expect(jsonLines(again.stdout).find((e) => e.event === 'history.adopted')).toMatchObject({ table: 'kb.schema_migrations', by: 'earlier-script' });
    expect(jsonLines(again.stdout).find((e) => e.event === 'run.summary')).toMatchObject({ applied: 0, totalApplied: 5 });
  });

  it('is locked under its own key too: a runner that names it (MIGRATIONS_SCHEMA=kb) and one that finds it never apply at once', async () => {
    await earlierScriptApplied();
    const holder = await db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('kb', 'schema_migrations').toString()]);
      const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOCK_TIMEOUT: '1s' });
      expect(r.code, r.stdout).toBe(5);
      expect(await values()).toEqual([1, 2, 3]);
    } finally {
      await holder.end();
    }
  });

  it('is not taken when MIGRATIONS_SCHEMA names another schema: exit 6 with the setting that uses it, nothing created', async () => {
    await earlierScriptApplied();
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_SCHEMA: 'app', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("the history table app.schema_migrations does not exist, but the database holds a migration history: kb.schema_migrations (the earlier script's history); nothing was applied");
    expect(r.stdout + r.stderr).toContain('kb.schema_migrations: to keep using it, set MIGRATIONS_SCHEMA=kb');
    expect(r.stdout + r.stderr).toContain('set HISTORY=new');
    expect(await tables()).toEqual(['kb.schema_migrations', 'public.a']);
    expect(await values()).toEqual([1, 2, 3]);
  });

  it('MIGRATIONS_SCHEMA=KB folds to kb as PostgreSQL folds an unquoted name; "KB" in double quotes is another schema', async () => {
    await earlierScriptApplied();
    const dir = await writeMigrations(FILES);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_SCHEMA: 'KB' });
    expect(r.code, r.stdout).toBe(0);
    expect(applied(r.stdout)).toEqual(['0004_d.sql', '0005_e.sql']);
    expect(await db.query(`SELECT nspname FROM pg_namespace WHERE lower(nspname) = 'kb'`)).toEqual([{ nspname: 'kb' }]);
    // The quoted name is kept as written: a schema "KB" with no history in it, next to kb's: refused.
    const quoted = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_SCHEMA: '"KB"', LOG_FORMAT: 'text' });
    expect(quoted.code, quoted.stdout).toBe(6);
    expect(quoted.stdout + quoted.stderr).toContain('the history table KB.schema_migrations does not exist');
  });

  it('a misspelt MIGRATION_SCHEMA gets a warning naming MIGRATIONS_SCHEMA', async () => {
    await earlierScriptApplied();
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATION_SCHEMA: 'kb', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout + r.stderr).toContain('MIGRATION_SCHEMA is not a pgshift setting and is ignored; did you mean MIGRATIONS_SCHEMA?');
    expect(await values()).toEqual([1, 2, 3, 4, 5]);
  });

  it('a role that may not read kb: exit 3 with the grant, nothing applied or created', async () => {
    await earlierScriptApplied();
    await asRoleOnPublic(async (url) => {
      const r = await run([], { DATABASE_URL: url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
      expect(r.code, r.stdout).toBe(3);
      expect(r.stdout + r.stderr).toContain("kb.schema_migrations (the earlier script's history) exists but the role may not read it; GRANT USAGE ON SCHEMA kb");
      expect(await tables()).toEqual(['kb.schema_migrations', 'public.a']);
      expect(await values()).toEqual([1, 2, 3]);
    });
  });
});

describe("another tool's history", () => {
  it("Flyway's table: exit 6 naming the table, the tool and the import command; nothing applied, nothing created", async () => {
    await db.query(FLYWAY);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("the history table public.schema_migrations does not exist, but the database holds a migration history: public.flyway_schema_history (Flyway's history); nothing was applied");
    expect(r.stdout + r.stderr).toContain('public.flyway_schema_history: to carry its applied migrations over without running them, run: pgshift import --from flyway');
    expect(await tables()).toEqual(['public.flyway_schema_history']);
    // The read-only commands say the same; `await` does not wait for a history that will never come.
    for (const args of [['--list'], ['--dry-run'], ['validate'], ['await']]) expect((await run(args, { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) })).code).toBe(6);
  });

  it('HISTORY=new starts a new history anyway, with a warning naming what it found', async () => {
    await db.query(FLYWAY);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), HISTORY: 'new', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout + r.stderr).toContain("HISTORY=new: starting a new history public.schema_migrations although public.flyway_schema_history (Flyway's history) exists");
    expect(await values()).toEqual([1, 2, 3, 4, 5]);
  });

  it("golang-migrate's schema_migrations where pgshift's would be: exit 6 with the import command under another table name", async () => {
    // golang-migrate v4 database/postgres/postgres.go ensureVersionTable.
    await db.query('CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    await db.query('INSERT INTO public.schema_migrations VALUES (3, false)');
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("public.schema_migrations is golang-migrate's history table (columns version, dirty), not pgshift's; nothing was applied; to carry its applied migrations over without running them, run: MIGRATIONS_TABLE=pgshift_migrations pgshift import --from golang-migrate");
    expect(await tables()).toEqual(['public.schema_migrations']);
  });

  it('two histories: exit 6 listing both with what to do for each', async () => {
    await earlierScriptApplied();
    await db.query(FLYWAY);
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("the database holds 2 migration histories: kb.schema_migrations (the earlier script's history), public.flyway_schema_history (Flyway's history)");
    expect(r.stdout + r.stderr).toContain('kb.schema_migrations: to keep using it, set MIGRATIONS_SCHEMA=kb');
    expect(r.stdout + r.stderr).toContain('public.flyway_schema_history: to carry its applied migrations over without running them, run: pgshift import --from flyway');
    expect(await values()).toEqual([1, 2, 3]);
  });

  it("sqitch's registry in a schema the role may not use: the run says so next to the import command (exit 6), and the import names the grant (exit 3)", async () => {
    // sqitch 1.3.1 lib/App/Sqitch/Engine/pg.sql, the columns detection reads.
    await db.query('CREATE SCHEMA sqitch');
    await db.query('CREATE TABLE sqitch.changes (change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL, project TEXT NOT NULL, note TEXT NOT NULL DEFAULT \'\', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())');
    await asRoleOnPublic(async (url) => {
      const env = { DATABASE_URL: url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' };
      const r = await run([], env);
      expect(r.code, r.stdout).toBe(6);
      expect(r.stdout + r.stderr).toContain('sqitch.changes: to carry its applied migrations over without running them, run: pgshift import --from sqitch (the role may not read it: GRANT USAGE ON SCHEMA sqitch and SELECT ON sqitch.changes to it first)');
      const imported = await run(['import', '--from', 'sqitch'], env);
      expect(imported.code, imported.stdout + imported.stderr).toBe(3);
      expect(imported.stdout + imported.stderr).toContain('import: the role may not read sqitch.changes; GRANT USAGE ON SCHEMA sqitch and SELECT ON sqitch.changes to it');
      expect(await tables()).toEqual(['sqitch.changes']);
    });
  });

  it("pgshift's own history in another schema under another name: exit 6 with both settings", async () => {
    await db.query('CREATE SCHEMA ops');
    await db.query(EARLIER.replace('kb.schema_migrations', 'ops.migration_log'));
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain("ops.migration_log: to keep using it, set MIGRATIONS_SCHEMA=ops MIGRATIONS_TABLE=migration_log");
  });
});

describe('tables that merely share a name', () => {
  it('a schema_migrations with other columns in another schema is not a history: a new one is created and every file applied', async () => {
    await db.query('CREATE SCHEMA other');
    await db.query('CREATE TABLE other.schema_migrations (id int, name text, run_at timestamptz)');
    await db.query('CREATE TABLE public.pgmigrations (id int, note text)');
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r.code, r.stdout).toBe(0);
    expect(applied(r.stdout)).toEqual(Object.keys(FILES));
  });

  it('as the configured table itself: exit 6, it is not a history table, nothing applied', async () => {
    await db.query('CREATE TABLE public.schema_migrations (id int, name text, run_at timestamptz)');
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout + r.stderr).toContain('public.schema_migrations exists but has no filename column: it is not a migration history table');
    expect(await tables()).toEqual(['public.schema_migrations']);
  });
});

