// What users of other migration tools expect from the command set (#12.4, #11.4, #11.5, #11.7):
// up --to, status --exit-code, repair FILE / --dry-run, create without duplicates, per-command help,
// and an await that stops as soon as waiting cannot help.
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { lockKey } from '../../src/apply/lock.js';
import { loadMigrations } from '../../src/source/load.js';
import { collect, jsonLines, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const history = () => db.query<{ filename: string; success: boolean; checksum: string | null }>('SELECT filename, success, checksum FROM public.schema_migrations ORDER BY id');
const exists = async (table: string) => (await db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`public.${table}`]))[0]!.t !== null;
const THREE = { '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' };

describe('up --to VERSION (#12.4)', () => {
  it('applies pending files up to and including VERSION (a version or a file name); the rest stay pending', async () => {
    const dir = await writeMigrations(THREE);
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const plan = await runCli(['--dry-run', '--to', '0002', '--json'], env);
    expect(JSON.parse(plan.stdout)).toMatchObject({ plan: { toApply: [{ file: '0001_a.sql' }, { file: '0002_b.sql' }] } });
    const r = await runCli(['up', '--to', '0002'], env);
    expect(r.code, r.stdout).toBe(0);
    expect(jsonLines(r.stdout).find((e) => e.event === 'run.to')?.msg).toBe('--to 0002: 1 later pending file(s) left pending');
    expect((await history()).map((h) => h.filename)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect([await exists('a'), await exists('b'), await exists('c')]).toEqual([true, true, false]);
    expect((await runCli(['--to', '0003_c.sql'], env)).code).toBe(0);
    expect(await exists('c')).toBe(true);
  });

  it('refuses an unknown VERSION with exit 6, naming what is there, and applies nothing', async () => {
    const dir = await writeMigrations(THREE);
    const r = await runCli(['up', '--to', '0009'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`--to 0009: no file in ${dir} has that name or version; its versions run from 0001 to 0003; see \`pgshift --list\``);
    expect(await exists('a')).toBe(false);
  });
});

describe('status --exit-code (#12.4)', () => {
  it('is 7 while files are pending, 0 when up to date, 1 after a failure, 6 for a modified file', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const pending = await runCli(['status', '--exit-code'], env);
    expect(pending.code).toBe(7);
    expect(pending.stdout).toContain('pending: 1 file(s) not applied yet (0001_a.sql); run `pgshift`');
    expect((await runCli(['--list'], env)).code).toBe(0);
    expect((await runCli([], env)).code).toBe(0);
    expect((await runCli(['--list', '--exit-code'], env)).code).toBe(0);
    await writeFile(join(dir, '0002_b.sql'), 'SELECT nope;');
    expect((await runCli([], env)).code).toBe(1);
    const failed = await runCli(['status', '--exit-code', '--json'], env);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ command: 'status', plan: { failed: [{ file: '0002_b.sql' }] } });
    await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    expect((await runCli(['status', '--exit-code'], env)).code).toBe(6);
  });
});

describe('repair FILE and repair --dry-run (#12.4, #11.2)', () => {
  it('--dry-run names each change and writes nothing; FILE repairs that file only; each line names its file', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'SELECT nope;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    expect((await runCli([], env)).code).toBe(1);
    await writeFile(join(dir, '0001_a.sql'), '-- reformatted\nCREATE TABLE a (id int);');
    const before = await history();

    const dry = await runCli(['repair', '--dry-run'], env);
    expect(dry.code, dry.stdout).toBe(0);
    expect(dry.stdout).toMatch(/\(dry run\) 0001_a\.sql: checksum [0-9a-f]{12} → [0-9a-f]{12} accepted/);
    expect(dry.stdout).toContain('(dry run) 0002_b.sql: failed row removed; the file is pending again');
    expect(dry.stdout).not.toContain('migration lock acquired');
    expect(await history()).toEqual(before);

    const one = await runCli(['repair', '0002_b.sql'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('0002_b.sql: failed row removed; the file is pending again');
    expect(one.stdout).not.toContain('0001_a.sql:');
    expect(await history()).toEqual([before[0]]);

    const rest = await runCli(['repair'], env);
    expect(rest.stdout).toMatch(/0001_a\.sql: checksum [0-9a-f]{12} → [0-9a-f]{12} accepted/);
    expect((await history())[0]!.checksum).not.toBe(before[0]!.checksum);
  });

  it('--dry-run on a fresh database creates nothing; an unknown FILE is exit 6', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const dry = await runCli(['repair', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changes: [] });
    expect(await exists('schema_migrations')).toBe(false);
    const unknown = await runCli(['repair', '0009_x.sql'], env);
    expect(unknown.code).toBe(6);
    expect(unknown.stdout).toContain(`repair 0009_x.sql: no such file in ${dir} and no history row by that name`);
  });
});

describe('await ends at once when waiting cannot help (#11.7)', () => {
  it('exit 1 for a failed file, 6 for a modified one, without waiting out AWAIT_TIMEOUT', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'SELECT nope;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '10m', LOG_FORMAT: 'text' };
    expect((await runCli([], env)).code).toBe(1);
    const failed = await runCli(['await'], env, { timeoutMs: 120_000 });
    expect(failed.code, failed.stdout).toBe(1);
    expect(failed.stderr).toContain('failed: 0002_b.sql (0002_b.sql:1:8: ERROR 42703: column "nope" does not exist');
    await writeFile(join(dir, '0002_b.sql'), 'SELECT 1;');
    expect((await runCli([], env)).code).toBe(0);
    await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    const modified = await runCli(['await'], env, { timeoutMs: 120_000 });
    expect(modified.code).toBe(6);
    expect(modified.stderr).toContain('modified: 0001_a.sql');
  });

  it('exit 6 for an unfinished no-transaction file left by a runner that is gone', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_idx.sql': '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '10m', LOG_FORMAT: 'text' };
    expect((await runCli(['--to', '0001'], env)).code).toBe(0);
    await db.query(`INSERT INTO public.schema_migrations (filename, success, error_message) VALUES ('0002_idx.sql', false, 'unfinished: no-transaction file started at 2026-01-01T00:00:00.000Z by pgshift@gone and did not finish')`);
    const r = await runCli(['await'], env, { timeoutMs: 120_000 });
    expect(r.code, r.stdout).toBe(6);
    expect(r.stderr).toContain('unfinished: 0002_idx.sql is a no-transaction file whose run stopped midway');
  });

  it('keeps waiting on a failed file that was fixed in place since (the next deploy retries it)', async () => {
    const dir = await writeMigrations({ '0001_b.sql': 'SELECT nope;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '10m' };
    expect((await runCli([], env)).code).toBe(1);
    await writeFile(join(dir, '0001_b.sql'), 'SELECT 1;');
    const waiter = spawnCli(['await'], env);
    const done = collect(waiter, { timeoutMs: 120_000 });
    await waitForOutput(waiter, (out) => out.includes('"event":"await.waiting"'));
    expect(waiter.exitCode).toBeNull();
    expect((await runCli([], env)).code).toBe(0);
    const r = await done;
    expect(r.code, r.stdout).toBe(0);
  });

  it('keeps waiting on a failed file while a runner holds the migration lock (it may be retrying it)', async () => {
    const dir = await writeMigrations({ '0001_b.sql': 'SELECT nope;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, AWAIT_TIMEOUT: '10m' };
    expect((await runCli([], env)).code).toBe(1);
    const runner = await db.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
      const waiter = spawnCli(['await'], env);
      const done = collect(waiter, { timeoutMs: 120_000 });
      await waitForOutput(waiter, (out) => out.includes('"event":"await.waiting"'));
      expect(waiter.exitCode).toBeNull();
      await runner.query('SELECT pg_advisory_unlock_all()');
      const r = await done;
      expect(r.code, r.stdout).toBe(1);
    } finally {
      await runner.end();
    }
  });
});

describe('create (#11.5)', () => {
  it('never repeats a version, however fast it runs; every file is valid', async () => {
    const dir = await writeMigrations({});
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => runCli(['create', `step ${i}`], { MIGRATIONS_DIR: dir })));
    for (const more of [4, 5, 6]) runs.push(await runCli(['create', `step ${more}`], { MIGRATIONS_DIR: dir }));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const names = await readdir(dir);
    expect(names).toHaveLength(7);
    expect(new Set(names.map((n) => n.slice(0, 14))).size).toBe(7);
    expect((await loadMigrations(dir, { lex: 'now' })).files).toHaveLength(7);
    expect((await runCli(['validate'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir })).code).toBe(0);
  });

  it('takes the second after the newest version when that one is not in the past', async () => {
    const dir = await writeMigrations({ '20991231235959_future.sql': '' });
    const r = await runCli(['create', 'next', '--json'], { MIGRATIONS_DIR: dir });
    expect(JSON.parse(r.stdout)).toMatchObject({ file: '21000101000000_next.sql' });
  });

  it('creates MIGRATIONS_DIR when it is missing', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pgshift-create-')), 'db', 'migrations');
    const r = await runCli(['create', 'first'], { MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`created the folder ${dir} (MIGRATIONS_DIR)`);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^\d{14}_first\.sql$/)]);
  });
});

describe('help per command (#11.4)', () => {
  it('`pgshift help up` and `pgshift up --help` print the help of up (exit 0); `pgshift list` suggests --list', async () => {
    const help = await runCli(['help', 'up'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pgshift [up] [--to VERSION]');
    expect((await runCli(['up', '--help'], {})).stdout).toBe(help.stdout);
    const repair = await runCli(['repair', '--help'], {});
    expect(repair.stdout).toContain('Usage: pgshift repair [FILE] [--dry-run] [--json]');
    const list = await runCli(['list'], {});
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('unknown command "list"; did you mean `pgshift --list` (or `pgshift status`)?');
  });
});
