// The server goes away mid-run (fast shutdown: SIGINT to the postmaster; immediate: SIGQUIT). The
// runner must exit 4 (retryable: the Job backs off and runs again) with a clear message, leave
// nothing half-recorded, and the next run must complete.
import { beforeEach, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { CONTROLLED_SLEEP, history, runnerBackend, setSleep, sleep, waitFor } from './lib.js';

let server: TestServer;
let db: TestDatabase;

beforeEach(async () => {
  // synchronous_commit on (the suite's servers turn it off for speed): an immediate shutdown loses
  // the WAL buffers, and with them commits that were reported done. fsync may stay off: the OS keeps
  // written WAL when only the server process dies.
  server = await startServer({ settings: { synchronous_commit: 'on' } });
  db = await createDatabase(server.url);
  return () => server.destroy();
});

async function immediateShutdown(s: TestServer): Promise<void> {
  const pid = s.pid();
  if (!pid) throw new Error('server not running');
  process.kill(pid, 'SIGQUIT');
  await waitFor('the postmaster to exit', async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

const FILES = {
  '0001_a.sql': 'CREATE TABLE a (id int);',
  '0002_slow.sql': `CREATE TABLE slow (id int);\n${CONTROLLED_SLEEP}\nINSERT INTO slow VALUES (1);`,
  '0003_c.sql': 'CREATE TABLE c (id int);',
};

describe.each([
  ['fast shutdown (SIGINT)', (s: TestServer) => s.stop()],
  ['immediate shutdown (SIGQUIT)', immediateShutdown],
])('the server stops during a transactional migration: %s', (mode, stopServer) => {
  it('exits 4 with a clear message, records nothing of the file, and the re-run applies it once', async () => {
    await setSleep(db, 60);
    const dir = await writeMigrations(FILES);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '3s' };
    const child = spawnCli([], env);
    const done = collect(child);
    await runnerBackend(db, '%pg_sleep%');
    const stoppedAt = Date.now();
    await stopServer(server);
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    console.info(`${mode}: the runner exited 4 ${Date.now() - stoppedAt} ms after the stop began`);
    const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
    expect(String((failed?.err as { message: string }).message)).toMatch(/^lost the connection to the database while applying 0002_slow\.sql: .+ Run again\.$/s);
    expect(jsonLines(r.stdout).some((e) => e.event === 'migration.failed')).toBe(false);

    await server.start();
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([['0001_a.sql', true]]);
    expect(await db.query(`SELECT to_regclass('slow') AS t`)).toEqual([{ t: null }]);

    await setSleep(db, 0);
    const again = await runCli([], env);
    expect(again.code, again.stdout).toBe(0);
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([
      ['0001_a.sql', true],
      ['0002_slow.sql', true],
      ['0003_c.sql', true],
    ]);
    expect(await db.query('SELECT id FROM slow')).toEqual([{ id: 1 }]);
    expect((await runCli([], env)).code).toBe(0);
  });
});

describe('the server stops at other moments', () => {
  it('while the runner waits for the migration lock: exit 4, not an internal error', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '3s' };
    expect((await runCli(['wait'], env)).code).toBe(0);
    // Another runner's lock, held by a plain session: the same key pgshift derives.
    const { lockKey } = await import('../../src/apply/lock.js');
    const holder = await db.connect();
    holder.on('error', () => {});
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
    const child = spawnCli([], env);
    const done = collect(child);
    await waitFor('lock.wait', async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgshift@%'`)).length > 0);
    await sleep(700);
    await server.stop();
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain('lost the connection to the database while running up');
    expect(r.stdout).not.toContain('internal error');
  });

  it('during a no-transaction file: exit 4, then the re-run reports it unfinished with the remedy (exit 6)', async () => {
    await setSleep(db, 60);
    const dir = await writeMigrations({ '0001_nt.sql': `-- pgshift:no-transaction\nCREATE TABLE nt (id int);\n${CONTROLLED_SLEEP}\nCREATE INDEX CONCURRENTLY nt_id ON nt (id);` });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '3s' };
    const child = spawnCli([], env);
    const done = collect(child);
    await runnerBackend(db, '%pg_sleep%');
    await server.stop();
    expect((await done).code).toBe(4);
    await server.start();
    const again = await runCli([], env);
    expect(again.code).toBe(6);
    expect(again.stdout).toMatch(/unfinished: 0001_nt\.sql is a no-transaction file whose run stopped midway.*pgshift repair/);
  });
});
