// Files over 1 MB are sent to the server on their own (not copied into the batch): same outcome,
// same error positions, history row in the same transaction.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

/** About 1.2 MB of INSERTs into `table`. */
function rows(table: string): string {
  const lines: string[] = [];
  for (let i = 1; lines.length < 16_000; i++) lines.push(`INSERT INTO ${table} VALUES (${i}, 'row ${i} padding padding padding padding');`);
  return lines.join('\n');
}

describe('a file over 1 MB', () => {
  it('applies with its history row; a wrapped one too', async () => {
    const dir = await writeMigrations({
      '0001_big.sql': `CREATE TABLE t (id int, note text);\n${rows('t')}\n`,
      '0002_wrapped.sql': `BEGIN;\nCREATE TABLE u (id int, note text);\n${rows('u')}\nCOMMIT;\n`,
    });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await db.query('SELECT (SELECT count(*) FROM t)::int AS t, (SELECT count(*) FROM u)::int AS u')).toEqual([{ t: 16_000, u: 16_000 }]);
    expect(await db.query('SELECT filename, success FROM schema_migrations ORDER BY id')).toEqual([
      { filename: '0001_big.sql', success: true },
      { filename: '0002_wrapped.sql', success: true },
    ]);
  });

  it('a failure on its last line is reported at that line and rolls the whole file back', async () => {
    const dir = await writeMigrations({ '0001_big.sql': `CREATE TABLE t (id int, note text);\n${rows('t')}\nSELECT nope FROM t;\n` });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('0001_big.sql:16002:8: ERROR 42703: column "nope" does not exist');
    expect(await db.query(`SELECT to_regclass('public.t') AS t`)).toEqual([{ t: null }]);
    expect(await db.query('SELECT filename, success FROM schema_migrations')).toEqual([{ filename: '0001_big.sql', success: false }]);
  });
});
