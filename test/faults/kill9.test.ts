// kill -9 of the runner: no signal handler runs, no ROLLBACK is sent, no lock is released by us.
// What must hold anyway: the lock and the open transaction end with the session, the next run
// applies the file exactly once, and a no-transaction file that died midway is reported unfinished.
import { beforeEach, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { advisoryLockHolders, CONTROLLED_SLEEP, history, kill9, runnerBackend, setSleep, waitFor } from './lib.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

async function serverVersion(): Promise<number> {
  const [row] = await db.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
  return row!.v;
}

describe('kill -9 of the runner', () => {
  it('during a transactional migration: the session takes its lock and transaction with it; the re-run applies the file once', async () => {
    const SLEEP_S = 25;
    await setSleep(db, SLEEP_S);
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_slow.sql': `CREATE TABLE slow (id int);\n${CONTROLLED_SLEEP}\nINSERT INTO slow VALUES (1);`,
      '0003_c.sql': 'CREATE TABLE c (id int);',
    });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '2m' };
    const victim = spawnCli([], env);
    const backend = await runnerBackend(db, '%pg_sleep%');
    expect(await advisoryLockHolders(db)).toEqual([backend]);
    await kill9(victim);
    const killedAt = Date.now();

    // A second runner started right away waits for the dead session's lock, then finishes the job.
    await setSleep(db, 0);
    const rerun = collect(spawnCli([], env), { timeoutMs: 120_000 });
    const released = await waitFor('the dead session to end', async () => (await advisoryLockHolders(db)).every((pid) => pid !== backend) && Date.now(), 60_000, 200);
    console.info(`kill -9: the dead session released the lock ${((released - killedAt) / 1000).toFixed(1)}s after the kill (its statement would have run ${SLEEP_S}s)`);
    if ((await serverVersion()) >= 140000) {
      // client_connection_check_interval (set by pgshift) ends the statement long before pg_sleep would have.
      expect(released - killedAt).toBeLessThan(SLEEP_S * 1000 - 5000);
    }
    const r = await rerun;
    expect(r.code, r.stdout).toBe(0);
    const applied = jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);
    const rows = await history(db);
    expect(rows.map((h) => [h.filename, h.success])).toEqual([
      ['0001_a.sql', true],
      ['0002_slow.sql', true],
      ['0003_c.sql', true],
    ]);
    expect(await db.query('SELECT id FROM slow')).toEqual([{ id: 1 }]);
    if ((await serverVersion()) >= 140000) {
      // The killed run's transaction was rolled back, so it was the re-run that applied 0002.
      expect(applied).toEqual(['0002_slow.sql', '0003_c.sql']);
    } else {
      // PostgreSQL 13 cannot notice a vanished client inside a statement: the batch (file and its
      // history row, one transaction) finished there before the session ended. Still exactly once.
      expect(applied.filter((f) => f !== '0002_slow.sql')).toEqual(['0003_c.sql']);
    }
    const final = await runCli([], env);
    expect(final.code).toBe(0);
    expect(jsonLines(final.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);
  });

  it('during a no-transaction file: the next run reports it unfinished with the remedy (exit 6); following the remedy completes it', async () => {
    await setSleep(db, 25);
    const dir = await writeMigrations({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_nt.sql': `-- pgshift:no-transaction\nCREATE TABLE nt (id int);\n${CONTROLLED_SLEEP}\nCREATE INDEX CONCURRENTLY nt_id ON nt (id);`,
    });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '2m' };
    const victim = spawnCli([], env);
    await runnerBackend(db, '%pg_sleep%');
    await kill9(victim);
    await setSleep(db, 0);

    const r = await runCli([], env, { timeoutMs: 120_000 });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout).toMatch(/unfinished: 0002_nt\.sql is a no-transaction file whose run stopped midway \(unfinished: no-transaction file started at .* by pgshift@.*\).*complete or undo them by hand, then run `pgshift repair 0002_nt\.sql`/);
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([
      ['0001_a.sql', true],
      ['0002_nt.sql', false],
    ]);

    // The remedy: a person undoes what ran (the table), then repair, then the file runs again in full.
    await db.query('DROP TABLE nt');
    expect((await runCli(['repair'], env)).code).toBe(0);
    const again = await runCli([], env);
    expect(again.code, again.stdout).toBe(0);
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([
      ['0001_a.sql', true],
      ['0002_nt.sql', true],
    ]);
    expect(await db.query(`SELECT indexrelid::regclass::text AS i FROM pg_index WHERE indrelid = 'nt'::regclass AND indisvalid`)).toEqual([{ i: 'nt_id' }]);
  });

  it('while waiting for the lock: nothing to clean up; the holder finishes undisturbed', async () => {
    await setSleep(db, 3);
    const dir = await writeMigrations({ '0001_slow.sql': `CREATE TABLE slow (id int);\n${CONTROLLED_SLEEP}` });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const holder = collect(spawnCli([], env));
    await runnerBackend(db, '%pg_sleep%');
    const waiter = spawnCli([], env);
    await waitFor('the second runner to poll the lock', async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgshift@%'`)).length >= 2);
    await kill9(waiter);
    const r = await holder;
    expect(r.code).toBe(0);
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([['0001_slow.sql', true]]);
  });
});
