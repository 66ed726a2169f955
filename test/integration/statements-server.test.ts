// Cross-checks the lexer against a real PostgreSQL (the suite's server): the split points of every
// golden input are real statement boundaries, and what analyzeSql calls refused in a transaction
// block is exactly what the server refuses there.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql } from '../../src/sql/mode.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { PG_MAJOR } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/statements/', import.meta.url));

/**
 * Syntax the lexer knows (it follows the newest grammar) that older servers reject as a syntax error:
 * on those (the matrix runs, PGSHIFT_TEST_PG=13…) the lexer's side is still checked, the server's
 * side of the case is skipped.
 */
const SINCE: Readonly<Record<string, number>> = {
  'begin-atomic': 14,
  'REINDEX (CONCURRENTLY) TABLE t': 14,
  'REINDEX (CONCURRENTLY false) TABLE t': 14,
  'ALTER TABLE parted DETACH PARTITION part1 CONCURRENTLY': 14,
  'CLUSTER (VERBOSE)': 14,
  'CLUSTER (VERBOSE) t': 14,
  'REINDEX SYSTEM': 15,
  'REINDEX DATABASE': 15,
};
const serverLacks = (key: string) => Number(PG_MAJOR) < (SINCE[key] ?? 0);

/** Golden inputs that are valid SQL, without problems, and can run inside a transaction. */
const RUNNABLE = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => ({ name: f.slice(0, -'.sql'.length), sql: readFileSync(`${FIXTURES}${f}`, 'utf8') }))
  .filter(({ sql }) => {
    const a = analyzeSql(sql);
    return a.problems.length === 0 && a.mode !== 'no-transaction';
  });

/**
 * The extended protocol refuses more than one statement in a query ("cannot insert multiple commands
 * into a prepared statement"), so a text that runs this way is exactly one statement.
 */
async function runOne(client: pg.Client, text: string): Promise<void> {
  const query = { text, queryMode: 'extended' as const };
  await client.query(query);
}

/** SQLSTATE of the error `sql` raises inside an open transaction block, or undefined when it runs. */
async function errorInBlock(client: pg.Client, sql: string): Promise<string | undefined> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('split points are statement boundaries on a real server', () => {
  it('has runnable golden inputs', () => {
    expect(RUNNABLE.length).toBeGreaterThanOrEqual(20);
  });

  it.for(RUNNABLE)('$name: each statement runs alone', async ({ name, sql }, ctx) => {
    const a = analyzeSql(sql);
    if (serverLacks(name)) return ctx.skip();
    const db = await createDatabase();
    const client = await db.connect();
    try {
      // A wrapped file's own BEGIN opens the block; its closing COMMIT is left out so all rolls back.
      const statements = a.mode === 'wrapped' ? a.statements.slice(0, -1) : a.statements;
      if (a.mode === 'transaction') await client.query('BEGIN');
      for (const s of statements) await runOne(client, s.text);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
      await db.drop();
    }
  });

  it.for(RUNNABLE)('$name: the body runs as one query', async ({ name, sql }, ctx) => {
    const a = analyzeSql(sql);
    if (serverLacks(name)) return ctx.skip();
    const db = await createDatabase();
    const client = await db.connect();
    try {
      if (a.mode === 'transaction') await client.query('BEGIN');
      await client.query(a.body);
      // SAVEPOINT fails outside a block: for a wrapped file, the blanked COMMIT did not end it.
      await client.query('SAVEPOINT still_open');
      await client.query('ROLLBACK');
    } finally {
      await client.end();
      await db.drop();
    }
  });
});

// Each case is run inside BEGIN … ROLLBACK: `refused` cases must fail with 25001
// (active_sql_transaction), the others must run. DROP/ALTER SUBSCRIPTION are left out: the server
// refuses them only when a real subscription with a slot exists.
const SETUP = `
  CREATE TABLE t (id int PRIMARY KEY, a int);
  CREATE INDEX t_a ON t (a);
  ALTER TABLE t CLUSTER ON t_pkey;
  CREATE TABLE parted (id int) PARTITION BY RANGE (id);
  CREATE TABLE part1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
  CREATE MATERIALIZED VIEW mv AS SELECT 1 AS id;
  CREATE UNIQUE INDEX mv_id ON mv (id);
  CREATE TYPE mood AS ENUM ('sad');
`;
const REFUSED = [
  'CREATE INDEX CONCURRENTLY t_a2 ON t (a)',
  'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a3 ON t (a)',
  'DROP INDEX CONCURRENTLY t_a',
  'DROP INDEX CONCURRENTLY IF EXISTS nope',
  'REINDEX INDEX CONCURRENTLY t_a',
  'REINDEX TABLE CONCURRENTLY t',
  'REINDEX (VERBOSE) TABLE CONCURRENTLY t',
  'REINDEX (CONCURRENTLY) TABLE t',
  'REINDEX SCHEMA public',
  'REINDEX SYSTEM',
  'REINDEX DATABASE',
  'ALTER TABLE parted DETACH PARTITION part1 CONCURRENTLY',
  'VACUUM',
  'VACUUM (ANALYZE) t',
  'VACUUM FULL t',
  'CREATE DATABASE never_created',
  'DROP DATABASE IF EXISTS never_created',
  "CREATE TABLESPACE never_created LOCATION '/nonexistent'",
  'DROP TABLESPACE IF EXISTS never_created',
  "ALTER SYSTEM SET work_mem = '8MB'",
  'CLUSTER',
  'CLUSTER VERBOSE',
  'CLUSTER (VERBOSE)',
  "CREATE SUBSCRIPTION never_created CONNECTION 'host=/nonexistent dbname=x' PUBLICATION p",
  "COMMIT PREPARED 'never_prepared'",
  "ROLLBACK PREPARED 'never_prepared'",
  'DISCARD ALL',
  'ALTER DATABASE postgres SET TABLESPACE pg_default',
];
const ALLOWED = [
  'CREATE INDEX t_a4 ON t (a)',
  'REINDEX TABLE t',
  'REINDEX (CONCURRENTLY false) TABLE t',
  'ALTER TABLE parted DETACH PARTITION part1',
  'ANALYZE t',
  'CLUSTER t USING t_pkey',
  'CLUSTER (VERBOSE) t',
  'DISCARD TEMP',
  'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
  "ALTER TYPE mood ADD VALUE 'happy'",
  "DO $$ BEGIN RAISE NOTICE 'VACUUM; CREATE INDEX CONCURRENTLY'; END $$",
];

describe('refused statements match the server', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createDatabase();
    client = await db.connect();
    await client.query(SETUP);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it.for(REFUSED)('refused: %s', async (sql, ctx) => {
    expect(analyzeSql(sql).mode).toBe('no-transaction');
    if (serverLacks(sql)) return ctx.skip();
    expect(await errorInBlock(client, sql)).toBe('25001');
  });

  it.for(ALLOWED)('allowed: %s', async (sql, ctx) => {
    expect(analyzeSql(sql).mode).toBe('transaction');
    if (serverLacks(sql)) return ctx.skip();
    expect(await errorInBlock(client, sql)).toBeUndefined();
  });
});
