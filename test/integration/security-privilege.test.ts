// Least privilege: a login role that owns only its schema — not a superuser, no CREATEDB/CREATEROLE,
// not the database owner, no CREATE on public — runs every command. The grants are in
// docs/RELIABILITY.md ("Least privilege").
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let role: string;
let url: string;

beforeEach(async () => {
  db = await createDatabase();
  role = `app_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await withClient(adminUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE`));
  await db.query(`REVOKE ALL ON DATABASE ${db.name} FROM PUBLIC`);
  await db.query(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}`);
  await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC'); // PostgreSQL 15+ default; 13/14 grant it
  await db.query(`CREATE SCHEMA app AUTHORIZATION ${role}`);
  const u = new URL(db.url);
  u.username = role;
  u.password = password;
  url = u.toString();
});

afterEach(async () => {
  await db.drop();
  await withClient(adminUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

const FILES = {
  '0001_users.sql': 'CREATE TABLE app.users (id int PRIMARY KEY, email text);',
  '0002_index.sql': '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON app.users (email);',
  '0003_enum.sql': "CREATE TYPE app.mood AS ENUM ('ok');\nALTER TYPE app.mood ADD VALUE 'great';",
};

describe('a role that owns only its schema', () => {
  it('is what the test says it is: no superuser, no CREATEDB, not the database owner, no CREATE on public', async () => {
    const [r] = await db.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; owner: string; public_create: boolean }>(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, pg_get_userbyid(d.datdba) AS owner, has_schema_privilege($1, 'public', 'CREATE') AS public_create
         FROM pg_roles, pg_database d WHERE rolname = $1 AND d.datname = current_database()`,
      [role],
    );
    expect(r).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, owner: 'postgres', public_create: false });
  });

  it('runs up, status, plan, validate, baseline, repair, wait and await with MIGRATIONS_SCHEMA set to its schema', async () => {
    const dir = await writeMigrations(FILES);
    const env = { DATABASE_URL: url, MIGRATIONS_DIR: dir, MIGRATIONS_SCHEMA: 'app' };
    const up = await runCli([], env);
    expect(up.code, up.stdout).toBe(0);
    expect(jsonLines(up.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file)).toEqual(Object.keys(FILES));
    const [owner] = await db.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'app' AND tablename = 'schema_migrations'`);
    expect(owner?.owner).toBe(role);

    for (const command of [['status'], ['plan'], ['validate'], ['wait'], ['await']]) {
      const r = await runCli([...command, '--json'], env);
      expect(r.code, `${command[0]}: ${r.stdout}${r.stderr}`).toBe(0);
    }

    // baseline: a file adopted without running it.
    await writeFile(join(dir, '0004_adopted.sql'), 'CREATE TABLE app.already_there (id int);');
    const baseline = await runCli(['baseline', '--json'], env);
    expect(baseline.code, baseline.stdout).toBe(0);
    expect(JSON.parse(baseline.stdout)).toMatchObject({ recorded: ['0004_adopted.sql'] });

    // repair: an edited applied file, accepted by a human.
    await writeFile(join(dir, '0001_users.sql'), `${FILES['0001_users.sql']}\n-- reviewed`);
    expect((await runCli([], env)).code).toBe(6);
    const repair = await runCli(['repair', '--json'], env);
    expect(repair.code, repair.stdout).toBe(0);
    expect((await runCli([], env)).code).toBe(0);
  });

  it('with the default MIGRATIONS_SCHEMA (public, where it may not create) says what to grant or set: exit 3, not an internal error', async () => {
    const dir = await writeMigrations(FILES);
    const r = await runCli([], { DATABASE_URL: url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(3);
    expect(r.stderr).toContain('MIGRATIONS_SCHEMA: cannot create the history table public.schema_migrations (permission denied for schema public)');
    expect(r.stderr).toContain('GRANT CREATE ON SCHEMA public');
    expect(r.stdout + r.stderr).not.toContain('internal error');
  });

  it('with MIGRATIONS_SCHEMA set to a schema it may not even use: the same advice, exit 3, nothing created', async () => {
    await db.query('CREATE SCHEMA other');
    const r = await runCli([], { DATABASE_URL: url, MIGRATIONS_DIR: await writeMigrations(FILES), MIGRATIONS_SCHEMA: 'other', LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(3);
    expect(r.stderr).toContain('MIGRATIONS_SCHEMA: cannot create the history table other.schema_migrations (permission denied for schema other)');
    expect(r.stderr).toContain('GRANT CREATE ON SCHEMA other');
    expect(await db.query(`SELECT to_regclass('other.schema_migrations') AS t, to_regclass('app.users') AS u`)).toEqual([{ t: null, u: null }]);
  });
});
