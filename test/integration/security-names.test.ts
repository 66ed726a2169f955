// Hostile names. Schema and table names are identifiers: anything but a plain one is refused before a
// connection is tried (exit 3, naming the variable, not echoing the value). File names are data: any
// quote, space or character is stored as it is and matched exactly on the next run.
import { beforeEach, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

describe('MIGRATIONS_SCHEMA and MIGRATIONS_TABLE', () => {
  const hostile = [
    ['a double quote', 'hist"ory'],
    ['a single quote', "o'brien"],
    ['a semicolon and SQL', 'x; DROP TABLE users; --'],
    ['a dot', 'public.evil'],
    ['a leading digit', '1table'],
    ['a space', 'my table'],
    ['64 characters (PostgreSQL keeps 63)', 'a'.repeat(64)],
  ] as const;

  it.each(hostile)('refuses %s with exit 3 before connecting, naming the variable', async (_what, value) => {
    for (const name of ['MIGRATIONS_SCHEMA', 'MIGRATIONS_TABLE']) {
      const r = await runCli([], { DATABASE_URL: db.url, [name]: value, MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': 'SELECT 1;' }), LOG_FORMAT: 'text' });
      expect(r.code, r.stdout).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`${name}: must be (a plain identifier|at most 63 characters)`));
      expect(r.stdout + r.stderr).not.toContain(value);
      expect(r.stdout).not.toContain('connecting to');
    }
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)).toEqual([{ n: 0 }]);
  });

  it('accepts 63 characters and creates exactly that schema and table', async () => {
    const schema = `s${'x'.repeat(62)}`;
    const table = `t${'y'.repeat(62)}`;
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_SCHEMA: schema, MIGRATIONS_TABLE: table, MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': 'SELECT 1;' }) });
    expect(r.code, r.stdout).toBe(0);
    expect(await db.query('SELECT schemaname, tablename FROM pg_tables WHERE tablename = $1', [table])).toEqual([{ schemaname: schema, tablename: table }]);
  });
});

describe('file names with quotes, spaces and non-ASCII characters', () => {
  const NFD = '0009_cafe\u0301_decomposed.sql';
  const FILES: Record<string, string> = {
    "0001_it's \"quoted\".sql": 'CREATE TABLE q1 (id int);',
    '0002_with  two spaces and\ttab.sql': 'CREATE TABLE q2 (id int);',
    '0003_ünïcødé_表_テーブル.sql': 'CREATE TABLE q3 (id int);',
    '0004_emoji_🎉_🚀.sql': 'CREATE TABLE q4 (id int);',
    '0005_semi;colon -- not a comment.sql': 'CREATE TABLE q5 (id int);',
    "0006_$$dollar$$_%s_'); DROP TABLE q1; --.sql": 'CREATE TABLE q6 (id int);',
    '0008_café_composed.sql': 'CREATE TABLE q8 (id int);',
    [NFD]: 'CREATE TABLE q9 (id int);',
  };

  it('stores each name exactly as the file system has it, and the second run is a no-op', async () => {
    const dir = await writeMigrations(FILES);
    const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names).toHaveLength(8);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const r = await runCli([], env);
    expect(r.code, r.stdout).toBe(0);
    const rows = await db.query<{ filename: string; success: boolean }>('SELECT filename, success FROM public.schema_migrations ORDER BY id');
    expect(rows.map((row) => row.filename)).toEqual(names);
    expect(rows.every((row) => row.success)).toBe(true);
    // Byte for byte: the decomposed é stays decomposed (no Unicode normalization on the way).
    const [stored] = await db.query<{ hex: string }>("SELECT encode(convert_to(filename, 'UTF8'), 'hex') AS hex FROM public.schema_migrations WHERE filename LIKE '0009%'");
    expect(stored?.hex).toBe(Buffer.from(NFD).toString('hex'));
    expect(await db.query("SELECT to_regclass('q1') IS NOT NULL AS q1, to_regclass('q6') IS NOT NULL AS q6")).toEqual([{ q1: true, q6: true }]);

    const again = await runCli([], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);
    const status = await runCli(['status', '--json'], env);
    expect(status.code).toBe(0);
    const plan = (JSON.parse(status.stdout) as { plan: { applied: Array<{ file: string }>; pending: unknown[]; modified: unknown[]; missing: unknown[] } }).plan;
    expect(plan.applied.map((e) => e.file)).toEqual(names);
    expect([plan.pending, plan.modified, plan.missing]).toEqual([[], [], []]);
  });
});
