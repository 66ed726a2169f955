// The rest of the command set: validate, create, baseline, repair, wait, await.
import { beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collect, jsonLines, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const rows = () => db.query<{ filename: string; success: boolean; checksum: string | null }>('SELECT filename, success, checksum FROM public.schema_migrations ORDER BY id');

describe('validate', () => {
  it('exits 0 on a clean folder and 6 on a modified file, without creating or changing anything', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const fresh = await runCli(['validate', '--json'], env);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ command: 'validate', ok: true, files: 1 });
    expect(await db.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
    expect((await runCli([], env)).code).toBe(0);
    await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    const r = await runCli(['validate', '--json'], env);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, plan: { modified: [{ file: '0001_a.sql' }] } });
  });
});

describe('create', () => {
  it('writes <UTC timestamp>_<slug>.sql from a template that explains the directive, and never overwrites', async () => {
    const dir = await writeMigrations({});
    const before = Math.floor(Date.now() / 1000) * 1000;
    const r = await runCli(['create', 'Add User Preferences!', '--json'], { MIGRATIONS_DIR: dir });
    const after = Date.now();
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { file: string };
    expect(doc.file).toMatch(/^\d{14}_add_user_preferences\.sql$/);
    // The stamp is the UTC time of the run: between its start and end, whatever the clock's minute.
    const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/.exec(doc.file)!.map(Number);
    const stamp = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
    const text = await readFile(join(dir, doc.file), 'utf8');
    expect(text).toContain('-- pgshift:no-transaction');
    expect(await readdir(dir)).toEqual([doc.file]);
    // The template itself is a valid, empty migration.
    const { files } = await import('../../src/source/load.js').then((m) => m.loadMigrations(dir, { lex: 'now' }));
    expect(files[0]?.statementCount).toBe(0);
  });

  it('refuses a name with nothing usable in it (exit 6)', async () => {
    const dir = await writeMigrations({});
    const r = await runCli(['create', '!!!'], { MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('cannot make a file name of "!!!"');
  });
});

describe('baseline', () => {
  it('records existing files as applied without running them, up to --to', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const r = await runCli(['baseline', '--to', '0002_b.sql', '--json'], env);
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ recorded: ['0001_a.sql', '0002_b.sql'] });
    expect(await db.query(`SELECT to_regclass('public.a') AS t`)).toEqual([{ t: null }]);
    expect(await rows()).toMatchObject([{ filename: '0001_a.sql', success: true }, { filename: '0002_b.sql', success: true }]);
    const up = await runCli([], env);
    expect(jsonLines(up.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file)).toEqual(['0003_c.sql']);
    const unknown = await runCli(['baseline', '--to', '0009_x.sql'], env);
    expect(unknown.code).toBe(6);
  });
});

describe('repair', () => {
  it('accepts an edited checksum and clears a failed row, printing exactly what it changed', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'SELECT nope;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(1);
    await writeFile(join(dir, '0001_a.sql'), '-- reformatted\nCREATE TABLE a (id int);');
    expect((await runCli([], env)).code).toBe(6);
    const r = await runCli(['repair', '--json'], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { changes: Array<{ file: string; change: string }> };
    expect(doc.changes.map((c) => c.file)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(doc.changes[0]?.change).toMatch(/^checksum [0-9a-f]{12} → [0-9a-f]{12} accepted$/);
    expect(doc.changes[1]?.change).toBe('failed row removed; the file is pending again');
    expect(await rows()).toMatchObject([{ filename: '0001_a.sql', success: true }]);
    await writeFile(join(dir, '0002_b.sql'), 'SELECT 1;');
    expect((await runCli([], env)).code).toBe(0);
    const again = await runCli(['repair', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ changes: [] });
  });
});

describe('wait and await', () => {
  it('wait exits 0 once the database accepts connections', async () => {
    const r = await runCli(['wait'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).some((e) => e.event === 'db.ready')).toBe(true);
  });

  it('await waits until another runner applied every file, then exits 0', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '5m' };
    const waiter = spawnCli(['await'], env);
    const waited = collect(waiter);
    await waitForOutput(waiter, (o) => o.includes('"event":"await.waiting"'));
    expect(waiter.exitCode).toBeNull();
    expect((await runCli([], env)).code).toBe(0);
    const r = await waited;
    expect(r.code, r.stdout).toBe(0);
    expect(jsonLines(r.stdout).find((e) => e.event === 'await.done')).toMatchObject({ applied: 2 });
  });

  it('await gives up with exit 5 after AWAIT_TIMEOUT, naming what is outstanding', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const r = await runCli(['await'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '1s' });
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('migrations still not applied after AWAIT_TIMEOUT (1s): 0001_a.sql (pending)');
    expect(await db.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
  });
});
