// The run on every pod start (docs/PERFORMANCE.md): the folder is read while the connection opens,
// and only files that are not applied as they are get lexed. Exit codes keep their precedence.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { startProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/server.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const META = 'CREATE TABLE b (id int);\n\\i other.sql\n';

describe('the no-op run', () => {
  it('applies nothing and lexes no applied file again', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    const again = await runCli([], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(jsonLines(again.stdout).find((e) => e.event === 'run.summary')).toMatchObject({ applied: 0, totalApplied: 2 });
  });

  it('costs the session setup, the lock, one read of the history and the unlock: no round trip per file and no write (a run that applies: one round trip per file)', async () => {
    const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
    try {
      const files = (from: number, to: number) => Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [`${String(from + i).padStart(4, '0')}_t${from + i}.sql`, `CREATE TABLE t${from + i} (id int);`]));
      const dir = await writeMigrations(files(1, 20));
      // sslmode=disable: the proxy reads the protocol in the clear.
      const env = { DATABASE_URL: `${proxy.urlFor(db.url)}?sslmode=disable`, MIGRATIONS_DIR: dir };
      /** The round trips (queries, as the server received them) of one run. */
      const roundTrips = async () => {
        const before = proxy.statements().length;
        const r = await runCli([], env);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        return proxy.statements().length - before;
      };
      const rows = () => db.query('SELECT xmin::text AS xmin, * FROM public.schema_migrations ORDER BY id');

      // No history table yet: a failed read (rolled back), a look for another tool's history, the
      // table created and read again — then one round trip per file.
      const cold = await roundTrips();
      const idle20 = await roundTrips();
      for (const [name, sql] of Object.entries(files(21, 40))) await writeFile(join(dir, name), sql);
      const warm = await roundTrips();
      const written = await rows();
      const idle40 = await roundTrips();

      expect(idle20).toBe(4); // session setup, lock, history read, unlock
      expect(idle40).toBe(idle20);
      expect(warm - idle40).toBe(20);
      expect(cold - 20).toBe(idle20 + 5);
      expect(written).toHaveLength(40);
      expect(await rows()).toEqual(written);
    } finally {
      await proxy.close();
    }
  });

  it('loads nothing it does not use: no WebCrypto, undici, worker threads, node:assert, perf_hooks or node:module (scripts/build.mjs)', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    expect((await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir })).code).toBe(0);
    const report = "process.on('exit', () => process.getBuiltinModule('fs').writeSync(2, '\\nMODULES ' + JSON.stringify(process.moduleLoadList) + '\\n'))";
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(report)}` });
    expect(r.code, r.stderr).toBe(0);
    const loaded = JSON.parse(/^MODULES (.*)$/m.exec(r.stderr)?.[1] ?? '[]') as string[];
    expect(loaded).toEqual(expect.arrayContaining(['NativeModule net', 'NativeModule crypto']));
    expect(loaded.filter((m) => /webcrypto|undici|worker_threads|^NativeModule assert$|internal\/util\/diff|perf_hooks/.test(m))).toEqual([]);
    // Node 20 releases before 20.16 lack process.getBuiltinModule: the bundle imports node:module there.
    if (typeof process.getBuiltinModule === 'function') expect(loaded).not.toContain('NativeModule module');
  });

  it('leaves a file the earlier system applied with psql alone, psql meta-commands and all; a pending one is still refused (exit 6)', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': META });
    await db.query('CREATE TABLE public.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64))');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    await db.query('INSERT INTO public.schema_migrations (filename, checksum) VALUES ($1, $2), ($3, $4)', ['0001_a.sql', sha('CREATE TABLE a (id int);'), '0002_b.sql', sha(META)]);
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);

    await db.query(`DELETE FROM public.schema_migrations WHERE filename = '0002_b.sql'`);
    const pending = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOG_FORMAT: 'text' });
    expect(pending.code).toBe(6);
    expect(pending.stderr).toContain('0002_b.sql:2:1: psql meta-command \\i cannot run outside psql');
    expect(await db.query(`SELECT to_regclass('public.b') AS t`)).toEqual([{ t: null }]);
  });

  it('a folder that cannot be applied still wins over an unreachable database: exit 6, not 4', async () => {
    const url = `postgres://nobody:pw@127.0.0.1:${await freePort()}/nothing`;
    const content = await runCli([], { DATABASE_URL: url, DB_WAIT_TIMEOUT: '1s', MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': META }), LOG_FORMAT: 'text' });
    expect(content.code, content.stdout).toBe(6);
    expect(content.stderr).toContain('0001_a.sql:2:1: psql meta-command \\i');
    const named = await runCli([], { DATABASE_URL: url, DB_WAIT_TIMEOUT: '30s', MIGRATIONS_DIR: await writeMigrations({ 'add_users.sql': 'SELECT 1;' }), LOG_FORMAT: 'text' });
    expect(named.code, named.stdout).toBe(6);
    expect(named.stderr).toContain("add_users.sql: a migration's name starts with its version");
    expect(named.stdout + named.stderr).not.toContain('database not ready; retrying'); // db.wait in text: it never waited
  });

  it('status and plan also connect while reading the folder: a folder that cannot be applied stops the waiting (exit 6, not 4)', async () => {
    const url = `postgres://nobody:pw@127.0.0.1:${await freePort()}/nothing`;
    for (const command of ['status', 'plan']) {
      const content = await runCli([command], { DATABASE_URL: url, DB_WAIT_TIMEOUT: '1s', MIGRATIONS_DIR: await writeMigrations({ '0001_a.sql': META }), LOG_FORMAT: 'text' });
      expect(content.code, content.stdout).toBe(6);
      expect(content.stderr).toContain('0001_a.sql:2:1: psql meta-command \\i');
      const named = await runCli([command], { DATABASE_URL: url, DB_WAIT_TIMEOUT: '30s', MIGRATIONS_DIR: await writeMigrations({ 'add_users.sql': 'SELECT 1;' }), LOG_FORMAT: 'text' });
      expect(named.code, named.stdout).toBe(6);
      expect(named.stderr).toContain("add_users.sql: a migration's name starts with its version");
      expect(named.stdout + named.stderr).not.toContain('database not ready; retrying');
    }
  });
});
