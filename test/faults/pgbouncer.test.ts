// Through PgBouncer. Session pooling keeps one server session per client: it works, concurrent runners
// included. Transaction (and statement) pooling would hand each transaction to any server session,
// leaving pgshift's session-level advisory lock behind on a session someone else then uses: it is
// detected and refused as a configuration problem (exit 3), before anything is applied.
import { afterEach, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { pgbouncerUnavailable, startPgbouncer, type Bouncer, type PoolMode } from '../helpers/pgbouncer.js';
import { history } from './lib.js';

const unavailable = pgbouncerUnavailable();
if (unavailable) console.warn(`PgBouncer tests skipped: ${unavailable}`);

let bouncer: Bouncer | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await bouncer?.stop();
  await db?.drop();
  bouncer = undefined;
  db = undefined;
});

async function setUp(poolMode: PoolMode, poolSize?: number, aliases?: (db: TestDatabase) => Record<string, string>): Promise<{ db: TestDatabase; bouncer: Bouncer }> {
  db = await createDatabase();
  bouncer = await startPgbouncer({ serverPort: Number(new URL(db.url).port), poolMode, ...(poolSize ? { poolSize } : {}), ...(aliases ? { aliases: aliases(db) } : {}) });
  return { db, bouncer };
}

const FILES = {
  '0001_a.sql': 'CREATE TABLE a (id int);',
  '0002_b.sql': 'CREATE TABLE b (id int); SELECT pg_sleep(0.2);',
  '0003_c.sql': 'CREATE TABLE c (id int);',
};

describe.skipIf(unavailable !== undefined)('PgBouncer', () => {
  it('session pooling: applies, re-runs as a no-op, and lists status', async () => {
    const { db, bouncer } = await setUp('session');
    const dir = await writeMigrations(FILES);
    const env = { DATABASE_URL: bouncer.urlFor(db.url), MIGRATIONS_DIR: dir };
    const r = await runCli([], env);
    expect(r.code, r.stdout).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.some((e) => e.event === 'db.pooler')).toBe(true);
    expect(events.some((e) => e.event === 'db.pooler.session')).toBe(true);
    expect((await history(db)).map((h) => h.filename)).toEqual(Object.keys(FILES));
    const again = await runCli([], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);
    const status = await runCli(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true });
  });

  it('session pooling: 8 runners at once apply every file exactly once', async () => {
    const { db, bouncer } = await setUp('session');
    const dir = await writeMigrations(FILES);
    const env = { DATABASE_URL: bouncer.urlFor(db.url), MIGRATIONS_DIR: dir };
    const results = await Promise.all(Array.from({ length: 8 }, () => collect(spawnCli([], env))));
    for (const r of results) expect(r.code, r.stdout).toBe(0);
    const applied = results.flatMap((r) => jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file));
    expect(applied.sort()).toEqual(Object.keys(FILES));
    expect((await history(db)).map((h) => h.filename)).toEqual(Object.keys(FILES));
  });

  it('runners through a PgBouncer alias and runners connecting directly take one lock: each file applied once (10.A2a)', async () => {
    const { db, bouncer } = await setUp('session', undefined, (d) => ({ app_alias: d.name }));
    const dir = await writeMigrations(FILES);
    const viaAlias = new URL(bouncer.urlFor(db.url));
    viaAlias.pathname = '/app_alias';
    const envs = [{ DATABASE_URL: viaAlias.toString(), MIGRATIONS_DIR: dir }, { DATABASE_URL: db.url, MIGRATIONS_DIR: dir }];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => collect(spawnCli([], envs[i % 2]!))));
    for (const r of results) expect(r.code, r.stdout).toBe(0);
    const applied = results.flatMap((r) => jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file));
    expect(applied.sort()).toEqual(Object.keys(FILES));
    expect((await history(db)).map((h) => h.filename)).toEqual(Object.keys(FILES));
  });

  it.each([
    ['transaction', 20, /the backend changed from pid \d+ to \d+ between two transactions/],
    ['transaction', 1, /the session had to wait for a free server connection between two transactions/],
    ['statement', 20, /refused a transaction block .*statement pooling/],
  ] as const)('%s pooling (pool size %i) is refused with exit 3 before anything is applied', async (mode, size, evidence) => {
    const { db, bouncer } = await setUp(mode, size);
    const dir = await writeMigrations(FILES);
    const r = await runCli([], { DATABASE_URL: bouncer.urlFor(db.url), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '30s' });
    expect(r.code, r.stdout).toBe(3);
    // Refused at once: a configuration problem is never retried as if the database were not ready.
    expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
    const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
    const message = String((failed?.err as { message?: string } | undefined)?.message);
    expect(message).toMatch(evidence);
    expect(message).toContain('connect directly or use session pooling');
    expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
    expect(await db.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
  });
});
