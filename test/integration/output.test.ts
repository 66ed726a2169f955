// What the user reads (11.2): which stream carries what, each problem said once, applied times in
// RFC 3339 UTC whatever the session's TimeZone, and errors in JSON logs without pino's noise.
import { beforeEach, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const count = (text: string, part: string) => text.split(part).length - 1;

/** 0001 applied then edited (modified), 0002 applied then removed (missing), 0003 a no-transaction file that died midway (unfinished). */
async function troubledFolder(env: Record<string, string>, dir: string): Promise<void> {
  await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);');
  await writeFile(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
  await writeFile(join(dir, '0003_c.sql'), '-- pgshift:no-transaction\nCREATE TABLE c (id int);\nSELECT 1/0;\n');
  expect((await runCli([], env)).code).toBe(1);
  await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
  await rm(join(dir, '0002_b.sql'));
}

describe('each problem is said once (11.2)', () => {
  it('up: modified and unfinished once each, the final error line without repeating them', async () => {
    const dir = await writeMigrations({});
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    await troubledFolder(env, dir);
    const r = await runCli([], env);
    expect(r.code).toBe(6);
    expect(r.stdout).toBe(`connecting to postgres@${new URL(db.url).host}/${db.name} (from DATABASE_URL)\nmigration lock acquired\n`);
    const firstLines = r.stderr.split('\n').filter((l) => /^[✗⚠]/.test(l));
    expect(firstLines.map((l) => l.slice(0, 28))).toEqual(['⚠ missing: 0002_b.sql is rec', '✗ modified: 0001_a.sql was a', '✗ unfinished: 0003_c.sql is ', '✗ refusing to apply anything']);
    expect(firstLines[3]).toBe('✗ refusing to apply anything  code=PLAN_REJECTED exitCode=6');
    expect(r.stderr.endsWith('✗ refusing to apply anything  code=PLAN_REJECTED exitCode=6\n')).toBe(true);
    for (const part of ['modified: 0001_a.sql', 'unfinished: 0003_c.sql', 'missing: 0002_b.sql']) expect(count(r.stderr, part), part).toBe(1);

    const lines = jsonLines((await runCli([], { ...env, LOG_FORMAT: 'json' })).stdout);
    expect(lines.filter((l) => l.event === 'plan.rejected').map((l) => String(l.msg).split(' ')[0])).toEqual(['modified:', 'unfinished:']);
    expect(lines.find((l) => l.event === 'run.failed')).not.toHaveProperty('err');
  });

  it('--list: each file once, with its advice on its line; --dry-run: each problem once', async () => {
    const dir = await writeMigrations({});
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    await troubledFolder(env, dir);
    const list = await runCli(['--list'], env);
    expect(list.code).toBe(0);
    const report = list.stdout.slice(list.stdout.indexOf('Modified Migrations:'));
    expect(report).toMatch(
      /^Modified Migrations:\n {2}! 0001_a\.sql was applied with checksum [0-9a-f]{12} but the file now has [0-9a-f]{12} \(compared: .*\); restore the file as it was applied \(from version control\), or .*`pgshift repair 0001_a\.sql`\nUnfinished Migrations:\n {2}! 0003_c\.sql is a no-transaction file whose run stopped midway \(unfinished: stopped partway; [^]*`pgshift baseline --to 0003_c\.sql` if it is complete\nMissing Migrations:\n {2}\? 0002_b\.sql is recorded as applied but is not in the migrations folder \(an older image on a newer database\?\); expected while an older image runs, otherwise restore the file from version control\nTotal: 0 applied, 0 pending, 1 modified, 1 missing, 1 unfinished\n$/,
    );
    // Each file is listed once (its advice may name it again, as the file to repair).
    for (const entry of ['! 0001_a.sql', '? 0002_b.sql']) expect(count(list.stdout, entry), entry).toBe(1);
    expect(list.stderr).toBe('');

    const dry = await runCli(['--dry-run'], env);
    expect(dry.code).toBe(6);
    for (const part of ['modified: 0001_a.sql', 'unfinished: 0003_c.sql', 'missing: 0002_b.sql']) expect(count(dry.stdout + dry.stderr, part), part).toBe(1);
    expect(dry.stderr).toBe('✗ refusing to apply anything  code=PLAN_REJECTED exitCode=6\n');
  });
});

describe('where output goes (11.2)', () => {
  it('text: progress and reports on stdout, warnings and errors (and run.failed) on stderr', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_bad.sql': 'SELECT * FROM no_such_table;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' };
    const r = await runCli([], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^connecting to .*\nmigration lock acquired\nhistory table public\.schema_migrations created\nApplying 2 pending migration\(s\)\.\.\.\n {2}Applying: 0001_a\.sql\n {2}✓ Applied in \d+ms\n {2}Applying: 0002_bad\.sql\nMigration Summary\n {2}Success: 1\n {2}Failed: 1\n {2}Total applied: 1 migrations\n$/);
    expect(r.stderr).toMatch(/^✗ migration failed {2}file=0002_bad\.sql durationMs=\d+ sqlstate=42P01 line=1\n {4}0002_bad\.sql:1:15: ERROR 42P01: relation "no_such_table" does not exist\n[^]*✗ a migration failed; it was recorded {2}code=MIGRATION_FAILED exitCode=1\n$/);

    await rm(join(dir, '0001_a.sql'));
    await writeFile(join(dir, '0002_bad.sql'), 'SELECT 1;');
    const warned = await runCli([], env);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toBe('⚠ missing: 0001_a.sql is recorded as applied but is not in the migrations folder (an older image on a newer database?); expected while an older image runs, otherwise restore the file from version control\n');
    expect(warned.stdout).not.toContain('missing');
  });

  it('JSON lines: every line on stdout, in order, stderr empty; --json: the document on stdout, every log line on stderr', async () => {
    const dir = await writeMigrations({ '0001_bad.sql': 'SELECT * FROM no_such_table;' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'json' };
    const r = await runCli([], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(jsonLines(r.stdout).map((l) => l.event)).toEqual(['config', 'lock.acquired', 'history.created', 'run.start', 'migration.start', 'migration.failed', 'run.summary', 'run.failed']);
    const doc = await runCli(['--json'], env);
    expect(JSON.parse(doc.stdout)).toMatchObject({ ok: false, failed: { file: '0001_bad.sql' } });
    expect(jsonLines(doc.stderr).map((l) => l.event)).toContain('run.failed');
    for (const format of ['text', 'json']) {
      const textDoc = await runCli(['--json'], { ...env, LOG_FORMAT: format });
      expect(() => JSON.parse(textDoc.stdout)).not.toThrow();
      expect(textDoc.stderr).toContain('no_such_table');
    }
  });
});

describe('applied times are RFC 3339 UTC whatever the TimeZone (11.2)', () => {
  it('in --json, JSON lines and the human report, with the database in Asia/Kolkata (+05:30)', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET timezone = 'Asia/Kolkata'`);
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    const [before] = await db.query<{ now: Date }>('SELECT now()');
    expect((await runCli([], env)).code).toBe(0);
    const [after] = await db.query<{ now: Date }>('SELECT now()');
    const [stored] = await db.query<{ local: string }>(`SELECT applied_at::text AS local FROM public.schema_migrations`);

    const doc = JSON.parse((await runCli(['--list', '--json'], env)).stdout) as { plan: { applied: Array<{ appliedAt: string }> } };
    const appliedAt = doc.plan.applied[0]!.appliedAt;
    expect(appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The instant NOW() wrote: between the server's clock before and after the run.
    expect(Date.parse(appliedAt)).toBeGreaterThanOrEqual(before!.now.getTime() - 1);
    expect(Date.parse(appliedAt)).toBeLessThanOrEqual(after!.now.getTime() + 1);
    // The column holds Kolkata's wall clock; the output is that instant in UTC, 5:30 earlier.
    expect(Date.parse(`${stored!.local.replace(' ', 'T')}Z`) - Date.parse(appliedAt)).toBe(5.5 * 3600_000);

    const status = jsonLines((await runCli(['--list'], { ...env, LOG_FORMAT: 'json' })).stdout).find((l) => l.event === 'status') as { applied: Array<{ appliedAt: string }> };
    expect(status.applied[0]!.appliedAt).toBe(appliedAt);
    const human = await runCli(['--list'], { ...env, LOG_FORMAT: 'text' });
    expect(human.stdout).toContain(`✓ 0001_a.sql (${appliedAt.slice(0, 10)} ${appliedAt.slice(11, 19)} UTC)`);
  });
});

describe('errors in JSON logs have a clean shape (11.2)', () => {
  it('message, code or SQLSTATE, detail and hint where there are; no type, no empty stack', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'json', LOG_LEVEL: 'trace' };
    const failed = await runCli([], env);
    expect(failed.code).toBe(1);
    const config = await runCli([], { ...env, DB_WAIT_TIMEOUT: 'soon' });
    expect(config.code).toBe(3);
    const unreachable = await runCli([], { ...env, DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/db', DB_WAIT_TIMEOUT: '1s' });
    expect(unreachable.code).toBe(4);
    const errors = [failed, config, unreachable].flatMap((r) => jsonLines(r.stdout)).flatMap((l) => (l.err ? [l.err as Record<string, unknown>] : []));
    expect(errors.length).toBeGreaterThanOrEqual(3);
    for (const err of errors) {
      expect(Object.keys(err).filter((k) => !['message', 'code', 'sqlstate', 'detail', 'hint', 'context'].includes(k)), JSON.stringify(err)).toEqual([]);
      expect(typeof err.message).toBe('string');
      expect(err.message).not.toBe('');
    }
    const migrationFailed = jsonLines(failed.stdout).find((l) => l.event === 'migration.failed');
    expect(migrationFailed).toMatchObject({ sqlstate: '23505', err: { message: expect.stringContaining('DETAIL: Key (id)=(1) already exists.') } });
    expect(jsonLines(config.stdout).find((l) => l.event === 'run.failed')?.err).toEqual({ message: 'invalid configuration:\n  - DB_WAIT_TIMEOUT: must be a duration such as 500ms, 30s, 10m or 1h' });
  });
});
