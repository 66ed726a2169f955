// Fleets (issue 14), the fast tier: a handful of databases and schemas on the suite's server, each
// target a complete pgshift run. The big fleets (200 databases, 500 schemas, kill -9) are in
// test/integration/fleet-scale.test.ts (`npm run test:fleet`).
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockKey } from '../../src/apply/lock.js';
import { jsonLines, spawnCli, collect, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, type TestDatabase } from '../helpers/db.js';
import { runCliCheckingSecrets } from '../helpers/suite.js';

const cli = runCliCheckingSecrets();
const TARGET_PASSWORD = 'fleet-target-pw-7Qx';
const TARGET_ROLE = 'fleet_runner';
const created: TestDatabase[] = [];

beforeAll(async () => {
  await withClient(adminUrl(), async (c) => {
    await c.query(`DO $$ BEGIN CREATE ROLE ${TARGET_ROLE} LOGIN SUPERUSER PASSWORD '${TARGET_PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  });
});

afterAll(async () => {
  await Promise.all(created.map((d) => d.drop()));
});

async function databases(n: number): Promise<TestDatabase[]> {
  const dbs = await Promise.all(Array.from({ length: n }, () => createDatabase()));
  created.push(...dbs);
  return dbs;
}

/** The target's connection string as the fleet's own role, whose password must never be printed. */
function asRunner(db: TestDatabase): string {
  const u = new URL(db.url);
  u.username = TARGET_ROLE;
  u.password = TARGET_PASSWORD;
  return u.toString();
}

async function targetsFile(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-fleet-'));
  const path = join(dir, 'targets');
  writeFileSync(path, `# the fleet\n\n${lines.join('\n')}\n`);
  return path;
}

const THREE = {
  '0001_a.sql': 'CREATE TABLE a (id int);',
  '0002_b.sql': 'CREATE TABLE b (id int);',
  '0003_c.sql': 'CREATE TABLE c (id int);',
};

async function historyOf(db: TestDatabase, schema = 'public'): Promise<Array<{ filename: string; success: boolean }>> {
  return db.query(`SELECT filename, success FROM ${schema}.schema_migrations ORDER BY id`);
}

function fleetDoc(stdout: string): { ok: boolean; exitCode: number; fleet: Record<string, number>; targets: Array<Record<string, unknown>> } {
  return JSON.parse(stdout);
}

describe('fleet of databases', () => {
  it('applies every target from a targets file, then re-runs as a no-op', async () => {
    const dbs = await databases(5);
    const dir = await writeMigrations(THREE);
    const env = { FLEET_TARGETS_FILE: await targetsFile(dbs.map(asRunner)), MIGRATIONS_DIR: dir, FLEET_CONCURRENCY: '2' };
    const first = await cli.run(['up', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const doc = fleetDoc(first.stdout);
    expect(doc.fleet).toMatchObject({ targets: 5, applied: 5 });
    for (const db of dbs) expect(await historyOf(db)).toEqual(Object.keys(THREE).map((filename) => ({ filename, success: true })));
    const events = jsonLines(first.stderr);
    const named = new Set(events.filter((e) => e.event === 'migration.applied').map((e) => e.target));
    expect(named).toEqual(new Set(dbs.map((d) => `127.0.0.1:${new URL(d.url).port}/${d.name}`)));

    const again = await cli.run(['up', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(fleetDoc(again.stdout).fleet).toMatchObject({ targets: 5, upToDate: 5 });
    for (const db of dbs) expect(await historyOf(db)).toHaveLength(3);

    const status = await cli.run(['status'], { ...env, LOG_FORMAT: 'text' });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('Latest applied file across 5 target(s):\n       5  0003_c.sql\n');
    expect(status.stdout).toContain('Up to date (5):');
    expect(status.stdout).toContain(`${nameOf(dbs[0]!)}  at 0003_c.sql`);
  });

  it('tries every target: one unreachable, one failing, one locked; exits with the most serious class', async () => {
    const dbs = await databases(5);
    const [failing, locked] = dbs as [TestDatabase, TestDatabase, ...TestDatabase[]];
    // 0002 fails on this database only: the table it creates already exists.
    await failing.query('CREATE TABLE b (x int)');
    const holder = await locked.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
    try {
      const dir = await writeMigrations(THREE);
      const unreachable = `postgres://${TARGET_ROLE}:${TARGET_PASSWORD}@127.0.0.1:1/nowhere`;
      const env = { FLEET_TARGETS_FILE: await targetsFile([unreachable, ...dbs.map(asRunner)]), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '0', LOCK_TIMEOUT: '1s' };
      const r = await cli.run(['up', '--json'], env);
      expect(r.code, r.stderr).toBe(1);
      const doc = fleetDoc(r.stdout);
      expect(doc).toMatchObject({ ok: false, exitCode: 1, fleet: { targets: 6, applied: 3, failed: 3 } });
      const byTarget = new Map(doc.targets.map((t) => [t.target, t]));
      expect(byTarget.get('127.0.0.1:1/nowhere')).toMatchObject({ status: 'failed', exitCode: 4, code: 'CONNECT' });
      expect(byTarget.get(nameOf(failing))).toMatchObject({ status: 'failed', exitCode: 1, code: 'MIGRATION_FAILED' });
      expect(byTarget.get(nameOf(locked))).toMatchObject({ status: 'failed', exitCode: 5, code: 'LOCK_TIMEOUT' });
      for (const db of dbs.slice(2)) expect(await historyOf(db)).toHaveLength(3);
      // Nothing half-applied: 0001 applied, 0002 rolled back and recorded as failed, 0003 not run.
      expect(await historyOf(failing)).toEqual([
        { filename: '0001_a.sql', success: true },
        { filename: '0002_b.sql', success: false },
      ]);
      expect(await failing.query(`SELECT to_regclass('c') AS c`)).toEqual([{ c: null }]);
      expect(await locked.query(`SELECT to_regclass('public.schema_migrations') AS t, to_regclass('a') AS a`)).toEqual([{ t: null, a: null }]);
    } finally {
      await holder.end();
    }
  });

  it('--fail-fast starts no target after a failure; --canary stops the release when a canary fails', async () => {
    const dbs = await databases(4);
    await dbs[0]!.query('CREATE TABLE a (x int)');
    const dir = await writeMigrations(THREE);
    const env = { FLEET_TARGETS_FILE: await targetsFile(dbs.map(asRunner)), MIGRATIONS_DIR: dir, FLEET_CONCURRENCY: '1' };
    const fast = await cli.run(['up', '--json', '--fail-fast'], env);
    expect(fast.code).toBe(1);
    expect(fleetDoc(fast.stdout).fleet).toMatchObject({ targets: 4, failed: 1, notStarted: 3 });
    const canary = await cli.run(['up', '--json', '--canary', '1'], { ...env, FLEET_CONCURRENCY: '4' });
    expect(canary.code).toBe(1);
    expect(fleetDoc(canary.stdout).fleet).toMatchObject({ targets: 4, failed: 1, notStarted: 3 });
    for (const db of dbs.slice(1)) expect(await db.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
  });

  it('FLEET_TARGETS_QUERY: database names on the control server and connection strings; passwords never printed', async () => {
    const dbs = await databases(4);
    const control = dbs[0]!;
    await control.query('CREATE TABLE tenants (dsn text, active bool)');
    await control.query('INSERT INTO tenants VALUES ($1, true), ($2, true), ($3, true), ($4, false)', [dbs[1]!.name, asRunner(dbs[2]!), asRunner(dbs[3]!), 'inactive_db']);
    const dir = await writeMigrations(THREE);
    const env = { DATABASE_URL: asRunner(control), FLEET_TARGETS_QUERY: 'SELECT dsn FROM tenants WHERE active ORDER BY dsn', MIGRATIONS_DIR: dir, LOG_LEVEL: 'debug' };
    const plan = await cli.run(['plan', '--json'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(fleetDoc(plan.stdout).fleet).toMatchObject({ targets: 3, behind: 3 });
    expect(fleetDoc(plan.stdout).targets.map((t) => t.pending)).toEqual([3, 3, 3]);
    const r = await cli.run(['up'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const db of dbs.slice(1)) expect(await historyOf(db)).toHaveLength(3);
    expect(await control.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
    expect(r.stdout + r.stderr).not.toContain(TARGET_PASSWORD);
    const status = await cli.run(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(fleetDoc(status.stdout).fleet).toMatchObject({ targets: 3, upToDate: 3, versions: { '0003_c.sql': 3 } });
    expect(status.stdout + status.stderr).not.toContain(TARGET_PASSWORD);
  });

  it('two fleet runs at once over the same targets apply each migration exactly once per target', async () => {
    const dbs = await databases(6);
    const dir = await writeMigrations({
      '0001_count.sql': 'CREATE TABLE IF NOT EXISTS runs (n int); INSERT INTO runs VALUES (1);',
      '0002_more.sql': 'INSERT INTO runs VALUES (2);',
    });
    const env = { FLEET_TARGETS_FILE: await targetsFile(dbs.map(asRunner)), MIGRATIONS_DIR: dir, FLEET_CONCURRENCY: '3' };
    const [a, b] = await Promise.all([cli.run(['up'], env), cli.run(['up'], env)]);
    expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);
    for (const db of dbs) {
      expect(await db.query('SELECT n FROM runs ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await historyOf(db)).toHaveLength(2);
    }
  });

  it('SIGTERM mid-fleet: running targets roll back, the rest stay untouched, a re-run converges', async () => {
    const dbs = await databases(4);
    const dir = await writeMigrations({ '0001_slow.sql': 'CREATE TABLE slow (id int); SELECT pg_sleep(30);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    const env = { FLEET_TARGETS_FILE: await targetsFile(dbs.map(asRunner)), MIGRATIONS_DIR: dir, FLEET_CONCURRENCY: '2' };
    const child = spawnCli(['up', '--json'], env);
    const done = collect(child);
    await waitForOutput(child, (out) => (out.match(/"event":"migration.start"/g) ?? []).length >= 2);
    // Mid-fleet: both running targets' statements are executing on the server (a CancelRequest that
    // reaches a backend still reading its query is dropped by the server: see the closing note).
    for (;;) {
      const [running] = await dbs[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`);
      if ((running?.n ?? 0) >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGTERM');
    const r = cli.keep(await done);
    expect(r.code, r.stderr).toBe(143);
    const doc = fleetDoc(r.stdout);
    expect(doc.fleet).toMatchObject({ targets: 4, interrupted: 2, notStarted: 2 });
    for (const db of dbs) expect(await db.query(`SELECT to_regclass('slow') AS t`)).toEqual([{ t: null }]);
    const again = await cli.run(['up'], { ...env, FLEET_CONCURRENCY: '4', MIGRATIONS_DIR: await writeMigrations({ '0001_slow.sql': 'CREATE TABLE slow (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' }) });
    expect(again.code, again.stderr).toBe(0);
    for (const db of dbs) expect((await historyOf(db)).filter((h) => h.success)).toHaveLength(2);
  });

  it('FLEET_TARGET_TIMEOUT cancels and rolls back one target (exit 5 for it) while the others finish', async () => {
    const dbs = await databases(2);
    await dbs[0]!.query('CREATE TABLE hold (id int)');
    const holder = await dbs[0]!.connect();
    await holder.query('BEGIN; LOCK TABLE hold');
    try {
      const dir = await writeMigrations({ '0001_touch.sql': 'CREATE TABLE IF NOT EXISTS hold (id int); INSERT INTO hold VALUES (1);' });
      const env = { FLEET_TARGETS_FILE: await targetsFile(dbs.map(asRunner)), MIGRATIONS_DIR: dir, FLEET_TARGET_TIMEOUT: '2s' };
      const r = await cli.run(['up', '--json'], env);
      expect(r.code, r.stderr).toBe(5);
      const byTarget = new Map(fleetDoc(r.stdout).targets.map((t) => [t.target, t]));
      expect(byTarget.get(nameOf(dbs[0]!))).toMatchObject({ status: 'failed', code: 'TARGET_TIMEOUT', exitCode: 5 });
      expect(byTarget.get(nameOf(dbs[1]!))).toMatchObject({ status: 'applied' });
    } finally {
      await holder.end();
    }
    expect(await dbs[0]!.query('SELECT count(*)::int AS n FROM hold')).toEqual([{ n: 0 }]);
    expect(await historyOf(dbs[0]!)).toEqual([{ filename: '0001_touch.sql', success: false }]);
  });

  it('shards: FLEET_SHARDS processes with JOB_COMPLETION_INDEX 0..N-1 together run every target once', async () => {
    const dbs = await databases(6);
    const dir = await writeMigrations(THREE);
    const file = await targetsFile(dbs.map(asRunner));
    const runs = await Promise.all([0, 1, 2].map((i) => cli.run(['up', '--json'], { FLEET_TARGETS_FILE: file, MIGRATIONS_DIR: dir, FLEET_SHARDS: '3', JOB_COMPLETION_INDEX: String(i) })));
    const taken = runs.flatMap((r) => {
      expect(r.code, r.stderr).toBe(0);
      return fleetDoc(r.stdout).targets.map((t) => t.target);
    });
    expect([...taken].sort()).toEqual(dbs.map(nameOf).sort());
    for (const db of dbs) expect(await historyOf(db)).toHaveLength(3);
  });
});

describe('fleet of schemas', () => {
  it('each schema keeps its own history and lock; unqualified names land in the tenant schema; re-run is a no-op', async () => {
    const [db] = await databases(1);
    const dir = await writeMigrations({ '0001_t.sql': 'CREATE TABLE things (id int);', '0002_u.sql': 'INSERT INTO things VALUES (1);' });
    const names = ['tenant_a', 'tenant_b', 'tenant_c'];
    const env = { DATABASE_URL: asRunner(db!), FLEET_SCHEMAS: names.join(', '), MIGRATIONS_DIR: dir };
    const r = await cli.run(['up', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    for (const s of names) {
      expect(await historyOf(db!, s)).toHaveLength(2);
      expect(await db!.query(`SELECT count(*)::int AS n FROM ${s}.things`)).toEqual([{ n: 1 }]);
    }
    expect(await db!.query(`SELECT to_regclass('public.things') AS t, to_regclass('public.schema_migrations') AS h`)).toEqual([{ t: null, h: null }]);
    await db!.query('CREATE SCHEMA tenant_d');
    const query = { DATABASE_URL: asRunner(db!), FLEET_SCHEMAS_QUERY: `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%' ORDER BY 1`, MIGRATIONS_DIR: dir };
    const again = await cli.run(['up', '--json'], query);
    expect(again.code, again.stderr).toBe(0);
    expect(fleetDoc(again.stdout).fleet).toMatchObject({ targets: 4, upToDate: 3, applied: 1 });
  });
});

function nameOf(db: TestDatabase): string {
  return `127.0.0.1:${new URL(db.url).port}/${db.name}`;
}

