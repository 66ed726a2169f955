// A password never leaks: every byte of stdout and stderr (JSON logs, text logs, the human report,
// --json documents, error messages) and the termination message is collected across bad-config,
// bad-password, unreachable, failing-migration and successful runs, at LOG_LEVEL=trace, and searched
// for the password in every form it could take (as is, URL-encoded, JSON-escaped) and for the URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeMigrations } from '../helpers/cli.js';
import { adminUrl, createDatabase, withClient, type TestDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/server.js';

let db: TestDatabase;
let role: string;
/** URL-hostile characters on purpose: @ : / % # ? & + and a space. */
const PASSWORD = `Pw-${randomBytes(6).toString('hex')}-s3cr3t @:/%#?&+`;
const WRONG = `Wr0ng-${randomBytes(6).toString('hex')}-p@ss/word`;
let runs = 0;

beforeAll(async () => {
  db = await createDatabase();
  role = `leak_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`));
  await db.query(`GRANT ALL ON SCHEMA public TO ${role}`);
});

afterAll(async () => {
  await db.drop();
  await withClient(adminUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  console.info(`secrets: ${runs} runs searched, 0 leaks`);
});

function urlWith(pw: string, port?: number): string {
  const u = new URL(db.url);
  u.username = role;
  u.password = encodeURIComponent(pw);
  if (port) u.port = String(port);
  return u.toString();
}

/** Every form a secret could be printed in. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1), secret.replace(/ /g, '%20')];
}

async function leakCheck(args: string[], env: Record<string, string>, expectedCode: number, secrets: string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-term-'));
  const termination = join(dir, 'termination-log');
  await writeFile(termination, '');
  for (const format of ['json', 'text']) {
    const r = await runCli(args, { LOG_LEVEL: 'trace', LOG_FORMAT: format, TERMINATION_LOG: termination, ...env });
    runs += 1;
    expect(r.code, r.stdout + r.stderr).toBe(expectedCode);
    const everything = `${r.stdout}\n${r.stderr}\n${await readFile(termination, 'utf8')}`;
    expect(everything.length).toBeGreaterThan(50); // something was said
    for (const secret of secrets) {
      for (const form of forms(secret)) expect(everything, `a form of a secret leaked in ${format} output`).not.toContain(form);
    }
  }
}

const GOOD = { '0001_a.sql': 'CREATE TABLE a (id int);' };
const FAILING = { '0001_a.sql': 'CREATE TABLE a (id int);', '0002_bad.sql': 'SELECT * FROM no_such_table;' };

describe('no secret in any output', () => {
  it('bad configuration (DATABASE_URL with a password, other variables invalid): exit 3', async () => {
    const env = { DATABASE_URL: urlWith(PASSWORD), DB_WAIT_TIMEOUT: 'forever', LOCK_TIMEOUT: '-1s', MIGRATIONS_SCHEMA: 'bad;name' };
    await leakCheck([], env, 3, [PASSWORD, urlWith(PASSWORD)]);
    await leakCheck(['--json'], env, 3, [PASSWORD, urlWith(PASSWORD)]);
  });

  it('a DATABASE_URL that does not parse, password inside: exit 3', async () => {
    const broken = `postgres://${role}:${PASSWORD}@127.0.0.1:99999/${db.name}`;
    await leakCheck(['status', '--json'], { DATABASE_URL: broken }, 3, [PASSWORD, broken]);
  });

  it('a wrong password, from the URL and from POSTGRES_PASSWORD: exit 4', async () => {
    await leakCheck([], { DATABASE_URL: urlWith(WRONG), MIGRATIONS_DIR: await writeMigrations(GOOD) }, 4, [WRONG, urlWith(WRONG)]);
    const u = new URL(db.url);
    const env = { POSTGRES_HOST: u.hostname, POSTGRES_PORT: u.port, POSTGRES_USER: role, POSTGRES_PASSWORD: WRONG, POSTGRES_DB: db.name, MIGRATIONS_DIR: await writeMigrations(GOOD) };
    await leakCheck(['--json'], env, 4, [WRONG]);
  });

  it('an unreachable server: exit 4 after DB_WAIT_TIMEOUT, every retry logged', async () => {
    const url = urlWith(PASSWORD, await freePort());
    await leakCheck([], { DATABASE_URL: url, DB_WAIT_TIMEOUT: '1s', MIGRATIONS_DIR: await writeMigrations(GOOD) }, 4, [PASSWORD, url]);
  });

  it('a failing migration: exit 1, from the URL, POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE', async () => {
    const dir = await writeMigrations(FAILING);
    await leakCheck(['--json'], { DATABASE_URL: urlWith(PASSWORD), MIGRATIONS_DIR: dir }, 1, [PASSWORD, urlWith(PASSWORD)]);
    const u = new URL(db.url);
    const base = { POSTGRES_HOST: u.hostname, POSTGRES_PORT: u.port, POSTGRES_USER: role, POSTGRES_DB: db.name, MIGRATIONS_DIR: dir };
    await leakCheck([], { ...base, POSTGRES_PASSWORD: PASSWORD }, 1, [PASSWORD]);
    const secretDir = await mkdtemp(join(tmpdir(), 'pgshift-secret-'));
    await writeFile(join(secretDir, 'pw'), `${PASSWORD}\n`);
    await leakCheck([], { ...base, POSTGRES_PASSWORD_FILE: join(secretDir, 'pw') }, 1, [PASSWORD]);
  });

  it('successful runs: up, status, plan, validate, wait (human, JSON lines and --json)', async () => {
    const dir = await writeMigrations(GOOD);
    const env = { DATABASE_URL: urlWith(PASSWORD), MIGRATIONS_DIR: dir };
    for (const args of [[], ['status'], ['plan', '--json'], ['validate'], ['wait', '--json'], ['--list']]) {
      await leakCheck(args, env, 0, [PASSWORD, urlWith(PASSWORD)]);
    }
  });
});
