// Fleets at size (issue 14), the `npm run test:fleet` tier: 200 databases × 20 migrations, 500
// schemas in one database, kill -9 mid-fleet. Too slow for `npm test` on two cores; the fast
// versions are in fleet.test.ts.
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, withDatabase } from '../helpers/db.js';
import { runCliCheckingSecrets } from '../helpers/suite.js';

const checked = runCliCheckingSecrets();
/** A fleet of hundreds takes minutes on a busy two-core machine: the CLI's own bound is the test's. */
const cli = { ...checked, run: async (args: string[], env: Record<string, string>) => checked.keep(await runCli(args, env, { timeoutMs: 580_000 })) };
const dropped: string[] = [];

afterAll(async () => {
  await withClient(adminUrl(), async (c) => {
    for (const name of dropped) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

/** `n` empty databases, copied from one template (far faster than n CREATE DATABASE from template1's WAL log). */
async function fleetOf(n: number): Promise<string[]> {
  const template = await createDatabase();
  const names = Array.from({ length: n }, (_, i) => `${template.name}_${i}`);
  await withClient(adminUrl(), async (c) => {
    const { rows } = await c.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    const strategy = rows[0]!.v >= 150000 ? ' STRATEGY FILE_COPY' : '';
    for (const name of names) await c.query(`CREATE DATABASE ${name} TEMPLATE ${template.name}${strategy}`);
  });
  dropped.push(...names, template.name);
  return names;
}

function twenty(): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${String(i + 1).padStart(4, '0')}_step.sql`, `CREATE TABLE step_${i + 1} (id int); INSERT INTO step_${i + 1} VALUES (${i + 1});`]));
}

async function targetsFile(names: string[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'pgshift-fleet-')), 'targets');
  writeFileSync(path, names.map((n) => withDatabase(adminUrl(), n)).join('\n'));
  return path;
}

async function appliedCounts(names: string[], schemaOf: (name: string) => string = () => 'public', db?: string): Promise<number[]> {
  const counts: number[] = [];
  for (const name of names) {
    const url = withDatabase(adminUrl(), db ?? name);
    const [row] = await withClient(url, (c) => c.query<{ n: number }>(`SELECT count(*) FILTER (WHERE success)::int AS n, count(*)::int AS rows FROM ${schemaOf(name)}.schema_migrations`)).then((r) => r.rows);
    counts.push(row!.n);
  }
  return counts;
}

function fleetDoc(stdout: string): { fleet: Record<string, number>; exitCode: number } {
  return JSON.parse(stdout);
}

describe('fleets at size', () => {
  it('200 databases × 20 migrations, then a re-run as a no-op', async () => {
    const names = await fleetOf(200);
    const env = { FLEET_TARGETS_FILE: await targetsFile(names), MIGRATIONS_DIR: await writeMigrations(twenty()) };
    const first = await cli.run(['up', '--json'], env);
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    expect(fleetDoc(first.stdout).fleet).toMatchObject({ targets: 200, applied: 200 });
    expect(new Set(await appliedCounts(names))).toEqual(new Set([20]));
    const again = await cli.run(['up', '--json'], env);
    expect(again.code).toBe(0);
    expect(fleetDoc(again.stdout).fleet).toMatchObject({ targets: 200, upToDate: 200 });
    expect(new Set(await appliedCounts(names))).toEqual(new Set([20]));
  });

  it('500 schemas in one database, then a re-run as a no-op', async () => {
    const db = await createDatabase();
    dropped.push(db.name);
    const schemas = Array.from({ length: 500 }, (_, i) => `tenant_${i}`);
    const env = { DATABASE_URL: db.url, FLEET_SCHEMAS: schemas.join(','), MIGRATIONS_DIR: await writeMigrations(Object.fromEntries(Object.entries(twenty()).slice(0, 5))) };
    const first = await cli.run(['up', '--json'], env);
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    expect(fleetDoc(first.stdout).fleet).toMatchObject({ targets: 500, applied: 500 });
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'step_5' AND schemaname LIKE 'tenant_%'`);
    expect(row!.n).toBe(500);
    const again = await cli.run(['up', '--json'], env);
    expect(again.code).toBe(0);
    expect(fleetDoc(again.stdout).fleet).toMatchObject({ targets: 500, upToDate: 500 });
    expect(new Set(await appliedCounts(schemas.slice(0, 50), (s) => s, db.name))).toEqual(new Set([5]));
  });

  it('kill -9 mid-fleet, then a re-run converges: every file applied once everywhere', async () => {
    const names = await fleetOf(12);
    const files = { ...twenty(), '0005_step.sql': 'CREATE TABLE step_5 (id int); SELECT pg_sleep(0.5);' };
    const env = { FLEET_TARGETS_FILE: await targetsFile(names), MIGRATIONS_DIR: await writeMigrations(files), FLEET_CONCURRENCY: '3' };
    const child = spawnCli(['up'], env);
    const done = collect(child);
    await waitForOutput(child, (out) => (out.match(/"event":"fleet.target"/g) ?? []).length >= 3);
    child.kill('SIGKILL');
    cli.keep(await done);
    // The killed sessions' locks end with their backends; the re-run waits for them (LOCK_TIMEOUT).
    const again = await cli.run(['up', '--json'], env);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(new Set(await appliedCounts(names))).toEqual(new Set([20]));
    for (const name of names) {
      const rows = await withClient(withDatabase(adminUrl(), name), (c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM step_1'));
      expect(rows.rows).toEqual([{ n: 1 }]);
    }
  });
});
