// A migration blocked by a lock another session holds (a long report reading the table). With
// MIGRATION_LOCK_TIMEOUT set, the DDL gives up (55P03) instead of standing in the lock queue, where
// every later reader of the table would queue behind it; the file is rolled back and retried with
// backoff up to MIGRATION_LOCK_RETRIES times, then fails (exit 1) — or succeeds once the blocker goes.
import { beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { collect, jsonLines, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { history, sleep } from './lib.js';

let db: TestDatabase;
let blocker: pg.Client;

beforeEach(async () => {
  db = await createDatabase();
  await db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
  blocker = await db.connect();
  blocker.on('error', () => {});
  // A long-running reader: ACCESS SHARE on t until it commits. ALTER TABLE needs ACCESS EXCLUSIVE.
  await blocker.query('BEGIN; SELECT count(*) FROM t');
  return async () => {
    await blocker.end().catch(() => {});
    await db.drop();
  };
});

/** Other traffic reading t throughout; returns the longest wait of any single read. */
function traffic(until: Promise<unknown>): Promise<number> {
  return (async () => {
    const reader = await db.connect();
    let longest = 0;
    let done = false;
    void until.finally(() => (done = true));
    while (!done) {
      const t0 = Date.now();
      await reader.query('SELECT count(*) FROM t');
      longest = Math.max(longest, Date.now() - t0);
      await sleep(50);
    }
    await reader.end();
    return longest;
  })();
}

const FILES = { '0001_add_column.sql': 'ALTER TABLE t ADD COLUMN note text;' };

describe('MIGRATION_LOCK_TIMEOUT and MIGRATION_LOCK_RETRIES', () => {
  it('gives up with 55P03, retries with backoff, then fails with exit 1 and records it; readers never queue behind it for long', async () => {
    const dir = await writeMigrations(FILES);
    const started = Date.now();
    const run = collect(spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '300ms', MIGRATION_LOCK_RETRIES: '2' }));
    const longestRead = await traffic(run);
    const r = await run;
    expect(r.code, r.stdout).toBe(1);
    const events = jsonLines(r.stdout);
    const retries = events.filter((e) => e.event === 'migration.lock_timeout');
    expect(retries.map((e) => e.attempt)).toEqual([1, 2]);
    // Backoff grows (1 s then 2 s steps, with jitter between 50 % and 100 %).
    expect(Number(retries[0]?.nextDelayMs)).toBeGreaterThanOrEqual(500);
    expect(Number(retries[1]?.nextDelayMs)).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const failed = events.find((e) => e.event === 'migration.failed');
    expect(failed?.sqlstate).toBe('55P03');
    expect(r.stdout).toContain('MIGRATION_LOCK_TIMEOUT');
    const rows = await history(db);
    expect(rows.map((h) => [h.filename, h.success])).toEqual([['0001_add_column.sql', false]]);
    expect(rows[0]?.error_message).toContain('55P03');
    expect(await db.query(`SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'`)).toEqual([]);
    // A reader waits at most about one lock_timeout, never for the whole blocked migration.
    expect(longestRead).toBeLessThan(2000);
  });

  it('succeeds on a retry once the blocker has gone', async () => {
    const dir = await writeMigrations(FILES);
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '300ms', MIGRATION_LOCK_RETRIES: '3' });
    const run = collect(child);
    await waitForOutput(child, (out) => out.includes('"event":"migration.lock_timeout"'));
    await blocker.query('COMMIT');
    const r = await run;
    expect(r.code, r.stdout).toBe(0);
    expect(jsonLines(r.stdout).filter((e) => e.event === 'migration.lock_timeout').length).toBeGreaterThanOrEqual(1);
    expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([['0001_add_column.sql', true]]);
    expect(await db.query(`SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'`)).toEqual([{ attname: 'note' }]);
  });

  it('without MIGRATION_LOCK_TIMEOUT the DDL waits in the lock queue, and readers queue behind it (what the setting prevents)', async () => {
    const dir = await writeMigrations(FILES);
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    const run = collect(child);
    await sleep(1500);
    const reader = await db.connect();
    const t0 = Date.now();
    const read = reader.query('SELECT count(*) FROM t');
    await sleep(1500);
    await blocker.query('COMMIT');
    await read;
    const waited = Date.now() - t0;
    await reader.end();
    expect((await run).code).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(1400);
  });
});
