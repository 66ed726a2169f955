// Redaction that neither leaks nor mangles (10.D16): passwords that are common words, numbers (the
// server's own port), `true`, fragments of the migration file names, or hold `/ : @ %`, through the
// CLI in text, JSON lines and --json. Every JSON output must parse, names and numbers stay as they
// are, and the password never appears where it would be a leak: a SQL literal, a connection
// string's password=, a URL's userinfo, a server message.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, type TestDatabase } from '../helpers/db.js';

const port = new URL(adminUrl()).port;
const dbs: TestDatabase[] = [];
const roles: string[] = [];

afterAll(async () => {
  for (const db of dbs) await db.drop();
  await withClient(adminUrl(), async (c) => {
    for (const r of roles) await c.query(`DROP ROLE IF EXISTS ${r}`);
  });
});

/** A role with this password, owning a database of its own. */
async function roleWith(password: string): Promise<{ role: string; db: TestDatabase }> {
  const role = `redact_${randomBytes(4).toString('hex')}`;
  roles.push(role);
  await withClient(adminUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`));
  const db = await createDatabase();
  dbs.push(db);
  await db.query(`GRANT ALL ON SCHEMA public TO ${role}`);
  return { role, db };
}

function urlFor(db: TestDatabase, role: string, password: string): string {
  const u = new URL(db.url);
  u.username = role;
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** The places a password printed would be a leak. */
function expectNoLeak(text: string, pw: string, where: string): void {
  for (const leak of [`'${pw}'`, `password=${pw}`, `:${pw}@`, `:${encodeURIComponent(pw)}@`, `"${pw}"`, `(${pw})`]) {
    expect(text, `${where}: ${leak}`).not.toContain(leak);
  }
}

function expectJsonLines(text: string, where: string): Array<Record<string, unknown>> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length, where).toBeGreaterThan(0);
  return lines.map((l) => {
    expect(() => JSON.parse(l), `${where}: not JSON: ${l}`).not.toThrow();
    return JSON.parse(l) as Record<string, unknown>;
  });
}

const PASSWORDS: Array<[string, () => string]> = [
  ['the server port', () => port],
  ['a common word', () => 'postgres'],
  ['true', () => 'true'],
  ['a fragment of the file names', () => 'seed'],
  ['URL-hostile characters', () => 'a/b:c@d%e'],
];

describe('a password that is common, numeric or a name fragment is redacted where it leaks, and nowhere else', () => {
  it.each(PASSWORDS)('%s', async (_label, make) => {
    const pw = make();
    const { role, db } = await roleWith(pw);
    const fileSafe = /^[a-z0-9]+$/.test(pw);
    const named = fileSafe ? [`0001_${pw}_seed.sql`, `0002_v-${pw}.sql`] : ["0001_seed.sql", "0002_v-seed.sql"];
    const failing = '0003_fail.sql';
    const dir = await writeMigrations({
      [named[0]!]: `CREATE TABLE t1_${randomBytes(3).toString('hex')} (id int);`,
      [named[1]!]: `CREATE TABLE t2_${randomBytes(3).toString('hex')} (id int);`,
      [failing]: `SELECT '${pw}' AS pw, 'host=db password=${pw} dbname=x' AS conn, 'postgres://u:${pw}@h/db' AS url,\n  no_such_column;\n`,
    });
    const env = { DATABASE_URL: urlFor(db, role, pw), MIGRATIONS_DIR: dir, LOG_LEVEL: 'trace', TERMINATION_LOG: '' };

    // --json: the document on stdout and JSON lines on stderr parse; names and numbers as they are.
    const json = await runCli(['--json'], { ...env, LOG_FORMAT: 'json' });
    expect(json.code, json.stdout + json.stderr).toBe(1);
    const doc = JSON.parse(json.stdout) as { ok: unknown; applied: Array<{ file: string }>; failed: { file: string; error: string } };
    expect(doc.ok).toBe(false);
    expect(doc.applied.map((a) => a.file)).toEqual(named);
    expect(doc.failed.file).toBe(failing);
    expect(doc.failed.error).toContain('no_such_column');
    const logs = expectJsonLines(json.stderr, '--json stderr');
    expect(logs.find((l) => l.event === 'config')).toMatchObject({ port: Number(port), user: role });
    expect(logs.filter((l) => l.event === 'migration.applied').map((l) => l.file)).toEqual(named);
    for (const r of [json]) expectNoLeak(r.stdout + r.stderr, pw, '--json');

    // Text (after the failure is recorded, the run refuses nothing: the failed file is retried).
    const text = await runCli([], { ...env, LOG_FORMAT: 'text' });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('no_such_column');
    expectNoLeak(text.stdout + text.stderr, pw, 'text');

    // JSON lines on stdout; the status document keeps the file names.
    const lines = await runCli(['--list'], { ...env, LOG_FORMAT: 'json' });
    expect(lines.code).toBe(0);
    const status = expectJsonLines(lines.stdout, 'JSON lines').find((l) => l.event === 'status') as { applied: Array<{ file: string }>; failed: Array<{ file: string; error: string }> };
    expect(status.applied.map((a) => a.file)).toEqual(named);
    expect(status.failed[0]?.error).toContain('no_such_column');
    expectNoLeak(lines.stdout + lines.stderr, pw, 'JSON lines');

    // The human report lists the files by their names.
    const list = await runCli(['--list'], { ...env, LOG_FORMAT: 'text' });
    expect(list.code).toBe(0);
    for (const name of named) expect(list.stdout).toContain(`✓ ${name} (`);
    expectNoLeak(list.stdout + list.stderr, pw, 'human report');
    const listJson = await runCli(['--list', '--json'], env);
    expect((JSON.parse(listJson.stdout) as { ok: unknown }).ok).toBe(true);
    expectNoLeak(listJson.stdout + listJson.stderr, pw, '--list --json');
  });
});

describe('a DATABASE_URL whose password holds an unencoded / or @', () => {
  it('is refused (exit 3) saying how to encode it, and no part of the password is printed', async () => {
    const tail = `Sup3rSecret${randomBytes(3).toString('hex')}`;
    const u = new URL(adminUrl());
    const results: CliResult[] = [];
    for (const args of [[], ['--json'], ['--list']]) {
      for (const format of ['json', 'text']) {
        const r = await runCli(args, { DATABASE_URL: `postgres://app:${port}/${tail}@${u.host}/postgres`, LOG_FORMAT: format });
        expect(r.code, r.stdout + r.stderr).toBe(3);
        results.push(r);
      }
    }
    for (const r of results) {
      expect(r.stdout + r.stderr).toContain('must be percent-encoded (%2F, %40, %3A, %23, %3F)');
      expect(r.stdout + r.stderr).not.toContain(tail);
    }
  });
});
