// What the real-tool tests share: running a tool installed in test/tools (or on PATH), the suite's
// database as those tools connect to it, and `pgshift import` followed by `pgshift`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { jsonLines, ROOT, type CliResult } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';

const BIN = join(ROOT, 'test', 'tools', 'node_modules', '.bin');

/** Runs `name` from test/tools/node_modules/.bin, or from PATH when `onPath`; throws with its output when it fails. */
export const tool = (name: string, args: string[], env: Record<string, string>, options: { cwd?: string; onPath?: boolean } = {}) =>
  promisify(execFile)(options.onPath ? name : join(BIN, name), args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd: options.cwd, timeout: 60_000 });

/** The suite's server speaks no TLS to these clients. */
export const plainUrl = (db: TestDatabase) => `${db.url}${db.url.includes('?') ? '&' : '?'}sslmode=disable`;

/** The `log` table every fixture writes its number into. */
export const log = async (db: TestDatabase) => (await db.query<{ n: number }>('SELECT n FROM log ORDER BY n')).map((r) => r.n);

export const applied = (stdout: string) => jsonLines(stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file);

type Run = (args: string[], env: Record<string, string | undefined>) => Promise<CliResult>;

/** `pgshift import --from X --json`, then `pgshift`: what was recorded and what was applied. */
export async function importThenApply(run: Run, from: string, env: Record<string, string>): Promise<{ recorded: unknown; applied: unknown[] }> {
  const imported = await run(['import', '--from', from, '--json'], env);
  expect(imported.code, imported.stdout + imported.stderr).toBe(0);
  const up = await run([], env);
  expect(up.code, up.stdout + up.stderr).toBe(0);
  return { recorded: (JSON.parse(imported.stdout) as { recorded: unknown }).recorded, applied: applied(up.stdout) };
}

/** `pgshift import --from X`, refused: exit 6, the refusal's text, and nothing recorded. */
export async function importRefused(run: Run, db: TestDatabase, from: string, env: Record<string, string>): Promise<string> {
  const r = await run(['import', '--from', from], env);
  expect(r.code, r.stdout + r.stderr).toBe(6);
  const table = env.MIGRATIONS_TABLE ?? 'schema_migrations';
  expect(await db.query(`SELECT to_regclass('public.${table}') IS NULL AS none`)).toEqual([{ none: true }]);
  return r.stdout + r.stderr;
}
