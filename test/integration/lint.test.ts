// `pgshift lint` through the built CLI against a real server: pending files only, graded by the
// table's size (thresholds as settings make "large" cheap), catalog-informed column checks, LINT
// before `up`, the output formats, and the parser never loaded on the apply and no-op paths.
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, cliEnv, collect, jsonLines, ROOT, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const BASE = `CREATE TABLE small (a int, note varchar(20));
CREATE TABLE large (a int, note varchar(20));
INSERT INTO small SELECT g, 'x' FROM generate_series(1, 10) g;
INSERT INTO large SELECT g, 'x' FROM generate_series(1, 5000) g;
ALTER TABLE large ADD CONSTRAINT large_a_nn CHECK (a IS NOT NULL);
LOCK TABLE small IN SHARE MODE;
`;

const RISKY = `SET lock_timeout = '2s';
CREATE INDEX small_a ON small (a);
CREATE INDEX large_a ON large (a);
ALTER TABLE large ALTER COLUMN note TYPE text;
ALTER TABLE large ALTER COLUMN note TYPE varchar(10);
ALTER TABLE large ALTER COLUMN a SET NOT NULL;
ALTER TABLE small ALTER COLUMN a SET NOT NULL;
`;

const SIZES = { LINT_LARGE_TABLE_ROWS: '1000', LINT_LARGE_TABLE_SIZE: '1GB' };

type Found = { rule: string; severity: string; path: string; line: number; column: number; size?: string; detail: string };

function findings(stdout: string): Found[] {
  return (JSON.parse(stdout) as { findings: Found[] }).findings;
}

const short = (f: Found) => `${f.path.split('/').pop()}:${f.line}:${f.column} ${f.severity} ${f.rule}`;

async function migrated(extra: Record<string, string> = {}): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await writeMigrations({ '0001_base.sql': BASE });
  const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, ...SIZES };
  const up = await runCli([], env);
  expect(up.code, up.stdout + up.stderr).toBe(0);
  await db.query('ANALYZE small; ANALYZE large');
  for (const [name, sql] of Object.entries(extra)) await writeFile(join(dir, name), sql);
  return { dir, env };
}

describe('pgshift lint with a database', () => {
  it('lints only the pending files and grades each finding by the table size', async () => {
    const { env } = await migrated({ '0002_risky.sql': RISKY });
    const r = await runCli(['lint', '--json'], env);
    expect(r.code, r.stderr).toBe(6);
    const doc = JSON.parse(r.stdout) as { scope: string; files: number };
    expect(doc).toMatchObject({ scope: 'pending files', files: 1 });
    // 0001 (LOCK TABLE) is applied: not linted. note TYPE text is binary-coercible from varchar(20);
    // large.a is proven NOT NULL by a validated CHECK: neither is reported.
    expect(findings(r.stdout).map(short)).toEqual([
      '0002_risky.sql:2:1 note index-not-concurrently',
      '0002_risky.sql:3:1 error index-not-concurrently',
      '0002_risky.sql:5:32 error alter-column-type',
      '0002_risky.sql:7:1 note set-not-null',
    ]);
    const [small, large] = findings(r.stdout);
    expect(small!.size).toBe('small: ~10 rows, 8.0 kB, small');
    expect(large!.size).toMatch(/^large: ~5,000 rows, \d+\.\d kB$/);
    expect(findings(r.stdout)[2]!.detail).toContain('(from character varying(20))');
  });

  it('a large threshold makes every table small: notes only, exit 0', async () => {
    const { env } = await migrated({ '0002_risky.sql': RISKY });
    const r = await runCli(['lint', '--json'], { ...env, LINT_LARGE_TABLE_ROWS: '1000000' });
    expect(r.code, r.stderr).toBe(0);
    expect(findings(r.stdout).map((f) => f.severity)).toEqual(['note', 'note', 'note', 'note']);
  });

  it('tables created by an earlier pending file are new: no findings for changing them', async () => {
    const { env } = await migrated({ '0002_create.sql': 'CREATE TABLE fresh (a int);', '0003_index.sql': "SET lock_timeout = '1s';\nCREATE INDEX fresh_a ON fresh (a);\nALTER TABLE fresh ALTER COLUMN a SET NOT NULL;" });
    const r = await runCli(['lint', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(findings(r.stdout)).toEqual([]);
  });

  it('reads only the catalog, in a read-only transaction with lock_timeout: a table locked ACCESS EXCLUSIVE by another session is waited for no longer than that', async () => {
    const { env } = await migrated({ '0002_risky.sql': RISKY });
    const holder = await db.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE large IN ACCESS EXCLUSIVE MODE');
      const r = await runCli(['lint', '--json'], env);
      // pg_class is read without locking `large`: the lint finishes while the lock is held.
      expect(r.code, r.stderr).toBe(6);
      expect(findings(r.stdout).map(short)).toContain('0002_risky.sql:3:1 error index-not-concurrently');
      // The column checks wait for an ACCESS SHARE lock on it, up to lock_timeout: that one says so.
      expect(findings(r.stdout).find((f) => f.rule === 'set-not-null' && f.line === 6)?.detail).toBe('large.a SET NOT NULL (column not checked: the catalog read waited past lock_timeout (the table is locked))');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});

describe('pgshift lint without a database', () => {
  it('lints every file, each on its own, and says so', async () => {
    const dir = await writeMigrations({ '0001_base.sql': BASE, '0002_risky.sql': RISKY });
    const r = await runCli(['lint', '--json'], { MIGRATIONS_DIR: dir });
    expect(r.code).toBe(6);
    const doc = JSON.parse(r.stdout) as { scope: string; database: string };
    expect(doc.scope).toBe('every file: no database to tell which are pending');
    expect(doc.database).toBe('no database: not graded by table size');
    expect(findings(r.stdout).map(short)).toEqual([
      '0001_base.sql:6:1 error lock-table',
      '0001_base.sql:6:1 warning lock-timeout-missing',
      '0002_risky.sql:2:1 error index-not-concurrently',
      '0002_risky.sql:3:1 error index-not-concurrently',
      '0002_risky.sql:4:32 warning alter-column-type',
      '0002_risky.sql:5:32 warning alter-column-type',
      '0002_risky.sql:6:1 error set-not-null',
      '0002_risky.sql:7:1 error set-not-null',
    ]);
  });

  it('text: file:line:col, the line with a caret, the rule, lock, why and fix; the reason of an allowed one', async () => {
    const file = join(await writeMigrations({ 'x.sql': "SET lock_timeout = '1s';\n  CREATE INDEX i ON t (a);\n-- pgshift:allow drop-column nothing reads it since v41\nALTER TABLE t DROP COLUMN b;\n" }), 'x.sql');
    const r = await runCli(['lint', file], { LOG_FORMAT: 'text' });
    expect(r.code).toBe(6);
    expect(r.stdout).toContain(`${file}:2:3: error index-not-concurrently: index on t\n 2 |   CREATE INDEX i ON t (a);\n   |   ^\n  lock: SHARE on the table`);
    expect(r.stdout).toMatch(/\n {2}why: {2}writes to the table wait/);
    expect(r.stdout).toMatch(/\n {2}fix: {2}CREATE INDEX CONCURRENTLY/);
    expect(r.stdout).toContain(`${file}:4:1: allowed drop-column: t.b — reason: nothing reads it since v41`);
    expect(r.stdout).toContain('lint: 1 error, 0 warnings, 0 notes, 1 allowed in 1 file (1 named; no database: not graded by table size)');
  });

  it('--format github: one workflow command per finding', async () => {
    const file = join(await writeMigrations({ 'x.sql': "SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\nALTER TABLE t RENAME COLUMN a TO b;\n" }), 'x.sql');
    const r = await runCli(['lint', '--format', 'github', file], {});
    expect(r.code).toBe(6);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith(`::error file=${file},line=2,col=1,title=pgshift lint%3A index-not-concurrently::index on t%0ALock: `)).toBe(true);
    expect(lines[1]!.startsWith(`::warning file=${file},line=3,col=1,title=pgshift lint%3A rename-column::t.a → b%0A`)).toBe(true);
  });

  it('a file the parser rejects: a parse error at its position, never a crash', async () => {
    const file = join(await writeMigrations({ 'x.sql': "SET lock_timeout = '1s';\nCREATE TABLE t (a int,, b int);\n" }), 'x.sql');
    const r = await runCli(['lint', '--json', file], {});
    expect(r.code).toBe(6);
    expect(findings(r.stdout).map(short)).toEqual(['x.sql:2:23 error parse-error']);
    expect(findings(r.stdout)[0]!.detail).toBe('syntax error at or near ","');
  });

  it('every file in migrations/ and every .sql fixture: linted without a crash', async () => {
    const folder = await runCli(['lint', '--all', '--json'], { MIGRATIONS_DIR: join(ROOT, 'migrations') });
    expect([0, 6], folder.stderr).toContain(folder.code);
    expect(findings(folder.stdout).filter((f) => f.rule === 'parse-error')).toEqual([]);
    const fixtures = [...(await sqlFiles(join(ROOT, 'test', 'fixtures'))), ...(await sqlFiles(join(ROOT, 'test', 'container', 'fixtures')))];
    expect(fixtures.length).toBeGreaterThan(30);
    const r = await runCli(['lint', '--json', ...fixtures], {});
    expect([0, 6], r.stderr).toContain(r.code);
    expect(findings(r.stdout).length).toBeGreaterThan(0);
  });
});

async function sqlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.sql')) out.push(join(e.parentPath, e.name));
  return out.sort();
}

describe('LINT before up', () => {
  const INDEX = "SET lock_timeout = '2s';\nCREATE INDEX large_a ON large (a);\n";

  it('refuse: exit 6 before anything runs', async () => {
    const { env } = await migrated({ '0002_index.sql': INDEX });
    const r = await runCli([], { ...env, LINT: 'refuse' });
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(jsonLines(r.stdout).find((e) => e.event === 'lint.finding')).toMatchObject({ rule: 'index-not-concurrently', severity: 'error' });
    expect(await db.query("SELECT filename FROM schema_migrations WHERE filename = '0002_index.sql'")).toEqual([]);
    expect(await db.query("SELECT 1 FROM pg_indexes WHERE indexname = 'large_a'")).toEqual([]);
  });

  it('warn: logs the findings and applies', async () => {
    const { env } = await migrated({ '0002_index.sql': INDEX });
    const r = await runCli([], { ...env, LINT: 'warn' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonLines(r.stdout).find((e) => e.event === 'lint.finding')).toMatchObject({ level: 'warn', rule: 'index-not-concurrently' });
    expect(await db.query("SELECT 1 AS one FROM pg_indexes WHERE indexname = 'large_a'")).toEqual([{ one: 1 }]);
  });

  it('off (the default): no lint', async () => {
    const { env } = await migrated({ '0002_index.sql': INDEX });
    const r = await runCli([], env);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).filter((e) => String(e.event).startsWith('lint.'))).toEqual([]);
  });
});

describe('the parser is loaded only by lint', () => {
  /**
   * The bundle beside a stand-in dist/pgshift-parser.mjs that records that it was loaded: `up`
   * (applying, and the no-op), `status` and `plan` must never import it; `lint` does (so the probe works).
   */
  async function probe(): Promise<{ cli: string; marker: string }> {
    const dist = await mkdtemp(join(tmpdir(), 'pgshift-dist-'));
    const marker = join(dist, 'parser-was-loaded');
    await copyFile(CLI, join(dist, 'pgshift.mjs'));
    await writeFile(join(dist, 'pgshift-parser.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'loaded');\nthrow new Error('stand-in parser');\n`);
    return { cli: join(dist, 'pgshift.mjs'), marker };
  }

  it('up (applying and no-op), status and plan do not load it; lint does', async () => {
    const { cli, marker } = await probe();
    const { env } = await migrated({ '0002_index.sql': "CREATE INDEX large_a ON large (a);\n" });
    const run = (args: string[]) => collect(spawn(process.execPath, [cli, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
    for (const args of [[], [], ['status'], ['plan']]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(existsSync(marker), `pgshift ${args.join(' ') || 'up'} loaded the parser`).toBe(false);
    }
    const lint = await run(['lint']);
    expect(lint.code).toBe(70);
    expect(await readFile(marker, 'utf8')).toBe('loaded');
  });
});
