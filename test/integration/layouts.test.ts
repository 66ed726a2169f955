// Folders laid out the way other tools write them apply as they are: golang-migrate's .up.sql/.down.sql
// pairs, diesel's dashed versions and folder per migration (up.sql), Prisma's folder per migration.
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const applied = (stdout: string) => jsonLines(stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);

describe('other tools\' layouts', () => {
  it('golang-migrate: applies *.up.sql in order and passes over *.down.sql', async () => {
    const dir = await writeMigrations({
      '000001_create_users.up.sql': 'CREATE TABLE users (id int);',
      '000001_create_users.down.sql': 'DROP TABLE users;',
      '000002_add_email.up.sql': 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCOMMIT;',
      '000002_add_email.down.sql': 'ALTER TABLE users DROP COLUMN email;',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(applied(r.stdout)).toEqual(['000001_create_users.up.sql', '000002_add_email.up.sql']);
    expect(jsonLines(r.stdout).find((e) => e.event === 'source.ignored')).toMatchObject({ count: 2 });
    expect(await db.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users'`)).toEqual([{ n: 2 }]);
  });

  it('diesel: a folder per migration with a dashed version, up.sql applied, down.sql passed over', async () => {
    const dir = await writeMigrations({
      '00000000000000_diesel_initial_setup/up.sql': 'CREATE FUNCTION noop() RETURNS void LANGUAGE sql AS $$ SELECT $$;',
      '00000000000000_diesel_initial_setup/down.sql': 'DROP FUNCTION noop();',
      '2020-01-01-000000_create_posts/up.sql': 'CREATE TABLE posts (id int);',
      '2020-01-01-000000_create_posts/down.sql': 'DROP TABLE posts;',
      'notes/README.sql': 'SELECT 1;',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(applied(r.stdout)).toEqual(['00000000000000_diesel_initial_setup/up.sql', '2020-01-01-000000_create_posts/up.sql']);
    expect((await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir })).code).toBe(0);
  });

  it('Prisma: a folder per migration holding migration.sql', async () => {
    const dir = await writeMigrations({
      '20240101120000_init/migration.sql': '-- CreateTable\nCREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n',
      '20240102120000_add_name/migration.sql': 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
      'migration_lock.toml': 'provider = "postgresql"\n',
    });
    const r = await runCli(['--list'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.stdout).toContain('  • 20240101120000_init/migration.sql\n  • 20240102120000_add_name/migration.sql\n');
    expect((await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir })).code).toBe(0);
    expect(await db.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'User'`)).toEqual([{ n: 2 }]);
  });
});
