// Waiting for the database: what heals is retried within DB_WAIT_TIMEOUT, what won't is not.
import { createServer as createNetServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, jsonLines, loggedSpanMs, runCli, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase, withDatabase, type TestDatabase } from '../helpers/db.js';
import { startProxy } from '../helpers/proxy.js';
import { freePort, startServer, SUPERUSER_PASSWORD, type TestServer } from '../helpers/server.js';
import { makePki, prependHba } from '../helpers/tls.js';

describe('waiting for the database', () => {
  it('succeeds when the server starts after the runner retried twice', async () => {
    const server = await startServer();
    try {
      await server.stop();
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const child = spawnCli([], { DATABASE_URL: server.url, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '30s' });
      const done = collect(child);
      await waitForOutput(child, (o) => o.split('"event":"db.wait"').length > 2);
      await server.start();
      const r = await done;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const waits = jsonLines(r.stdout).filter((e) => e.event === 'db.wait');
      expect(waits.length).toBeGreaterThan(1);
      expect(waits[0]).toMatchObject({ level: 'warn', attempt: 1 });
      expect(String(waits[0]?.reason)).toContain('ECONNREFUSED');
      expect(typeof waits[0]?.nextDelayMs).toBe('number');
      // Backoff grows: later delays are longer than the first.
      expect(Number(waits.at(-1)?.nextDelayMs)).toBeGreaterThan(Number(waits[0]?.nextDelayMs));
      expect(r.stdout).not.toContain(SUPERUSER_PASSWORD);
    } finally {
      await server.destroy();
    }
  });

  it('gives up with exit 4 after DB_WAIT_TIMEOUT when nothing listens', async () => {
    const port = await freePort();
    const dir = await writeMigrations({ '0001_a.sql': 'SELECT 1;' });
    const r = await runCli([], { DATABASE_URL: `postgres://u:secret-pw-123@127.0.0.1:${port}/db`, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '2s' });
    expect(r.code).toBe(4);
    // The timeout is the promise: at least DB_WAIT_TIMEOUT, at most 3× it, by the run's own log clock.
    const waited = loggedSpanMs(jsonLines(r.stdout), 'config', 'run.failed');
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThanOrEqual(6000);
    const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
    expect(String((failed?.err as { message: string }).message)).toMatch(/database not reachable at u@127\.0\.0\.1:\d+\/db within \ds \(DB_WAIT_TIMEOUT\): connect ECONNREFUSED/);
    expect(r.stdout + r.stderr).not.toContain('secret-pw-123');
  });

  it('refuses a wrong password at once with exit 4, without retrying', async () => {
    const db = await createDatabase();
    try {
      const url = new URL(db.url);
      url.password = 'wrong-password-xyz';
      const dir = await writeMigrations({ '0001_a.sql': 'SELECT 1;' });
      const r = await runCli([], { DATABASE_URL: url.toString(), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '30s' });
      expect(r.code).toBe(4);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toHaveLength(0);
      expect(r.stdout).toContain('28P01');
      expect(r.stdout + r.stderr).not.toContain('wrong-password-xyz');
    } finally {
      await db.drop();
    }
  });

  it('refuses a database that does not exist at once with exit 4', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations({ '0001_a.sql': 'SELECT 1;' });
      const r = await runCli([], { DATABASE_URL: withDatabase(db.url, 'no_such_db'), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '30s' });
      expect(r.code).toBe(4);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toHaveLength(0);
      expect(r.stdout).toContain('3D000');
    } finally {
      await db.drop();
    }
  });

  it('connects from POSTGRES_* variables and logs the source, host, database and user, never the password', async () => {
    const db = await createDatabase();
    try {
      const u = new URL(db.url);
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const r = await runCli(['wait'], { POSTGRES_HOST: u.hostname, POSTGRES_PORT: u.port, POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: SUPERUSER_PASSWORD, POSTGRES_DB: db.name, MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout).toBe(0);
      expect(jsonLines(r.stdout).find((e) => e.event === 'config')).toMatchObject({ source: 'POSTGRES_*', host: '127.0.0.1', database: db.name, user: 'postgres' });
      expect(r.stdout).not.toContain(SUPERUSER_PASSWORD);
    } finally {
      await db.drop();
    }
  });

  it('connects from libpq PG* variables', async () => {
    const db = await createDatabase();
    try {
      const u = new URL(db.url);
      const r = await runCli(['wait'], { PGHOST: u.hostname, PGPORT: u.port, PGUSER: 'postgres', PGPASSWORD: SUPERUSER_PASSWORD, PGDATABASE: db.name });
      expect(r.code, r.stdout).toBe(0);
      expect(jsonLines(r.stdout).find((e) => e.event === 'config')).toMatchObject({ source: 'PG*', database: db.name });
    } finally {
      await db.drop();
    }
  });

  it('sets application_name to pgshift@<hostname> and server-side TCP keepalives on its session', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations({ '0001_probe.sql': `CREATE TABLE probe AS SELECT current_setting('application_name') AS app, current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS intvl, current_setting('tcp_keepalives_count') AS cnt;` });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, HOSTNAME: 'migrate-job-7x9k2' });
      expect(r.code, r.stdout).toBe(0);
      expect(await db.query('SELECT * FROM probe')).toEqual([{ app: 'pgshift@migrate-job-7x9k2', idle: '30', intvl: '10', cnt: '3' }]);
    } finally {
      await db.drop();
    }
  });
});

/** A TCP server that accepts and never says a word, nor closes on our FIN (a hung middlebox, a wrong port behind a proxy). */
async function silentPeer(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    accepted: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function failureMessage(stdout: string): string {
  return String((jsonLines(stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
}

describe('every attempt is bounded (#10 C12)', () => {
  it('a silent peer (accepts, never answers, swallows the FIN): exit 4 within DB_WAIT_TIMEOUT, naming the host and what was seen', async () => {
    const peer = await silentPeer();
    try {
      const dir = await writeMigrations({ '0001_a.sql': 'SELECT 1;' });
      const r = await runCli([], { DATABASE_URL: `postgres://u:pw@127.0.0.1:${peer.port}/db`, MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '4s' }, { timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.durationMs).toBeLessThan(3 * 4000);
      expect(failureMessage(r.stdout)).toMatch(new RegExp(`database not reachable at u@127\\.0\\.0\\.1:${peer.port}/db within \\ds \\(DB_WAIT_TIMEOUT\\): 127\\.0\\.0\\.1:${peer.port} accepted the connection but sent nothing for [\\d.]+s`));
    } finally {
      await peer.close();
    }
  }, 120_000);

  it('DB_WAIT_TIMEOUT=0 against a silent peer: one attempt of connect_timeout, no retries', async () => {
    const peer = await silentPeer();
    try {
      const r = await runCli(['wait'], { DATABASE_URL: `postgres://u:pw@127.0.0.1:${peer.port}/db?connect_timeout=2`, DB_WAIT_TIMEOUT: '0' }, { timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.durationMs).toBeLessThan(3 * 2000);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toHaveLength(0);
      expect(peer.accepted()).toBe(1);
      expect(failureMessage(r.stdout)).toContain('in one attempt (DB_WAIT_TIMEOUT=0: no retries)');
    } finally {
      await peer.close();
    }
  }, 120_000);

  it('SIGTERM while an attempt hangs on a silent peer ends the run at once (exit 143), not when the attempt times out', async () => {
    const peer = await silentPeer();
    try {
      const child = spawnCli(['wait'], { DATABASE_URL: `postgres://u:pw@127.0.0.1:${peer.port}/db?connect_timeout=60`, DB_WAIT_TIMEOUT: '60s' });
      const done = collect(child, { timeoutMs: 120_000 });
      while (peer.accepted() === 0) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, r.stdout + r.stderr).toBe(143);
      // The signal ended the one attempt, not its timer: no attempt timed out, none was retried.
      const events = jsonLines(r.stdout);
      expect(events.find((e) => e.event === 'run.failed')).toMatchObject({ code: 'INTERRUPTED' });
      expect(events.filter((e) => e.event === 'db.wait')).toEqual([]);
      expect(r.stdout + r.stderr).not.toMatch(/sent nothing for|within \d+s/);
      expect(peer.accepted()).toBe(1);
    } finally {
      await peer.close();
    }
  }, 120_000);

  it('sslmode=prefer through a proxy that swallows the half-close: the plain-text retry starts at once and the run succeeds', async () => {
    const db = await createDatabase();
    const proxy = await startProxy({ targetPort: Number(new URL(db.url).port), swallowHalfClose: true });
    try {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const r = await runCli([], { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '5s' }, { timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.durationMs).toBeLessThan(3 * 5000);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toHaveLength(0);
      expect(await db.query('SELECT filename FROM schema_migrations')).toEqual([{ filename: '0001_a.sql' }]);
    } finally {
      await proxy.close();
      await db.drop();
    }
  }, 120_000);

  it('DB_WAIT_TIMEOUT=0 against a healthy server connects (one attempt, no retries)', async () => {
    const db = await createDatabase();
    try {
      const r = await runCli(['wait'], { DATABASE_URL: db.url, DB_WAIT_TIMEOUT: '0' });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(jsonLines(r.stdout).some((e) => e.event === 'db.ready')).toBe(true);
    } finally {
      await db.drop();
    }
  }, 120_000);
});

describe('channel_binding, as libpq honours it', () => {
  let server: TestServer;
  let db: TestDatabase;
  beforeAll(async () => {
    server = await startServer({ settings: makePki().serverSettings });
    // `password` sends the password in clear text (over TLS here); `trust` asks for none.
    await prependHba(server, ['hostssl all pw_user 127.0.0.1/32 password', 'hostssl all trust_user 127.0.0.1/32 trust']);
    db = await createDatabase(server.url);
    await db.query("CREATE ROLE pw_user LOGIN PASSWORD 'pw-user-secret'; CREATE ROLE trust_user LOGIN");
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    await server?.destroy();
  });

  const as = (user: string, params: string) => {
    const u = new URL(db.url);
    if (user !== 'postgres') [u.username, u.password] = [user, user === 'pw_user' ? 'pw-user-secret' : ''];
    return `${u.toString()}?${params}`;
  };

  it('require over TLS with SCRAM: bound (SCRAM-SHA-256-PLUS), the run succeeds; prefer too', async () => {
    const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const r = await runCli([], { DATABASE_URL: as('postgres', 'sslmode=require&channel_binding=require'), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '10s' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await db.query('SELECT filename FROM schema_migrations')).toEqual([{ filename: '0001_a.sql' }]);
    const again = await runCli(['status'], { DATABASE_URL: as('postgres', 'sslmode=require&channel_binding=prefer'), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '10s' });
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, 120_000);

  it.each([
    ['without TLS', 'postgres', 'sslmode=disable', 'the connection does not use TLS'],
    ['a password method without SCRAM', 'pw_user', 'sslmode=require', 'the server asks for a password without SCRAM'],
    ['trust', 'trust_user', 'sslmode=require', 'the server logged us in without channel binding'],
  ])('require refuses a login %s: exit 4 at once, no retry, nothing run', async (_, user, ssl, reason) => {
    const dir = await writeMigrations({ '0001_b.sql': 'CREATE TABLE b (id int);' });
    const r = await runCli([], { DATABASE_URL: as(user, `${ssl}&channel_binding=require`), MIGRATIONS_DIR: dir, DB_WAIT_TIMEOUT: '10s' });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain(`channel_binding=require, but ${reason}`);
    expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
    expect(await db.query("SELECT to_regclass('b') AS b")).toEqual([{ b: null }]);
    expect(r.stdout + r.stderr).not.toContain('pw-user-secret');
  }, 120_000);
});

describe('durations past what PostgreSQL and Node take (#10 C12)', () => {
  it('MIGRATION_LOCK_TIMEOUT=9999h is a configuration error (exit 3) naming the variable and the maximum; nothing runs', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATION_LOCK_TIMEOUT: '9999h' });
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(failureMessage(r.stdout)).toContain('MIGRATION_LOCK_TIMEOUT: must be at most 2147483647ms (about 596h)');
      expect(await db.query(`SELECT to_regclass('a')::text AS a, to_regclass('schema_migrations')::text AS h`)).toEqual([{ a: null, h: null }]);
    } finally {
      await db.drop();
    }
  });
});
