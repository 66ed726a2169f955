// Bad input in the migrations folder: each case ends with a clear message and its exit code, and
// nothing is applied or lost.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cliEnv, collect, jsonLines, runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

async function withDb<T>(fn: (db: TestDatabase) => Promise<T>): Promise<T> {
  const db = await createDatabase();
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

const historyOf = (db: TestDatabase) =>
  db.query<{ filename: string; success: boolean }>(`SELECT filename, success FROM public.schema_migrations ORDER BY id`).catch(() => 'no history table' as const);

function message(r: CliResult): string {
  return String((jsonLines(r.stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
}

/** Runs the CLI as an unprivileged user when the tests run as root (root reads any folder). */
function runUnprivileged(env: Record<string, string>): Promise<CliResult> {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return collect(spawn(process.execPath, [CLI], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir(), ...asNobody }));
}

describe('MIGRATIONS_DIR itself', () => {
  it('does not exist: exit 3 naming MIGRATIONS_DIR, nothing created', () =>
    withDb(async (db) => {
      const dir = join(tmpdir(), 'pgshift-no-such-dir');
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code).toBe(3);
      expect(message(r)).toContain(`MIGRATIONS_DIR: ${dir} does not exist`);
      expect(await historyOf(db)).toBe('no history table');
    }));

  it('is a file: exit 3, "is not a directory"', () =>
    withDb(async (db) => {
      const dir = await writeMigrations({ 'not-a-dir': 'x' });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: join(dir, 'not-a-dir') });
      expect(r.code).toBe(3);
      expect(message(r)).toMatch(/MIGRATIONS_DIR: .*not-a-dir is not a directory/);
    }));

  it('cannot be read (mode 000, run as an unprivileged user): exit 3, "cannot be read (EACCES)"', () =>
    withDb(async (db) => {
      const parent = await mkdtemp(join(tmpdir(), 'pgshift-unreadable-'));
      await chmod(parent, 0o755);
      const dir = join(parent, 'migrations');
      await mkdir(dir);
      await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);');
      await chmod(dir, 0o000);
      const r = await runUnprivileged({ DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(message(r)).toContain(`MIGRATIONS_DIR: ${dir} cannot be read (EACCES)`);
      expect(await historyOf(db)).toBe('no history table');
    }));

  it('is empty: exit 0, and says so', () =>
    withDb(async (db) => {
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: await writeMigrations({}) });
      expect(r.code).toBe(0);
      expect(jsonLines(r.stdout).find((e) => e.event === 'source.empty')).toMatchObject({ level: 'warn', msg: 'no migration files found' });
      expect(await historyOf(db)).toEqual([]);
    }));
});

describe('files in it', () => {
  it('an empty, a whitespace-only and a comments-only file: warned, recorded as applied (documented), a re-run is a no-op', () =>
    withDb(async (db) => {
      const dir = await writeMigrations({ '0001_empty.sql': '', '0002_blank.sql': '  \n\t\n\n', '0003_comments.sql': '-- nothing yet\n/* later */\n', '0004_real.sql': 'CREATE TABLE r (id int);' });
      const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
      const r = await runCli([], env);
      expect(r.code, r.stdout).toBe(0);
      const warnings = jsonLines(r.stdout).filter((e) => e.event === 'source.warning').map((e) => e.msg);
      expect(warnings).toEqual([
        '0001_empty.sql: contains no SQL statements; it will be recorded as applied',
        '0002_blank.sql: contains no SQL statements; it will be recorded as applied',
        '0003_comments.sql: contains no SQL statements; it will be recorded as applied',
      ]);
      expect(await historyOf(db)).toEqual(['0001_empty.sql', '0002_blank.sql', '0003_comments.sql', '0004_real.sql'].map((filename) => ({ filename, success: true })));
      const again = await runCli([], env);
      expect(again.code).toBe(0);
      expect(jsonLines(again.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);
    }));

  it('a file that is not UTF-8: exit 6 naming the file and line, nothing applied (not even the valid files before it)', () =>
    withDb(async (db) => {
      const latin1 = Buffer.concat([Buffer.from("-- seed\nINSERT INTO t VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]);
      const dir = await writeMigrations({ '0001_ok.sql': 'CREATE TABLE t (v text);', '0002_latin1.sql': latin1 });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code).toBe(6);
      expect(message(r)).toContain('0002_latin1.sql:2: is not valid UTF-8 (byte 0xe9 at offset 34); save the file as UTF-8');
      expect(await historyOf(db)).not.toContainEqual(expect.objectContaining({ success: true }));
      expect(await db.query(`SELECT to_regclass('t') AS t`)).toEqual([{ t: null }]);
    }));

  it.each([
    ['the last byte of the file', Buffer.from([0x53, 0x45, 0x4c, 0x0a, 0x31, 0x3b, 0xe9]), 2, 0xe9, 6],
    ['a stray continuation byte after a valid é', Buffer.from([0x2d, 0x2d, 0x20, 0xc3, 0xa9, 0x80, 0x0a]), 1, 0x80, 5],
    ['a byte after a real U+FFFD in a comment', Buffer.concat([Buffer.from('-- \uFFFD ok\n-- bad '), Buffer.from([0xff]), Buffer.from('\nSELECT 1;')]), 2, 0xff, 17],
  ])('locates the invalid byte exactly: %s', (_what, bytes, line, byte, offset) =>
    withDb(async (db) => {
      const dir = await writeMigrations({ '0001_bad.sql': bytes });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code).toBe(6);
      expect(message(r)).toContain(`0001_bad.sql:${line}: is not valid UTF-8 (byte 0x${byte.toString(16)} at offset ${offset})`);
    }));

  it('symlinked files, laid out as a Kubernetes ConfigMap volume (..data → ..<timestamp>/): applied', () =>
    withDb(async (db) => {
      const dir = await mkdtemp(join(tmpdir(), 'pgshift-configmap-'));
      const stamp = '..2025_10_18_19_53_41.123456789';
      await mkdir(join(dir, stamp));
      await writeFile(join(dir, stamp, '0001_a.sql'), 'CREATE TABLE a (id int);');
      await writeFile(join(dir, stamp, '0002_b.sql'), 'CREATE TABLE b (id int);');
      await symlink(stamp, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      for (const f of ['0001_a.sql', '0002_b.sql']) await symlink(join('..data', f), join(dir, f));
      const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
      const r = await runCli([], env);
      expect(r.code, r.stdout).toBe(0);
      expect(await historyOf(db)).toEqual([
        { filename: '0001_a.sql', success: true },
        { filename: '0002_b.sql', success: true },
      ]);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'source.warning')).toEqual([]);
      expect((await runCli([], env)).code).toBe(0);
    }));

  it('a dangling symlink: exit 6 naming it, nothing applied', () =>
    withDb(async (db) => {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      await symlink(join(dir, 'gone.sql'), join(dir, '0002_gone.sql'));
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code).toBe(6);
      expect(message(r)).toContain('0002_gone.sql: cannot be read (a dangling symlink?)');
      expect(await db.query(`SELECT to_regclass('a') AS t`)).toEqual([{ t: null }]);
    }));

  it('a directory named x.sql: ignored with a warning; the files beside it are applied', () =>
    withDb(async (db) => {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', 'x.sql/0002_inside.sql': 'CREATE TABLE inside (id int);' });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout).toBe(0);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'source.warning').map((e) => e.msg)).toEqual(['x.sql: not a regular file; ignored (subfolders are not read)']);
      expect(await historyOf(db)).toEqual([{ filename: '0001_a.sql', success: true }]);
      expect(await db.query(`SELECT to_regclass('inside') AS t`)).toEqual([{ t: null }]);
    }));

  it('an unreadable file (mode 000, run as an unprivileged user): exit 6 naming it, nothing applied', () =>
    withDb(async (db) => {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_secret.sql': 'CREATE TABLE s (id int);' });
      await chmod(dir, 0o755);
      await chmod(join(dir, '0002_secret.sql'), 0o000);
      const r = await runUnprivileged({ DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout + r.stderr).toBe(6);
      expect(message(r)).toContain('0002_secret.sql: cannot be read (EACCES)');
      expect(await db.query(`SELECT to_regclass('a') AS t`)).toEqual([{ t: null }]);
    }));
});
