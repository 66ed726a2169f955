// Redaction (10.D16): by structure first (URL userinfo, key=value connection strings), then the
// configured secrets in free text as words of their own — never inside names, never breaking JSON.
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../../src/redact.js';

const TARGET = ['app@db.internal:5432/app', 'db.internal:5432', 'db.internal', 'app'];

describe('free text: structure, whatever the password is', () => {
  const r = makeRedactor([]);
  it.each([
    ['URL userinfo', 'could not use postgres://app:s3cret@db/app here', 'could not use postgres://app:****@db/app here'],
    ['URL password with unencoded / and @', 'postgres://app:5432/Sup3r@Secret@db/app', 'postgres://app:****@db/app'],
    ['URL password with :', 'postgresql://app:a:b:c@db:5432/app', 'postgresql://app:****@db:5432/app'],
    ['URL without a password is left alone', 'postgres://app@db:5432/app', 'postgres://app@db:5432/app'],
    ['URL without userinfo is left alone', 'postgres://db:5432/app', 'postgres://db:5432/app'],
    ['key=value', "CONNECTION 'host=db password=hunter2 dbname=x'", "CONNECTION 'host=db password=**** dbname=x'"],
    ['key=value, quoted', "host=db password='a b\\' c' user=x", 'host=db password=**** user=x'],
    ['key = value, any case', 'PGPASSWORD = hunter2', 'PGPASSWORD = ****'],
    ['query parameter', 'postgres://db/app?password=hunter2&sslmode=require', 'postgres://db/app?password=****'],
  ])('%s', (_label, input, output) => expect(r.text(input)).toBe(output));
});

describe('free text: the configured secret as a word of its own', () => {
  it.each([
    ['5432', 'password 5432 in a message', 'password **** in a message'],
    ['5432', `SELECT '5432';`, `SELECT '****';`],
    ['5432', 'relation "t5432" does not exist', 'relation "t5432" does not exist'],
    ['5432', '0001_port_5432.sql:3:1: ERROR', '0001_port_5432.sql:3:1: ERROR'],
    ['5432', '0001-5432.sql:3:1: ERROR', '0001-5432.sql:3:1: ERROR'],
    ['5432', 'created /srv/5432/20260101000000_x.sql', 'created /srv/5432/20260101000000_x.sql'],
    ['5432', 'connecting to app@db.internal:5432/app (from DATABASE_URL)', 'connecting to app@db.internal:5432/app (from DATABASE_URL)'],
    ['5432', 'connect ECONNREFUSED db.internal:5432', 'connect ECONNREFUSED db.internal:5432'],
    ['5432', "0001-5432.sql: CONNECTION 'host=x password=5432'", "0001-5432.sql: CONNECTION 'host=x password=****'"],
    ['2026', '  ✓ 0001_a.sql (2026-12-02 06:31:17)', '  ✓ 0001_a.sql (2026-12-02 06:31:17)'],
    ['postgres', 'role "postgres_app" does not exist', 'role "postgres_app" does not exist'],
    ['postgres', `ALTER ROLE x PASSWORD 'postgres'`, `ALTER ROLE x PASSWORD '****'`],
    ['app', 'connecting to app@db.internal:5432/app', 'connecting to app@db.internal:5432/app'],
    ['true', 'it is true', 'it is ****'],
    ['p@ss"w/rd', 'password p@ss"w/rd here', 'password **** here'],
    ['p@ss"w/rd', 'postgres://u:p%40ss%22w%2Frd@h/d', 'postgres://u:****@h/d'],
    ['p@ss"w/rd', 'p@ss"w/rd p@ss"w/rd', '**** ****'],
    ['Sup3rSecret', 'xSup3rSecret', 'xSup3rSecret'],
    ['-s3cr3t @:/%#?&+', 'pw=x-s3cr3t @:/%#?&+y', 'pw=x****y'],
  ])('%j in %j', (secret, input, output) => expect(makeRedactor([secret], TARGET).text(input)).toBe(output));
  it('short values are not treated as secrets (they would mangle output)', () => expect(makeRedactor(['ab']).text('ab abc')).toBe('ab abc'));
});

describe('JSON: string values only, names untouched, always JSON', () => {
  const line = (o: object) => `${JSON.stringify(o)}\n`;
  it.each([
    ['5432', { port: 5432, ok: true, msg: 'pw 5432', file: '0001-5432.sql' }, { port: 5432, ok: true, msg: 'pw ****', file: '0001-5432.sql' }],
    ['true', { ok: true, msg: 'true', err: { message: 'is true', code: 'true' } }, { ok: true, msg: '****', err: { message: 'is ****', code: 'true' } }],
    ['postgres', { user: 'postgres', database: 'postgres', problems: ['postgres is it'] }, { user: 'postgres', database: 'postgres', problems: ['**** is it'] }],
    ['p"q\\r', { msg: 'x p"q\\r y', 'p"q\\r': 1 }, { msg: 'x **** y', 'p"q\\r': 1 }],
    ['123', { checksum: 'ab123', appliedAt: '123', applied: [{ file: '123_x.sql', error: 'x 123' }] }, { checksum: 'ab123', appliedAt: '123', applied: [{ file: '123_x.sql', error: 'x ****' }] }],
  ])('%j', (secret, input, output) => {
    const out = makeRedactor([secret]).json(line(input));
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(output);
  });
  it('keeps the indentation of a --json document', () => {
    const doc = JSON.stringify({ ok: true, error: 'is 5432' }, null, 2) + '\n';
    expect(makeRedactor(['5432']).json(doc, 2)).toBe(JSON.stringify({ ok: true, error: 'is ****' }, null, 2) + '\n');
  });
  it('returns a line with nothing to redact as it came (the cheap path)', () => {
    const s = '{"a": 1,  "msg":"x"}\n';
    expect(makeRedactor(['5432']).json(s)).toBe(s);
  });
});
