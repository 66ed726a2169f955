// Files over 4 MiB are sent in parts of about 64 KiB, read from disk as they are sent. The outcome
// must be exactly what a small file gets: the history row in the same transaction, all or nothing,
// errors at the file's line and column with the line shown, signals honoured, statement-by-statement
// files recorded unfinished when they stop partway.
import { stripVTControlCharacters } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, untilActivity, type TestDatabase } from '../helpers/db.js';

const LARGE = 4 * 1024 * 1024;
let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

/** INSERT lines into `table`, numbered from `from`, adding up to more than 4 MiB; emoji and all. */
function rows(table: string, from = 1): string[] {
  const lines: string[] = [];
  for (let i = from, size = 0; size <= LARGE; i++) size += lines[lines.push(`INSERT INTO ${table} VALUES (${i}, 'row ${i} 🎉 padding padding padding');`) - 1]!.length + 1;
  return lines;
}

const history = () => db.query<{ filename: string; success: boolean; error_message: string | null }>('SELECT filename, success, error_message FROM schema_migrations ORDER BY id');

describe('a file over 4 MiB', () => {
  it('applies with its history row; a wrapped one too; the re-run is a no-op', async () => {
    const t = rows('t');
    const u = rows('u');
    const dir = await writeMigrations({
      '0001_big.sql': `CREATE TABLE t (id int, note text);\n${t.join('\n')}\n`,
      '0002_wrapped.sql': `BEGIN;\nCREATE TABLE u (id int, note text);\n${u.join('\n')}\nCOMMIT;\n`,
    });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const r = await runCli([], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.mode)).toEqual(['transaction', 'wrapped']);
    expect(await db.query('SELECT (SELECT count(*) FROM t)::int AS t, (SELECT count(*) FROM u)::int AS u')).toEqual([{ t: t.length, u: u.length }]);
    expect(await history()).toEqual([
      { filename: '0001_big.sql', success: true, error_message: null },
      { filename: '0002_wrapped.sql', success: true, error_message: null },
    ]);
    // No server warning: the wrapper's COMMIT was not sent, its BEGIN was the only one.
    expect(r.stdout + r.stderr).not.toMatch(/there is (already|no) transaction in progress/);
    const again = await runCli([], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);
  });

  it('a failure far into it: its line and column, the line as written, and the whole file rolled back', async () => {
    const t = rows('t');
    const at = 50_000; // well past the first parts
    const bad = `INSERT INTO t VALUES (0, '🎉'); SELECT nope FROM t;`;
    t.splice(at - 2, 0, bad); // line `at` of the file (line 1 is CREATE TABLE)
    const dir = await writeMigrations({ '0001_big.sql': `CREATE TABLE t (id int, note text);\n${t.join('\n')}\n` });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(1);
    const column = [...bad.slice(0, bad.indexOf('nope'))].length + 1;
    expect(r.stderr).toContain(`0001_big.sql:${at}:${column}: ERROR 42703: column "nope" does not exist`);
    // The line as the file has it (not the blanked start of a part), and the caret under `nope`.
    const lines = stripVTControlCharacters(r.stderr).split('\n');
    const shown = lines.findIndex((l) => l.endsWith(`${at} | ${bad}`));
    expect(shown).toBeGreaterThan(0);
    const indent = lines[shown]!.length - `${at} | ${bad}`.length;
    expect(lines[shown + 1]).toBe(`${' '.repeat(indent + `${at} | `.length + column - 1)}^`);
    expect(await db.query(`SELECT to_regclass('public.t') AS t`)).toEqual([{ t: null }]);
    expect(await history()).toMatchObject([{ filename: '0001_big.sql', success: false }]);
  });

  it('a psql meta-command far into it: exit 6 at its line, before anything runs', async () => {
    const t = rows('t');
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_big.sql': `CREATE TABLE t (id int, note text);\n${t.join('\n')}\n\\set ON_ERROR_STOP on\n` });
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stdout + r.stderr).toContain(`0002_big.sql:${t.length + 2}:1: psql meta-command \\set cannot run outside psql`);
    expect(await db.query(`SELECT to_regclass('public.a') AS a`)).toEqual([{ a: null }]);
  });

  it('statement by statement (the directive): a failure partway records it unfinished, with how far it got', async () => {
    const t = rows('t');
    t.splice(30_000, 0, 'SELECT nope FROM t;');
    const dir = await writeMigrations({ '0001_big.sql': `-- pgshift:no-transaction\nCREATE TABLE t (id int, note text);\n${t.join('\n')}\n` });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    const r = await runCli([], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`0001_big.sql:${30_000 + 3}:8: ERROR 42703: column "nope" does not exist`);
    expect(r.stderr).toContain(`30001 of ${t.length + 1} statements had taken effect before this one`);
    expect(await db.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 30_000 }]);
    const [row] = await history();
    expect(row).toMatchObject({ filename: '0001_big.sql', success: false });
    expect(row?.error_message).toMatch(/^unfinished: /);
    expect((await runCli([], env)).code).toBe(6);
  });

  it('--single-transaction: a large wrapped file and a small one land together, or not at all', async () => {
    const u = rows('u');
    const files = {
      '0001_small.sql': 'CREATE TABLE s (id int);\n',
      '0002_wrapped.sql': `BEGIN;\nCREATE TABLE u (id int, note text);\n${u.join('\n')}\nCOMMIT;\n`,
      '0003_after.sql': 'SELECT nope FROM u;\n',
    };
    const failing = await writeMigrations(files);
    const r = await runCli(['--single-transaction'], { DATABASE_URL: db.url, MIGRATIONS_DIR: failing });
    expect(r.code).toBe(1);
    expect(await db.query(`SELECT to_regclass('public.s') AS s, to_regclass('public.u') AS u`)).toEqual([{ s: null, u: null }]);
    const fixed = await writeMigrations({ ...files, '0003_after.sql': 'SELECT count(*) FROM u;\n' });
    const ok = await runCli(['--single-transaction'], { DATABASE_URL: db.url, MIGRATIONS_DIR: fixed });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await db.query('SELECT count(*)::int AS n FROM u')).toEqual([{ n: u.length }]);
    expect((await history()).filter((h) => h.success).map((h) => h.filename)).toEqual(['0001_small.sql', '0002_wrapped.sql', '0003_after.sql']);
  });

  it('SIGTERM while a later part runs: cancelled, the earlier parts rolled back with it, exit 143', async () => {
    const t = rows('t');
    t.splice(40_000, 0, 'SELECT pg_sleep(600);');
    const dir = await writeMigrations({ '0001_big.sql': `CREATE TABLE t (id int, note text);\n${t.join('\n')}\n` });
    const child = spawnCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    const done = collect(child);
    await waitForOutput(child, (o) => o.includes('migration.start'));
    // Wait until the server is in the sleep: everything before it has been sent and run.
    await untilActivity(db, "wait_event = 'PgSleep'");
    child.kill('SIGTERM');
    // A ten-minute sleep: only a cancel on the server lets the run end (collect kills it after 3 min).
    const r = await done;
    expect(r.code).toBe(143);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT to_regclass('public.t') AS t`)).toEqual([{ t: null }]);
    const [row] = await history();
    expect(row).toMatchObject({ filename: '0001_big.sql', success: false });
    expect(row?.error_message).toContain('interrupted by SIGTERM');
  });
});
