// Logging in: SCRAM-SHA-256 (the suite's servers allow nothing else over TCP), MD5 (a server of its
// own), a wrong password refused at once (exit 4, one attempt), and secrets read from mounted files
// (`*_FILE`). The bundle does the hashing with src/pg-crypto.ts in place of pg's WebCrypto helpers.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, type TestDatabase } from '../helpers/db.js';
import { startProxy } from '../helpers/proxy.js';
import { startServer, type TestServer } from '../helpers/server.js';

let db: TestDatabase;
let role: string;
let password: string;

beforeEach(async () => {
  db = await createDatabase();
  role = `auth_${randomBytes(4).toString('hex')}`;
  password = `pw-${randomBytes(8).toString('hex')}`;
  await withClient(adminUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`));
  await db.query(`GRANT ALL ON SCHEMA public TO ${role}`);
});

afterEach(async () => {
  await db.drop();
  await withClient(adminUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

function urlAs(user: string, pw: string): string {
  const u = new URL(db.url);
  u.username = user;
  u.password = pw;
  return u.toString();
}

const FILES = { '0001_who.sql': 'CREATE TABLE who AS SELECT current_user::text AS u;' };

async function secretFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-secret-'));
  const path = join(dir, 'secret');
  await writeFile(path, content);
  return path;
}

describe('SCRAM-SHA-256', () => {
  it('logs in with a SCRAM verifier over a scram-sha-256 pg_hba line', async () => {
    const [stored] = await withClient(adminUrl(), (c) => c.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [role])).then((r) => r.rows);
    expect(stored?.p).toMatch(/^SCRAM-SHA-256\$4096:/);
    const rules = await withClient(adminUrl(), (c) => c.query<{ auth_method: string }>(`SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'`)).then((r) => r.rows);
    expect(rules).toEqual([{ auth_method: 'scram-sha-256' }]);
    const r = await runCli([], { DATABASE_URL: urlAs(role, password), MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r.code, r.stdout).toBe(0);
    expect(await db.query('SELECT u FROM who')).toEqual([{ u: role }]);
  });

  it('a wrong password is refused at once: exit 4, one connection, no retry, the hint names where passwords come from', async () => {
    const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
    try {
      // sslmode=disable: with prefer, pg closes the socket on the server's "no TLS" and logs in on a
      // second one (libpq would reuse the first); one connection per login attempt keeps the count plain.
      const url = `${proxy.urlFor(urlAs(role, 'not-the-password'))}?sslmode=disable`;
      const r = await runCli([], { DATABASE_URL: url, MIGRATIONS_DIR: await writeMigrations(FILES), DB_WAIT_TIMEOUT: '60s' });
      expect(r.code).toBe(4);
      expect(proxy.accepted()).toBe(1);
      expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
      expect(r.stdout).toMatch(/28P01: password authentication failed for user \\"auth_[0-9a-f]+\\" \(check the password: POSTGRES_PASSWORD \/ PGPASSWORD \/ the URL \/ ~\/\.pgpass\)/);
    } finally {
      await proxy.close();
    }
  });
});

describe('MD5 (older servers and roles whose password was stored as MD5)', () => {
  let md5Server: TestServer;
  beforeAll(async () => {
    md5Server = await startServer({ authMethod: 'md5' });
  });
  afterAll(() => md5Server?.destroy());

  it.each([
    ['an MD5-stored password: AuthenticationMD5Password', 'md5', /^md5[0-9a-f]{32}$/],
    ['a SCRAM-stored password over an md5 pg_hba line: the server asks for SCRAM', 'scram-sha-256', /^SCRAM-SHA-256\$/],
  ])('logs in with %s', async (_, encryption, stored) => {
    const user = `md5_${randomBytes(4).toString('hex')}`;
    const pw = `pw-${randomBytes(8).toString('hex')}`;
    await withClient(md5Server.url, async (c) => {
      await c.query(`SET password_encryption = '${encryption}'`);
      await c.query(`CREATE ROLE ${user} LOGIN SUPERUSER PASSWORD '${pw}'`);
    });
    const [row] = await withClient(md5Server.url, (c) => c.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [user])).then((r) => r.rows);
    expect(row?.p).toMatch(stored);
    const url = new URL(md5Server.url);
    url.username = user;
    url.password = pw;
    const r = await runCli([], { DATABASE_URL: `${url.toString()}?sslmode=disable`, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await withClient(md5Server.url, (c) => c.query('SELECT u FROM who')).then((q) => q.rows)).toEqual([{ u: user }]);
    await withClient(md5Server.url, (c) => c.query(`DROP TABLE who; DROP TABLE schema_migrations`));

    url.password = 'not-the-password';
    const wrong = await runCli([], { DATABASE_URL: `${url.toString()}?sslmode=disable`, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toContain('28P01: password authentication failed');
  });
});

describe("libpq's password file (~/.pgpass, PGPASSFILE)", () => {
  async function passfile(line: string, mode: number): Promise<{ home: string; path: string }> {
    const home = await mkdtemp(join(tmpdir(), 'pgshift-home-'));
    const path = join(home, '.pgpass');
    await writeFile(path, `# host:port:database:user:password\n${line}\n`, { mode });
    await chmod(path, mode);
    return { home, path };
  }
  const target = () => new URL(db.url);
  const pgEnv = () => ({ PGHOST: target().hostname, PGPORT: target().port, PGUSER: role, PGDATABASE: db.name, PGSSLMODE: 'disable' });

  it('is read when no password is set: ~/.pgpass, a wildcard line, and PGPASSFILE', async () => {
    const exact = await passfile(`${target().hostname}:${target().port}:${db.name}:${role}:${password}`, 0o600);
    const r = await runCli([], { ...pgEnv(), HOME: exact.home, MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await db.query('SELECT u FROM who')).toEqual([{ u: role }]);
    expect(jsonLines(r.stdout).find((e) => e.event === 'config')).toMatchObject({ passwordFile: exact.path });
    // Read by pgshift, not by pg (whose reading is deprecated and says so on stderr); scrubbed like any password.
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(password);

    const wildcard = await passfile(`*:*:*:${role}:${password}`, 0o600);
    const status = await runCli(['status'], { ...pgEnv(), PGPASSFILE: wildcard.path, HOME: '/nonexistent' });
    expect(status.code, status.stdout + status.stderr).toBe(0);
  });

  it('a password in the environment wins over the file', async () => {
    const file = await passfile(`*:*:*:${role}:not-the-password`, 0o600);
    const r = await runCli(['status'], { ...pgEnv(), HOME: file.home, PGPASSWORD: password });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('a file others may read is ignored, as libpq does: no password, exit 4 at once, saying where passwords come from', async () => {
    const open = await passfile(`*:*:*:${role}:${password}`, 0o644);
    const r = await runCli([], { ...pgEnv(), HOME: open.home, MIGRATIONS_DIR: await writeMigrations(FILES), LOG_FORMAT: 'text', DB_WAIT_TIMEOUT: '30s' });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout + r.stderr).not.toContain('database not ready; retrying'); // db.wait in text: no retry
    expect(r.stderr).toContain(`⚠ password file ${open.path} has group or world access; ignored (permissions should be u=rw, 0600, or less)`);
    expect(r.stderr).toContain("the server asks for a password and none is set: set POSTGRES_PASSWORD, PGPASSWORD or the URL's password, or add a line for this server to ~/.pgpass (or PGPASSFILE) with mode 0600");
    expect(r.stdout + r.stderr).not.toContain('internal error');
    expect(await db.query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
  });
});

describe('secrets from files (*_FILE)', () => {
  it('POSTGRES_PASSWORD_FILE: the trailing newline of a mounted secret is not part of the password', async () => {
    const u = new URL(db.url);
    const r = await runCli([], {
      POSTGRES_HOST: u.hostname,
      POSTGRES_PORT: u.port,
      POSTGRES_USER: role,
      POSTGRES_DB: db.name,
      POSTGRES_PASSWORD_FILE: await secretFile(`${password}\n`),
      MIGRATIONS_DIR: await writeMigrations(FILES),
    });
    expect(r.code, r.stdout).toBe(0);
  });

  it('DATABASE_URL_FILE, CRLF line end included', async () => {
    const r = await runCli([], { DATABASE_URL_FILE: await secretFile(`${urlAs(role, password)}\r\n`), MIGRATIONS_DIR: await writeMigrations(FILES) });
    expect(r.code, r.stdout).toBe(0);
    expect(await db.query('SELECT u FROM who')).toEqual([{ u: role }]);
  });

  it.each([
    ['a path that does not exist', async () => join(tmpdir(), `no-such-secret-${randomBytes(4).toString('hex')}`), 'ENOENT'],
    ['a directory', async () => mkdtemp(join(tmpdir(), 'pgshift-secret-dir-')), 'EISDIR'],
  ])('an unreadable POSTGRES_PASSWORD_FILE (%s) is a configuration error: exit 3, before connecting', async (_what, make, code) => {
    const path = await make();
    const r = await runCli([], { POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '1', POSTGRES_PASSWORD_FILE: path, LOG_FORMAT: 'text' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`POSTGRES_PASSWORD_FILE: cannot read ${path} (${code})`);
    expect(r.stdout).not.toContain('connecting to');
  });
});
