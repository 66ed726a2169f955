// Folders laid out the way other tools write them apply as they are: golang-migrate's .up.sql/.down.sql
// pairs, diesel's dashed versions and folder per migration (up.sql), Prisma's folder per migration,
// postgrator's .do./.undo. files, graphile-migrate's committed files, a sqitch project's plan.
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

  it('postgrator: NNN.do.name.sql applied in version order, NNN.undo.name.sql never', async () => {
    const dir = await writeMigrations({
      '001.do.create-log.sql': 'CREATE TABLE log (n int);',
      '001.undo.create-log.sql': 'DROP TABLE log;',
      '002.do.sql': 'INSERT INTO log VALUES (2);',
      '002.undo.sql': 'DELETE FROM log;',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(applied(r.stdout)).toEqual(['001.do.create-log.sql', '002.do.sql']);
    expect(jsonLines(r.stdout).find((e) => e.event === 'source.ignored')).toMatchObject({ count: 2 });
    expect(await db.query('SELECT n FROM log')).toEqual([{ n: 2 }]);
  });

  it('graphile-migrate: committed files (header comments kept) in number order; `--! no-transaction` runs the file outside a transaction', async () => {
    const dir = await writeMigrations({
      '000001.sql': '--! Previous: -\n--! Hash: sha1:0000000000000000000000000000000000000000\n\nCREATE TABLE log (n int);\n',
      '000002-add-index.sql': '--! Previous: sha1:0000000000000000000000000000000000000000\n--! Hash: sha1:1111111111111111111111111111111111111111\n\n--! no-transaction\nINSERT INTO log VALUES (1);\nINSERT INTO log VALUES (2);\n',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonLines(r.stdout).filter((e) => e.event === 'migration.start').map((e) => [e.mode, e.reason])).toEqual([
      ['transaction', 'default: whole file in one transaction'],
      ['no-transaction', '-- pgshift:no-transaction directive'],
    ]);
    expect(applied(r.stdout)).toEqual(['000001.sql', '000002-add-index.sql']);
    expect(await db.query('SELECT n FROM log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('sqitch: the plan\'s deploy scripts in plan order (not name order), each wrapping itself in BEGIN … COMMIT; revert and verify scripts never run', async () => {
    const plan = '%syntax-version=1.0.0\n%project=app\n\nzeta 2024-01-01T00:00:00Z M <m@example.com>\nalpha [zeta] 2024-01-02T00:00:00Z M <m@example.com>\n';
    const dir = await writeMigrations({
      'sqitch.conf': '[core]\n\tengine = pg\n',
      'sqitch.plan': plan,
      'deploy/zeta.sql': '-- Deploy app:zeta to pg\n\nBEGIN;\nCREATE TABLE log (n int);\nCOMMIT;\n',
      'deploy/alpha.sql': '-- Deploy app:alpha to pg\n\nBEGIN;\nINSERT INTO log VALUES (1);\nCOMMIT;\n',
      'revert/zeta.sql': 'DROP TABLE log;\n',
      'revert/alpha.sql': 'DELETE FROM log;\n',
      'verify/zeta.sql': 'SELECT 1/0;\n',
      'verify/alpha.sql': 'SELECT 1/0;\n',
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(applied(r.stdout)).toEqual(['0001_zeta/deploy.sql', '0002_alpha/deploy.sql']);
    expect(await db.query('SELECT n FROM log')).toEqual([{ n: 1 }]);
    const again = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(again.code).toBe(0);
    expect(applied(again.stdout)).toEqual([]);
  });

  it('sqitch: a plan sqitch would not read, a change without its deploy script, or a file beside the plan stops the run before anything is applied', async () => {
    const dir = await writeMigrations({ 'sqitch.plan': '%project=app\n\nzeta 2024-01-01T00:00:00Z M <m@example.com>\nalpha 2024-01-02T00:00:00Z M <m@example.com>\n', 'deploy/zeta.sql': 'CREATE TABLE log (n int);\n' });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('sqitch.plan plans alpha (change 2), but deploy/alpha.sql does not exist');
    expect(await db.query(`SELECT to_regclass('log') IS NULL AS none`)).toEqual([{ none: true }]);
    const bad = await writeMigrations({ 'sqitch.plan': '%project=app\nzeta 2024-01-01T00:00:00Z M <m@example.com>\n' });
    const refused = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: bad });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('sqitch.plan: line 2: invalid pragma; a blank line must come between pragmas and changes');
    const beside = await writeMigrations({ 'sqitch.plan': '%project=app\n\nzeta 2024-01-01T00:00:00Z M <m@example.com>\n', 'deploy/zeta.sql': 'CREATE TABLE log (n int);\n', '20250101000000_more.sql': 'SELECT 1;\n' });
    const mixed = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: beside });
    expect(mixed.code).not.toBe(0);
    expect(mixed.stdout + mixed.stderr).toContain('20250101000000_more.sql: beside sqitch.plan, where pgshift applies the plan\'s changes only');
  });
});
