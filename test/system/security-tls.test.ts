// TLS as libpq users expect it, against a server of this test's own with ssl=on and certificates made
// here with openssl. Whether a session is encrypted is read from pg_stat_ssl by a migration running
// in pgshift's own session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { adminUrl, createDatabase, type TestDatabase } from '../helpers/db.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makePki, prependHba, type Pki } from '../helpers/tls.js';

const PROBE = { '0001_tls_probe.sql': 'CREATE TABLE tls_probe AS SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid();' };

let pki: Pki;
let server: TestServer;
/** An empty HOME, so no ~/.postgresql/root.crt or client certificate is picked up by accident. */
let home: string;
/** The TLS server again, listening on 127.0.0.2: an address its certificate does not name. */
let otherName: TcpProxy;

beforeAll(async () => {
  pki = makePki();
  server = await startServer({ settings: pki.serverSettings });
  await prependHba(server, ['hostssl all certuser 127.0.0.1/32 cert', 'hostnossl all certuser 127.0.0.1/32 reject']);
  const admin = await createDatabase(server.url);
  await admin.query('CREATE ROLE certuser LOGIN');
  await admin.drop();
  home = mkdtempSync(join(tmpdir(), 'pgshift-home-'));
  otherName = await startProxy({ targetPort: server.port, listenHost: '127.0.0.2' });
});

afterAll(async () => {
  await otherName?.close();
  await server?.destroy();
});

function withParams(url: string, params: Record<string, string>, host?: string): string {
  const u = new URL(url);
  if (host) u.hostname = host;
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

async function up(db: TestDatabase, url: string, env: Record<string, string> = {}): Promise<CliResult> {
  const dir = await writeMigrations(PROBE);
  return runCli([], { DATABASE_URL: url, MIGRATIONS_DIR: dir, HOME: home, DB_WAIT_TIMEOUT: '30s', ...env });
}

async function session(db: TestDatabase): Promise<{ ssl: boolean; version: string | null }> {
  const [row] = await db.query<{ ssl: boolean; version: string | null }>('SELECT ssl, version FROM tls_probe');
  return row!;
}

/** A refusal that is final: exit 4 at once, one connection, no retry. */
function expectRefusedAtOnce(r: CliResult, message: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(4);
  expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
  const failed = jsonLines(r.stdout).find((e) => e.event === 'run.failed');
  expect(String((failed?.err as { message?: string } | undefined)?.message)).toMatch(message);
}


/** A fresh database that `certuser` (no password; logs in with its client certificate) may use. */
async function certUserDatabase() {
  const { cert, key } = pki.clientCert('certuser');
  const db = await createDatabase(server.url);
  await db.query('GRANT ALL ON SCHEMA public TO certuser');
  const u = new URL(db.url);
  u.username = 'certuser';
  u.password = '';
  return { db, u, cert, key };
}

describe('sslmode, as libpq documents it', () => {
  it('disable: a plain session', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, withParams(db.url, { sslmode: 'disable' }));
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toEqual({ ssl: false, version: null });
  });

  it('prefer (the default): encrypted when the server offers TLS, without verifying it', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, db.url);
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
  });

  it('prefer falls back to a plain session when the server has ssl=off', async () => {
    const db = await createDatabase(adminUrl());
    try {
      const r = await up(db, withParams(db.url, { sslmode: 'prefer' }));
      expect(r.code, r.stdout).toBe(0);
      expect(await session(db)).toEqual({ ssl: false, version: null });
    } finally {
      await db.drop();
    }
  });

  it('require: encrypted without verifying the certificate (no root certificate given)', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, withParams(db.url, { sslmode: 'require' }, '127.0.0.1'), {});
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true });
  });

  it('require refuses a server with ssl=off at once (exit 4), saying so', async () => {
    const db = await createDatabase(adminUrl());
    try {
      const r = await up(db, withParams(db.url, { sslmode: 'require' }));
      expectRefusedAtOnce(r, /does not support SSL.*ssl=off/);
    } finally {
      await db.drop();
    }
  });

  it('require with a root certificate verifies the chain, as verify-ca does (libpq)', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, withParams(db.url, { sslmode: 'require', sslrootcert: pki.otherCaCert }));
    expectRefusedAtOnce(r, /certificate/i);
  });

  it('require with ~/.postgresql/root.crt present verifies against it too (libpq compatibility)', async () => {
    const otherHome = mkdtempSync(join(tmpdir(), 'pgshift-home-'));
    mkdirSync(join(otherHome, '.postgresql'));
    copyFileSync(pki.otherCaCert, join(otherHome, '.postgresql', 'root.crt'));
    const db = await createDatabase(server.url);
    const r = await up(db, withParams(db.url, { sslmode: 'require' }), { HOME: otherHome });
    expectRefusedAtOnce(r, /not signed by a CA in sslrootcert/);
  });

  it('allow: plain first, TLS when the server refuses a plain session (hostnossl … reject)', async () => {
    const { db, u, cert, key } = await certUserDatabase();
    const r = await up(db, withParams(u.toString(), { sslmode: 'allow', sslcert: cert, sslkey: key }));
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true });
    const plain = await createDatabase(server.url);
    expect((await up(plain, withParams(plain.url, { sslmode: 'allow' }))).code).toBe(0);
    expect(await session(plain)).toEqual({ ssl: false, version: null });
  });

  it('verify-ca with PGSSLROOTCERT: encrypted and verified, host name not checked', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, otherName.urlFor(db.url), { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: pki.caCert });
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true });
  });

  it('verify-full with sslrootcert: checks the CA and the host name (127.0.0.1 and localhost are in the certificate)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const db = await createDatabase(server.url);
      const r = await up(db, withParams(db.url, { sslmode: 'verify-full', sslrootcert: pki.caCert }, host));
      expect(r.code, `${host}: ${r.stdout}`).toBe(0);
      expect(await session(db)).toMatchObject({ ssl: true });
      expect(r.stderr).not.toMatch(/DEP0123|ServerName/); // no SNI with an IP address
    }
  });
});

describe('refusals are clear, final and immediate (exit 4, one attempt)', () => {
  it('a certificate signed by another CA (verify-ca)', async () => {
    const counter = await startProxy({ targetPort: server.port });
    try {
      const db = await createDatabase(server.url);
      const r = await up(db, counter.urlFor(db.url), { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: pki.otherCaCert });
      expectRefusedAtOnce(r, /not signed by a CA in sslrootcert/);
      expect(counter.accepted()).toBe(1);
    } finally {
      await counter.close();
    }
  });

  it('a host name the certificate does not list (verify-full to 127.0.0.2)', async () => {
    const db = await createDatabase(server.url);
    const before = otherName.accepted();
    const r = await up(db, withParams(otherName.urlFor(db.url), { sslmode: 'verify-full', sslrootcert: pki.caCert }));
    expectRefusedAtOnce(r, /ERR_TLS_CERT_ALTNAME_INVALID.*127\.0\.0\.2.*verify-ca/);
    expect(otherName.accepted() - before).toBe(1);
  });

  it('verify-full without any root certificate is a configuration error naming PGSSLROOTCERT (exit 3)', async () => {
    const db = await createDatabase(server.url);
    const r = await up(db, withParams(db.url, { sslmode: 'verify-full' }));
    expect(r.code, r.stdout).toBe(3);
    expect(jsonLines(r.stdout).filter((e) => e.event === 'db.wait')).toEqual([]);
    expect(r.stdout).toContain('PGSSLROOTCERT');
    expect(r.stdout).toContain(join(home, '.postgresql', 'root.crt'));
  });
});

describe('client certificates', () => {
  it('log in with a certificate (hostssl … cert), no password', async () => {
    const { db, u, cert, key } = await certUserDatabase();
    const url = withParams(u.toString(), { sslmode: 'verify-full', sslrootcert: pki.caCert, sslcert: cert, sslkey: key });
    const r = await up(db, url);
    expect(r.code, r.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true });
    const [row] = await db.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'tls_probe'`);
    expect(row?.owner).toBe('certuser');
  });

  it('PGSSLCERT/PGSSLKEY work too; without a certificate the login is refused at once (exit 4)', async () => {
    const { db, u, cert, key } = await certUserDatabase();
    const env = { PGSSLMODE: 'verify-full', PGSSLROOTCERT: pki.caCert };
    const refused = await up(db, u.toString(), env);
    expectRefusedAtOnce(refused, /28000/);
    const ok = await up(db, u.toString(), { ...env, PGSSLCERT: cert, PGSSLKEY: key });
    expect(ok.code, ok.stdout).toBe(0);
    expect(await session(db)).toMatchObject({ ssl: true });
  });
});
