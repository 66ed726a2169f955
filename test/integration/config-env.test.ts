// The environment as the CLI reads it: every malformed duration, port or mode is exit 3 naming the
// variable and never echoing the value, before any connection; DATABASE_URL wins over POSTGRES_*,
// which is logged as a warning.
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';

function refusal(r: CliResult): string {
  return String((jsonLines(r.stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
}

describe('malformed values: exit 3 naming the variable, not the value, without connecting', () => {
  it.each([
    ['DB_WAIT_TIMEOUT', 'ninety', 'must be a duration such as 500ms, 30s, 10m or 1h'],
    ['LOCK_TIMEOUT', '-5s', 'must be a duration'],
    ['AWAIT_TIMEOUT', '10 min', 'must be a duration'],
    ['MIGRATION_LOCK_TIMEOUT', '750', 'must be a duration'],
    ['DB_WAIT_TIMEOUT', '1e3s', 'must be a duration'],
    ['MIGRATION_LOCK_RETRIES', 'three', 'must be a whole number (0 or more)'],
    ['POSTGRES_PORT', '99999', 'must be a port number from 1 to 65535'],
    ['POSTGRES_PORT', '65536', 'must be a port number from 1 to 65535'],
    ['PGPORT', '54x32', 'must be a port number from 1 to 65535'],
    ['PGSSLMODE', 'sometimes', 'must be one of disable, allow, prefer, require, verify-ca, verify-full'],
    ['PGCONNECT_TIMEOUT', '5s', 'must be a whole number of seconds'],
  ])('%s=%s', async (name, value, why) => {
    const base = name.startsWith('PG') && name !== 'PGSSLMODE' && name !== 'PGCONNECT_TIMEOUT' ? {} : { POSTGRES_HOST: '127.0.0.1' };
    const r = await runCli([], { ...base, [name]: value });
    expect(r.code, r.stdout).toBe(3);
    expect(refusal(r)).toContain(`${name}: ${why}`);
    expect(r.stdout + r.stderr).not.toContain(value);
    expect(jsonLines(r.stdout).some((e) => e.event === 'config' || e.event === 'db.wait')).toBe(false);
  });

  it('a port in DATABASE_URL: `?port=` out of range, or a port the URL syntax rejects', async () => {
    const outOfRange = await runCli([], { DATABASE_URL: 'postgres://u:pw-one@127.0.0.1/db?port=70000' });
    expect(outOfRange.code).toBe(3);
    expect(refusal(outOfRange)).toContain('DATABASE_URL port: must be a port number from 1 to 65535');
    const unparsable = await runCli([], { DATABASE_URL: 'postgres://u:pw-two@127.0.0.1:123456/db' });
    expect(unparsable.code).toBe(3);
    expect(refusal(unparsable)).toContain('DATABASE_URL: is not a valid URL');
    for (const r of [outOfRange, unparsable]) expect(r.stdout).not.toMatch(/70000|123456|pw-one|pw-two/);
  });

  it('several problems at once are all listed, each by name', async () => {
    const r = await runCli([], { POSTGRES_HOST: 'db', POSTGRES_PORT: 'http', DB_WAIT_TIMEOUT: 'long', AWAIT_TIMEOUT: 'longer', PGSSLMODE: 'maybe' });
    expect(r.code).toBe(3);
    const text = refusal(r);
    for (const name of ['POSTGRES_PORT', 'DB_WAIT_TIMEOUT', 'AWAIT_TIMEOUT', 'PGSSLMODE']) expect(text).toContain(`${name}: `);
  });
});

describe('precedence', () => {
  it('DATABASE_URL and POSTGRES_HOST both set: the URL wins, and the ignored variables are named in a warning', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const r = await runCli([], { DATABASE_URL: db.url, POSTGRES_HOST: 'elsewhere.invalid', POSTGRES_PORT: '1', POSTGRES_DB: 'other', MIGRATIONS_DIR: dir });
      expect(r.code, r.stdout).toBe(0);
      const events = jsonLines(r.stdout);
      expect(events.find((e) => e.event === 'config')).toMatchObject({ source: 'DATABASE_URL', host: '127.0.0.1', database: db.name });
      expect(events.find((e) => e.event === 'config.ignored')).toMatchObject({ level: 'warn', ignored: 'POSTGRES_HOST,POSTGRES_PORT,POSTGRES_DB' });
      expect(await db.query(`SELECT to_regclass('a') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
    } finally {
      await db.drop();
    }
  });
});
