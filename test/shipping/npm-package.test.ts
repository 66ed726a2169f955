// The npm package: `npm pack` holds only what users need, and installed into an empty folder,
// `npx pgshift` works — --help, and a real run against PostgreSQL.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
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
  await writeFile(join(installDir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: installDir, stdio: 'ignore' });
});

function npx(args: string[], env: Record<string, string>) {
  const child = spawn('npx', ['--no-install', 'pgshift', ...args], { cwd: installDir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_FORMAT: 'json', TERMINATION_LOG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

describe('npm package', () => {
  it('holds only the bundled program, README, LICENSE, docs and package.json', () => {
    expect(files.every((f) => ['package.json', 'README.md', 'LICENSE', 'dist/pgshift.mjs', 'dist/pgshift-parser.mjs', 'dist/libpg-query.wasm'].includes(f) || /^docs\/[A-Z_]+\.md$/.test(f)), files.join(', ')).toBe(true);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/pgshift.mjs', 'dist/pgshift-parser.mjs', 'dist/libpg-query.wasm']));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.includes('node_modules'))).toBe(false);
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
