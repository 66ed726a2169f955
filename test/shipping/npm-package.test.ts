// The npm package: `npm pack` holds only what users need; installed into an empty folder (offline:
// it has no dependencies, everything is bundled), `npx pgshift` works — --help, and a real run against
// PostgreSQL — and so does the library: a TypeScript file using it (with the README's globalSetup
// sample) type-checks against the shipped declarations and runs against the suite's PostgreSQL.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, jsonLines, ROOT, writeMigrations } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';
import { spawn } from 'node:child_process';

interface PackEntry {
  filename: string;
  files: Array<{ path: string }>;
}

let tarball: string;
let files: string[];
let installDir: string;

beforeAll(async () => {
  const out = await mkdtemp(join(tmpdir(), 'pgshift-pack-'));
  const [entry] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as PackEntry[];
  tarball = join(out, entry!.filename);
  files = entry!.files.map((f) => f.path).sort();
  installDir = await mkdtemp(join(tmpdir(), 'pgshift-install-'));
  await writeFile(join(installDir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: installDir, stdio: 'ignore' });
});

function npx(args: string[], env: Record<string, string>) {
  const child = spawn('npx', ['--no-install', 'pgshift', ...args], { cwd: installDir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_FORMAT: 'json', TERMINATION_LOG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

const SHIPPED = ['package.json', 'README.md', 'LICENSE', 'dist/pgshift.mjs', 'dist/pgshift-parser.mjs', 'dist/libpg-query.wasm', 'dist/index.mjs', 'dist/types/api.d.ts'];

describe('npm package', () => {
  it('holds only the bundled program and library, its declarations, README, LICENSE, docs and package.json', () => {
    expect(files.every((f) => SHIPPED.includes(f) || /^dist\/types\/[\w/-]+\.d\.ts$/.test(f) || /^docs\/[A-Z_]+\.md$/.test(f)), files.join(', ')).toBe(true);
    expect(files).toEqual(expect.arrayContaining(SHIPPED));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.includes('node_modules'))).toBe(false);
  });

  it('installs nothing but itself: both bundles import only Node built-ins', async () => {
    expect((await readdir(join(installDir, 'node_modules'))).filter((d) => !d.startsWith('.'))).toEqual(['pgshift']);
  });

  it('installs into an empty folder and `npx pgshift --help` works', async () => {
    expect(await readdir(join(installDir, 'node_modules', '.bin'))).toContain('pgshift');
    const r = await npx(['--help'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('pgshift');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('`npx pgshift lint` parses with the parser shipped beside the bundle', async () => {
    const dir = await writeMigrations({ '20250101_a.sql': "SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\n" });
    const r = await npx(['lint', '--json'], { MIGRATIONS_DIR: dir });
    expect(r.code, r.stderr).toBe(6);
    expect((JSON.parse(r.stdout) as { findings: Array<{ rule: string; line: number }> }).findings.map((f) => `${f.line} ${f.rule}`)).toEqual(['2 index-not-concurrently']);
  });

  it('applies migrations to a real PostgreSQL from the installed package', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations({ '20250101_a.sql': 'CREATE TABLE installed (id int);' });
      const r = await npx([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'migration.applied')).toHaveLength(1);
      expect(await db.query(`SELECT to_regclass('public.installed') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
    } finally {
      await db.drop();
    }
  });
});

/** The consumer's own script: the README's globalSetup, then every library call, typed; it prints what it saw as JSON. */
const CONSUMER = `
import { InterruptedError, MigratorError, plan, status, up, validate, type LogTarget, type PlanJson, type UpReport } from 'pgshift';
import setup from './global-setup.js';

const url = process.env.TEST_DATABASE_URL!;
const env = { DATABASE_URL: url, MIGRATIONS_DIR: 'migrations' };
const events: string[] = [];
const logger: LogTarget = { info: (f) => void events.push(String((f as { event?: string }).event)), warn: () => {}, error: () => {} };

await setup();
const again: UpReport = await up({ env, logger });
const seen: PlanJson = await status({ env });
const next: PlanJson = await plan({ env });
const valid: { files: number; plan: PlanJson } = await validate({ env, strict: true });
// @ts-expect-error: options are typed (to is a string)
void (() => up({ env, to: 1 }));

const controller = new AbortController();
const slow: LogTarget = {
  ...logger,
  info(f) {
    const e = f as { event?: string; file?: string };
    if (e.event === 'migration.start' && e.file === '002_slow.sql') setTimeout(() => controller.abort(), 300);
  },
};
let aborted: unknown;
try {
  await up({ env: { DATABASE_URL: process.env.SLOW_DATABASE_URL, MIGRATIONS_DIR: 'slow' }, signal: controller.signal, logger: slow });
} catch (err) {
  aborted = err;
}
const e = aborted as MigratorError;
console.log(JSON.stringify({
  again, events,
  seen: { applied: seen.applied.map((x) => x.file), pending: seen.pending.length, problems: seen.problems },
  next: next.toApply.length, valid: valid.files,
  aborted: { interrupted: aborted instanceof InterruptedError, migratorError: aborted instanceof MigratorError, code: e?.code, exitCode: e?.exitCode },
}));
`;

describe('the library, installed', () => {
  it('type-checks against the shipped declarations and runs the README globalSetup, status/plan/validate, and an aborted up', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const sample = /<!-- library-sample: global-setup -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample, 'README has the library-sample: global-setup block').toBeDefined();
    await writeFile(join(installDir, 'global-setup.ts'), sample!);
    await writeFile(join(installDir, 'consumer.ts'), CONSUMER);
    await writeFile(
      join(installDir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out', typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] }, include: ['*.ts'] }),
    );
    // Type-checked with the repository's tsc; a type error fails here (and nothing is emitted).
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmitOnError'], { cwd: installDir, encoding: 'utf8' });

    for (const [folder, sql] of Object.entries({
      migrations: { '001_users.sql': 'CREATE TABLE users (id int);', '002_posts.sql': 'CREATE TABLE posts (id int);' },
      slow: { '001_fast.sql': 'CREATE TABLE fast (id int);', '002_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(60);' },
    })) {
      await mkdir(join(installDir, folder));
      for (const [name, text] of Object.entries(sql)) await writeFile(join(installDir, folder, name), text);
    }
    const db = await createDatabase();
    const slow = await createDatabase();
    try {
      // DATABASE_URL of the process points nowhere: the library reads only the env it is given.
      const child = spawn(process.execPath, ['out/consumer.js'], { cwd: installDir, env: { PATH: process.env.PATH ?? '', TEST_DATABASE_URL: db.url, SLOW_DATABASE_URL: slow.url, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const r = await collect(child);
      expect(r.code, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(seen.again).toEqual({ applied: [], totalApplied: 2, warnings: [] });
      expect(seen.events).toContain('run.summary');
      expect(seen.seen).toEqual({ applied: ['001_users.sql', '002_posts.sql'], pending: 0, problems: [] });
      expect(seen.next).toBe(0);
      expect(seen.valid).toBe(2);
      expect(seen.aborted).toEqual({ interrupted: true, migratorError: true, code: 'INTERRUPTED', exitCode: 143 });
      // The README's setup applied both files; the aborted run applied the first and nothing of the second.
      expect(r.stderr).toContain('pgshift: applied 2; 2 in total');
      expect(await db.query(`SELECT filename FROM schema_migrations WHERE success ORDER BY filename`)).toEqual([{ filename: '001_users.sql' }, { filename: '002_posts.sql' }]);
      expect(await slow.query(`SELECT filename FROM schema_migrations WHERE success ORDER BY id`)).toEqual([{ filename: '001_fast.sql' }]);
      expect(await slow.query(`SELECT to_regclass('public.fast') IS NOT NULL AS fast, to_regclass('public.slow') IS NOT NULL AS slow`)).toEqual([{ fast: true, slow: false }]);
    } finally {
      await db.drop();
      await slow.drop();
    }
  });
});
