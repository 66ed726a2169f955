import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

const files: Record<string, string> = { '/run/secrets/url': 'postgres://app:fromfile@db:5432/app\n', '/run/secrets/pw': 's3cret-pw\n' };
const readFile = (p: string) => {
  const v = files[p];
  if (v === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return v;
};
const passFiles: Record<string, string> = {
  '/home/app/.pgpass': 'db:5432:app:app:from-home\n*:*:*:*:fallback\n',
  '/run/secrets/pgpass': 'h:*:*:u:from-pgpassfile\n',
  '/home/open/.pgpass': 'OPEN',
};
const readPassFile = (p: string) =>
  passFiles[p] === 'OPEN' ? { warning: `password file ${p} has group or world access; ignored` } : passFiles[p] === undefined ? undefined : { text: passFiles[p] };
const load = (env: Record<string, string>) => loadConfig(env, { readFile, readPassFile });
const conn = (env: Record<string, string>) => {
  const c = load(env).connection;
  return `${c.source} ${c.user}@${c.host}:${c.port}/${c.database} ssl=${c.sslmode} pw=${c.password ?? '-'}`;
};
const problems = (env: Record<string, string>): string[] => {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0', 0],
    ['2147483647ms', 2_147_483_647],
    ['596h', 2_145_600_000],
  ])('%s = %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));
  it.each(['10', '10 m', 'ten', '-1s', ''])('%j is refused', (input) => expect(() => parseDuration(input)).toThrow('must be a duration'));
});

describe("libpq's password file, when no password is set", () => {
  const file = (env: Record<string, string>) => {
    const c = load(env).connection;
    return `pw=${c.password ?? '-'} file=${c.passwordFile ?? '-'} warnings=${c.warnings.join('; ') || '-'}`;
  };
  it('~/.pgpass for the URL\'s server', () => expect(file({ DATABASE_URL: 'postgres://app@db/app', HOME: '/home/app' })).toBe('pw=from-home file=/home/app/.pgpass warnings=-'));
  it('PGPASSFILE before ~/.pgpass', () => expect(file({ PGHOST: 'h', PGUSER: 'u', HOME: '/home/app', PGPASSFILE: '/run/secrets/pgpass' })).toBe('pw=from-pgpassfile file=/run/secrets/pgpass warnings=-'));
  it('POSTGRES_* and a wildcard line', () => expect(file({ POSTGRES_HOST: 'other', POSTGRES_USER: 'x', HOME: '/home/app' })).toBe('pw=fallback file=/home/app/.pgpass warnings=-'));
  it('a password that is set wins; the file is not read', () => expect(file({ DATABASE_URL: 'postgres://app:given@db/app', HOME: '/home/open' })).toBe('pw=given file=- warnings=-'));
  it('PGPASSWORD wins too', () => expect(file({ PGHOST: 'db', PGUSER: 'app', PGPASSWORD: 'env', HOME: '/home/app' })).toBe('pw=env file=- warnings=-'));
  it('no matching line: no password', () => expect(file({ PGHOST: 'h', PGUSER: 'nobody', PGPASSFILE: '/run/secrets/pgpass' })).toBe('pw=- file=- warnings=-'));
  it('a file others may read: a warning, no password', () =>
    expect(file({ PGHOST: 'db', HOME: '/home/open' })).toBe('pw=- file=- warnings=password file /home/open/.pgpass has group or world access; ignored'));
  it('the password from the file is scrubbed from output like any other', () => expect(load({ DATABASE_URL: 'postgres://app@db/app', HOME: '/home/app' }).secrets).toContain('from-home'));
});

describe('connection settings', () => {
  it('DATABASE_URL', () => expect(conn({ DATABASE_URL: 'postgres://u:p%40ss@h:6543/d?sslmode=require' })).toBe('DATABASE_URL u@h:6543/d ssl=require pw=p@ss'));
  it('DATABASE_URL_FILE, newline trimmed', () => expect(conn({ DATABASE_URL_FILE: '/run/secrets/url' })).toBe('DATABASE_URL app@db:5432/app ssl=prefer pw=fromfile'));
  it('POSTGRES_* as the official image names them', () => expect(conn({ POSTGRES_HOST: 'pg', POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'x', POSTGRES_DB: 'appdb' })).toBe('POSTGRES_* app@pg:5432/appdb ssl=prefer pw=x'));
  it('POSTGRES_PASSWORD_FILE', () => expect(conn({ POSTGRES_HOST: 'pg', POSTGRES_PASSWORD_FILE: '/run/secrets/pw' })).toBe('POSTGRES_* postgres@pg:5432/postgres ssl=prefer pw=s3cret-pw'));
  it('PG* as libpq', () => expect(conn({ PGHOST: 'h', PGPORT: '5433', PGUSER: 'u', PGPASSWORD: 'p', PGDATABASE: 'd', PGSSLMODE: 'verify-full' })).toBe('PG* u@h:5433/d ssl=verify-full pw=p'));
  it('PG* fill what the URL leaves out', () => expect(conn({ DATABASE_URL: 'postgres://h/d', PGUSER: 'u', PGPASSWORD: 'p' })).toBe('DATABASE_URL u@h:5432/d ssl=prefer pw=p'));
  it('the URL wins over POSTGRES_*, which is noted', () => {
    const c = load({ DATABASE_URL: 'postgres://u@h/d', POSTGRES_HOST: 'other' }).connection;
    expect([c.host, c.ignored]).toEqual(['h', ['POSTGRES_HOST']]);
  });
  it('a Unix socket directory in the URL', () => expect(conn({ DATABASE_URL: 'postgresql://u@/d?host=/var/run/postgresql' })).toBe('DATABASE_URL u@/var/run/postgresql:5432/d ssl=prefer pw=-'));
});

describe('problems name the variable, never the value', () => {
  it.each<[Record<string, string>, string]>([
    [{ DATABASE_URL: 'not a url s3cr3t' }, 'DATABASE_URL: is not a valid URL; expected postgres://user:password@host:5432/database'],
    [{ DATABASE_URL: 'mysql://u:s3cr3t@h/d' }, 'DATABASE_URL: must start with postgres:// or postgresql://'],
    [{ DATABASE_URL: 'postgres://u@h1,h2/d' }, 'DATABASE_URL: several hosts are not supported; name one host'],
    [{ DATABASE_URL: 'postgres://app:5432/Sup3rSecret@db/app' }, 'DATABASE_URL: has an "@" after the host, in the database name: a password holding "/", "@", ":", "#" or "?" must be percent-encoded (%2F, %40, %3A, %23, %3F)'],
    [{ DATABASE_URL_FILE: '/missing' }, 'DATABASE_URL_FILE: cannot read /missing (ENOENT)'],
    [{ POSTGRES_PASSWORD: 'a', POSTGRES_PASSWORD_FILE: '/run/secrets/pw' }, 'POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE: both are set; set only one'],
    [{ POSTGRES_PORT: '99999' }, 'POSTGRES_PORT: must be a port number from 1 to 65535'],
    [{ PGPORT: 'abc' }, 'PGPORT: must be a port number from 1 to 65535'],
    [{ PGSSLMODE: 'maybe' }, 'PGSSLMODE: must be one of disable, allow, prefer, require, verify-ca, verify-full'],
    [{ MIGRATIONS_TABLE: 'x'.repeat(64) }, 'MIGRATIONS_TABLE: must be at most 63 characters'],
    [{ MIGRATIONS_TABLE: 'a;b' }, 'MIGRATIONS_TABLE: must be a plain identifier: letters, digits and _, not starting with a digit'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT: must be one of: text, json, auto'],
    [{ LOCK_TIMEOUT: 'forever' }, 'LOCK_TIMEOUT: must be a duration such as 500ms, 30s, 10m or 1h'],
    // Past PostgreSQL's int milliseconds (lock_timeout) and Node's timers (#10 C12).
    [{ MIGRATION_LOCK_TIMEOUT: '9999h' }, "MIGRATION_LOCK_TIMEOUT: must be at most 2147483647ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take"],
    [{ LOCK_TIMEOUT: '597h' }, "LOCK_TIMEOUT: must be at most 2147483647ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take"],
    [{ DB_WAIT_TIMEOUT: '2147483648ms' }, "DB_WAIT_TIMEOUT: must be at most 2147483647ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take"],
    [{ AWAIT_TIMEOUT: '99999m' }, "AWAIT_TIMEOUT: must be at most 2147483647ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take"],
    [{ PGCONNECT_TIMEOUT: '9999999' }, 'PGCONNECT_TIMEOUT: must be at most 2147483 seconds'],
    // URL parameters pgshift would otherwise ignore (#11 item 7).
    [{ DATABASE_URL: 'postgres://u@h/d?sslmod=require' }, 'DATABASE_URL: parameter sslmod is not supported; supported: host, port, user, password, dbname, sslmode, sslrootcert, sslcert, sslkey, connect_timeout, options, target_session_attrs, application_name, channel_binding (accepted without effect: fallback_application_name, keepalives, keepalives_idle, keepalives_interval, keepalives_count, tcp_user_timeout, client_encoding, gssencmode, sslnegotiation)'],
    [{ DATABASE_URL: 'postgres://u@h/d?channel_binding=always' }, 'DATABASE_URL channel_binding: must be one of disable, prefer, require'],
    [{ PGCHANNELBINDING: 'on' }, 'PGCHANNELBINDING: must be one of disable, prefer, require'],
    [{ DATABASE_URL: 'postgres://u@h/d?client_encoding=LATIN1' }, 'DATABASE_URL client_encoding: only utf8 or utf-8 is supported (pgshift cannot keep any other value); remove the parameter or change it'],
    [{ DATABASE_URL: 'postgres://u@h/d?target_session_attrs=master' }, 'DATABASE_URL target_session_attrs: must be one of any, read-write, read-only, primary, standby, prefer-standby'],
    [{ PGTARGETSESSIONATTRS: 'rw' }, 'PGTARGETSESSIONATTRS: must be one of any, read-write, read-only, primary, standby, prefer-standby'],
    [{ DATABASE_URL: 'postgres://u@h/d?connect_timeout=9999999' }, 'DATABASE_URL connect_timeout: must be at most 2147483 seconds'],
  ])('%j', (env, message) => expect(problems(env)).toEqual([message]));
});

describe('URL parameters as libpq reads them (#11 item 7)', () => {
  const session = (env: Record<string, string>) => {
    const c = load(env).connection;
    return `attrs=${c.targetSessionAttrs} options=${c.options ?? '-'} app=${c.applicationName ?? '-'} timeout=${c.connectTimeoutMs ?? '-'}`;
  };
  it('none: libpq defaults', () => expect(session({ DATABASE_URL: 'postgres://u@h/d' })).toBe('attrs=any options=- app=- timeout=-'));
  it('options, decoded', () => expect(session({ DATABASE_URL: 'postgres://u@h/d?options=-c%20search_path%3Dapp' })).toBe('attrs=any options=-c search_path=app app=- timeout=-'));
  it('target_session_attrs', () => expect(session({ DATABASE_URL: 'postgres://u@h/d?target_session_attrs=read-write' })).toBe('attrs=read-write options=- app=- timeout=-'));
  it('application_name and connect_timeout', () => expect(session({ DATABASE_URL: 'postgres://u@h/d?application_name=job&connect_timeout=5' })).toBe('attrs=any options=- app=job timeout=5000'));
  it('PGOPTIONS, PGAPPNAME, PGTARGETSESSIONATTRS', () => expect(session({ PGHOST: 'h', PGOPTIONS: '-c x=1', PGAPPNAME: 'a', PGTARGETSESSIONATTRS: 'primary' })).toBe('attrs=primary options=-c x=1 app=a timeout=-'));
  it('the URL wins over PGOPTIONS', () => expect(session({ DATABASE_URL: 'postgres://u@h/d?options=-c%20a%3D1', PGOPTIONS: '-c b=2' })).toBe('attrs=any options=-c a=1 app=- timeout=-'));
  it('channel_binding, as libpq reads it: the URL wins over PGCHANNELBINDING; unset, not used', () => {
    const binding = (env: Record<string, string>) => load(env).connection.channelBinding;
    expect([binding({ DATABASE_URL: 'postgres://u@h/d?channel_binding=require' }), binding({ PGHOST: 'h', PGCHANNELBINDING: 'prefer' })]).toEqual(['require', 'prefer']);
    expect([binding({ DATABASE_URL: 'postgres://u@h/d?channel_binding=disable', PGCHANNELBINDING: 'require' }), binding({ PGHOST: 'h' })]).toEqual(['disable', undefined]);
  });
  it('parameters without effect are accepted', () => expect(session({ DATABASE_URL: 'postgres://u@h/d?keepalives=1&gssencmode=disable&channel_binding=prefer&client_encoding=UTF8&fallback_application_name=x' })).toBe('attrs=any options=- app=- timeout=-'));
});

describe('defaults', () => {
  it('match DESIGN.md', () => {
    const c: Config = load({});
    expect({ dir: c.migrationsDir, schema: c.schema, table: c.table, wait: c.dbWaitTimeoutMs, lock: c.lockTimeoutMs, await: c.awaitTimeoutMs, mlt: c.migrationLockTimeoutMs, retries: c.migrationLockRetries, level: c.logLevel, format: c.logFormat }).toEqual({
      dir: './migrations', schema: 'public', table: 'schema_migrations', wait: 60_000, lock: 600_000, await: 600_000, mlt: undefined, retries: 3, level: 'info', format: 'auto',
    });
  });
  it('an empty variable counts as unset', () => expect(load({ LOCK_TIMEOUT: '', MIGRATIONS_SCHEMA: '' }).schema).toBe('public'));
  it('NO_COLOR wins; FORCE_COLOR=0 is off', () => {
    expect(load({ NO_COLOR: '1', FORCE_COLOR: '1' }).color).toBe(false);
    expect(load({ FORCE_COLOR: '0' }).color).toBe(false);
    expect(load({ FORCE_COLOR: '1' }).color).toBe(true);
  });
  it('collects the password as a secret to scrub, as used and as written', () =>
    expect(new Set(load({ DATABASE_URL: 'postgres://u:p%2Fw-long@h/d' }).secrets)).toEqual(new Set(['postgres://u:p%2Fw-long@h/d', 'p/w-long', 'p%2Fw-long'])));
  it('collects a password holding an unencoded @ whole (10.D16)', () => expect(load({ DATABASE_URL: 'postgres://u:p@ss@h/d' }).secrets).toContain('p@ss'));
});
