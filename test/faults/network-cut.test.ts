// A connection cut without a FIN: a TCP proxy between runner and server stops forwarding and closes
// nothing. Without help the runner would wait for a reply forever (a middlebox acknowledges every
// packet, so TCP itself never gives up) and the server would keep the dead session and its lock.
// Client side: pgshift's watchdog declares the session dead within a bounded time (exit 4).
// Server side: the session's tcp_keepalives_* / tcp_user_timeout end it; that half needs the packets
// really dropped, which takes iptables (the proxy's own kernel would otherwise acknowledge them).
import { describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { iptablesUnavailable, startProxy } from '../helpers/proxy.js';
import { startServer } from '../helpers/server.js';
import { lockKey } from '../../src/apply/lock.js';
import { prependHba } from '../helpers/tls.js';
import { advisoryLockHolders, CONTROLLED_SLEEP, history, runnerBackend, setSleep, waitFor } from './lib.js';

/** What pgshift promises for a silently dead connection on the client side (watchdog: ~45 s worst case). */
const CLIENT_BOUND_MS = 75_000;
/** Server side: keepalives 30 s + 3 × 10 s, tcp_user_timeout 60 s. */
const SERVER_BOUND_MS = 90_000;

function failure(r: CliResult): string {
  const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
  return String((failed?.err as { message?: string } | undefined)?.message);
}

/** Every file is applied exactly when its table exists: no half of a file anywhere. */
async function expectConsistent(db: TestDatabase, files: Record<string, string>): Promise<void> {
  const applied = new Set((await history(db)).filter((h) => h.success).map((h) => h.filename));
  for (const [file, table] of Object.entries(files)) {
    const [row] = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    expect(row?.t !== null, `${file}: table ${table} exists iff recorded`).toBe(applied.has(file));
  }
}

describe('a connection that stops forwarding, open connections only (userspace proxy)', () => {
  it('while waiting for the migration lock: the watchdog sees the server idle while a reply is overdue, ends the session, exits 4', async () => {
    const db = await createDatabase();
    try {
      const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const env = { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '5m' };
      const holder = await db.connect();
      holder.on('error', () => {});
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('public', 'schema_migrations').toString()]);
      const child = spawnCli([], env);
      const done = collect(child, { timeoutMs: 180_000 });
      const backend = await waitFor('the runner to connect', async () => (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgshift@%'`))[0]?.pid);
      proxy.freezeOpen();
      const cutAt = Date.now();
      const r = await done;
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(Date.now() - cutAt).toBeLessThan(CLIENT_BOUND_MS);
      expect(failure(r)).toMatch(/lost the connection to the database while running up: the connection to the database is dead: no reply for \d+s while the server shows this session \(pid \d+\) idle since/);
      // The watchdog also ended the dead session on the server (pg_terminate_backend), at once.
      await waitFor('the dead session to end', async () => (await db.query('SELECT pid FROM pg_stat_activity WHERE pid = $1', [backend])).length === 0, 5000);
      await holder.end();
      await proxy.close();
      const again = await runCli([], { ...env, DATABASE_URL: db.url });
      expect(again.code).toBe(0);
      expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([['0001_a.sql', true]]);
    } finally {
      await db.drop();
    }
  });

  it('while the server runs a migration: the server finishes, its reply is lost; exit 4, history consistent, the re-run is a no-op', async () => {
    const db = await createDatabase();
    try {
      const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
      // Long enough that the cut surely lands before the server's reply, even when a loaded machine
      // starves this process for seconds (with 3 s, CI once saw the reply get through: exit 0).
      await setSleep(db, 12);
      const files = { '0001_a.sql': 'CREATE TABLE a (id int);', '0002_slow.sql': `CREATE TABLE slow (id int);\n${CONTROLLED_SLEEP}`, '0003_c.sql': 'CREATE TABLE c (id int);' };
      const dir = await writeMigrations(files);
      const env = { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir };
      const done = collect(spawnCli([], env), { timeoutMs: 180_000 });
      await runnerBackend(db, '%pg_sleep%');
      proxy.freezeOpen();
      const cutAt = Date.now();
      const r = await done;
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(Date.now() - cutAt).toBeLessThan(CLIENT_BOUND_MS);
      expect(failure(r)).toMatch(/^lost the connection to the database while applying 0002_slow\.sql: the connection to the database is dead/);
      await waitFor('the lock to be released', async () => (await advisoryLockHolders(db)).length === 0, 5000);
      await expectConsistent(db, { '0001_a.sql': 'a', '0002_slow.sql': 'slow', '0003_c.sql': 'c' });
      await proxy.close();
      const again = await runCli([], { ...env, DATABASE_URL: db.url });
      expect(again.code).toBe(0);
      expect((await history(db)).map((h) => [h.filename, h.success])).toEqual(Object.keys(files).map((f) => [f, true]));
    } finally {
      await db.drop();
    }
  });
});

const noIptables = iptablesUnavailable();

describe('a network cut: nothing gets through any more, packets dropped in the kernel', () => {
  it.skipIf(noIptables !== undefined)(`the runner exits 4 within a bounded time; the server ends the session and releases the lock through the keepalives pgshift set${noIptables ? ` (skipped: ${noIptables})` : ''}`, async () => {
    const server = await startServer({ settings: { synchronous_commit: 'on' } });
    try {
      await prependHba(server, ['host all all 127.0.0.2/32 scram-sha-256']);
      const db = await createDatabase(server.url);
      const proxy = await startProxy({ targetPort: server.port, upstreamAddress: '127.0.0.2' });
      try {
        await setSleep(db, 3);
        const dir = await writeMigrations({
          '0001_keepalives.sql': `CREATE TABLE keepalives AS SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS intvl, current_setting('tcp_keepalives_count') AS cnt, current_setting('tcp_user_timeout') AS user_timeout, host(inet_client_addr()) AS addr;`,
          '0002_slow.sql': `CREATE TABLE slow (id int);\n${CONTROLLED_SLEEP}`,
        });
        const env = { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir };
        const done = collect(spawnCli([], env), { timeoutMs: 180_000 });
        const backend = await runnerBackend(db, '%pg_sleep%');
        // Read from pgshift's own session over TCP: the values the server applied to that very socket.
        expect(await db.query('SELECT * FROM keepalives')).toEqual([{ idle: '30', intvl: '10', cnt: '3', user_timeout: '60000', addr: '127.0.0.2' }]);
        expect(await advisoryLockHolders(db)).toEqual([backend]);

        proxy.blackhole();
        proxy.dropServerSide();
        const cutAt = Date.now();

        const r = await done;
        const clientMs = Date.now() - cutAt;
        expect(r.code, r.stdout + r.stderr).toBe(4);
        expect(clientMs).toBeLessThan(CLIENT_BOUND_MS);
        expect(failure(r)).toMatch(/the connection to the database is dead: no reply for \d+s and the server cannot be reached/);

        await waitFor('the server to end the dead session', async () => (await advisoryLockHolders(db)).length === 0, SERVER_BOUND_MS, 1000);
        const serverMs = Date.now() - cutAt;
        expect(await db.query('SELECT pid FROM pg_stat_activity WHERE pid = $1', [backend])).toEqual([]);
        console.info(`network cut: runner exited after ${Math.round(clientMs / 1000)}s, server released the lock after ${Math.round(serverMs / 1000)}s`);

        await expectConsistent(db, { '0001_keepalives.sql': 'keepalives', '0002_slow.sql': 'slow' });
        const again = await runCli([], { ...env, DATABASE_URL: db.url });
        expect(again.code, again.stdout).toBe(0);
        expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([
          ['0001_keepalives.sql', true],
          ['0002_slow.sql', true],
        ]);
      } finally {
        await proxy.close();
      }
    } finally {
      await server.destroy();
    }
  });
});
