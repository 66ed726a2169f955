// libpq's password file, read as libpq reads it (https://www.postgresql.org/docs/current/libpq-pgpass.html).
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupPassword, passFilePath, readPassFile } from '../../src/config/pgpass.js';

const target = { host: 'db.internal', port: 5432, database: 'app', user: 'migrator' };

describe('lookupPassword', () => {
  it.each([
    ['an exact line', 'db.internal:5432:app:migrator:s3cret', 's3cret'],
    ['wildcards', '*:*:*:migrator:s3cret', 's3cret'],
    ['the first matching line wins', '*:*:*:other:no\ndb.internal:*:app:migrator:first\n*:*:*:*:second', 'first'],
    ['comments, blank lines and CRLF', '# a comment\n\r\n*:*:*:migrator:crlf\r\n', 'crlf'],
    ['an escaped colon and backslash in the password', '*:*:*:migrator:a\\:b\\\\c', 'a:b\\c'],
    ['the password ends at the next unescaped colon', '*:*:*:migrator:pw:extra', 'pw'],
    ['an empty password', '*:*:*:migrator:', ''],
  ])('%s', (_, text, password) => expect(lookupPassword(text, target)).toBe(password));

  it.each([
    ['another port', 'db.internal:5433:app:migrator:no'],
    ['another user', '*:*:*:someone:no'],
    ['another database', '*:*:other:migrator:no'],
    ['too few fields', 'db.internal:5432:app:migrator'],
    ['an escaped star is a star, not a wildcard', '\\*:*:*:migrator:no'],
    ['host names are compared as written', 'DB.internal:*:*:migrator:no'],
  ])('no match: %s', (_, text) => expect(lookupPassword(text, target)).toBeUndefined());

  it('an IPv6 address, its colons escaped', () => expect(lookupPassword('\\:\\:1:5432:app:migrator:v6', { ...target, host: '::1' })).toBe('v6'));

  it('a Unix socket in the default folder is "localhost"; another folder is matched by its path', () => {
    const text = 'localhost:5432:app:migrator:via-localhost\n/srv/pg:5432:app:migrator:via-path';
    expect(lookupPassword(text, { ...target, host: '/var/run/postgresql' })).toBe('via-localhost');
    expect(lookupPassword(text, { ...target, host: '/tmp/' })).toBe('via-localhost');
    expect(lookupPassword(text, { ...target, host: '/srv/pg' })).toBe('via-path');
  });
});

describe('where the file is, and whether it is used', () => {
  it('PGPASSFILE, else $HOME/.pgpass', () => {
    expect(passFilePath({ PGPASSFILE: '/run/secrets/pgpass', HOME: '/home/app' })).toBe('/run/secrets/pgpass');
    expect(passFilePath({ HOME: '/home/app' })).toBe('/home/app/.pgpass');
  });

  it('a file others may read, or a folder, is ignored with a warning; a missing one quietly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgshift-pgpass-'));
    const file = join(dir, 'pgpass');
    await writeFile(file, '*:*:*:*:pw\n');
    await chmod(file, 0o600);
    expect(readPassFile(file)).toEqual({ text: '*:*:*:*:pw\n' });
    await chmod(file, 0o640);
    expect(readPassFile(file)).toEqual({ warning: `password file ${file} has group or world access; ignored (permissions should be u=rw, 0600, or less)` });
    await mkdir(join(dir, 'folder'));
    expect(readPassFile(join(dir, 'folder'))).toEqual({ warning: `password file ${join(dir, 'folder')} is not a plain file; ignored` });
    expect(readPassFile(join(dir, 'missing'))).toBeUndefined();
  });
});
