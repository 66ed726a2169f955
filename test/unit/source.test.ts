// Checksums, normalisation, names and error positions: pure parts of reading files.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeQueryError, formatQueryError } from '../../src/pg-errors.js';
import { parseMigration } from '../../src/source/load.js';
import { byName } from '../../src/source/names.js';
import { checksumOf, normalize } from '../../src/source/text.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('checksums', () => {
  it('are SHA-256 hex of the normalized text', () => expect(checksumOf('SELECT 1;\n')).toBe(sha('SELECT 1;\n')));
  it('a leading BOM is removed', () => expect(normalize('\uFEFFSELECT 1;')).toBe('SELECT 1;'));
  it('CRLF becomes LF', () => expect(normalize('a;\r\nb;\r\n')).toBe('a;\nb;\n'));
  it('a lone CR is kept', () => expect(normalize('a;\rb;')).toBe('a;\rb;'));
  it('a BOM later in the file is kept', () => expect(normalize('a\uFEFF;')).toBe('a\uFEFF;'));
  it('a Windows checkout has the same checksum as the Unix one', () => {
    const parse = (bytes: Buffer) => parseMigration('0001_a.sql', '0001', '/x', bytes, [], []);
    const unix = parse(Buffer.from('CREATE TABLE a (id int);\n'));
    const windows = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('CREATE TABLE a (id int);\r\n')]));
    expect(windows?.checksum).toBe(unix?.checksum);
    expect(windows?.rawChecksum).not.toBe(unix?.rawChecksum);
    expect(windows?.rawChecksum).toBe(sha(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('CREATE TABLE a (id int);\r\n')])));
  });
});

describe('names sort as bytes', () => {
  it('as the earlier system named them', () => expect(['20251018_x.sql', '004_b.sql', '003_a.sql', '0006_f.sql', '0002_e.sql'].sort(byName)).toEqual(['0002_e.sql', '0006_f.sql', '003_a.sql', '004_b.sql', '20251018_x.sql']));
  it('upper case before lower case', () => expect(['1_b.sql', '1_B.sql'].sort(byName)).toEqual(['1_B.sql', '1_b.sql']));
});

describe('error positions map onto the file', () => {
  const source = 'CREATE TABLE t (id int);\n-- ünïcödé 🎉 comment\nSELECT nope FROM t;\n';
  const at = (position: number, sentStart: number) => describeQueryError({ message: 'm', position: String(position) }, source, sentStart).position;
  const nope = source.indexOf('nope');
  // PostgreSQL counts characters (code points); the emoji is one character to it, two code units to JS.
  const codePoints = (s: string) => [...s].length;

  it('a transaction-mode file sent after BEGIN;\\n', () => expect(at(codePoints('BEGIN;\n' + source.slice(0, nope)) + 1, -'BEGIN;\n'.length)).toEqual({ line: 3, column: 8 }));
  it('a wrapped file sent as it is', () => expect(at(codePoints(source.slice(0, nope)) + 1, 0)).toEqual({ line: 3, column: 8 }));
  it('one statement of a no-transaction file', () => {
    const start = source.indexOf('SELECT');
    expect(at(codePoints('SELECT ') + 1, start)).toEqual({ line: 3, column: 8 });
  });
  it('a SQL_ASCII database counts bytes: ü is two, the emoji four', () => {
    const bytes = Buffer.byteLength('BEGIN;\n' + source.slice(0, nope));
    expect(bytes).toBeGreaterThan(codePoints('BEGIN;\n' + source.slice(0, nope)) + 5);
    expect(describeQueryError({ message: 'm', position: String(bytes + 1) }, source, -'BEGIN;\n'.length, undefined, true).position).toEqual({ line: 3, column: 8 });
  });
  it('a position past the end gives none', () => expect(at(10_000, 0)).toBeUndefined());
  it('a position inside our own prefix gives none', () => expect(at(2, -7)).toBeUndefined());
  it('formats file:line:column, SQLSTATE, detail, hint and a caret', () => {
    const report = describeQueryError({ message: 'column "nope" does not exist', code: '42703', position: String(codePoints(source.slice(0, nope)) + 1), detail: 'd', hint: 'h' }, source, 0);
    expect(formatQueryError('0001_a.sql', report)).toBe('0001_a.sql:3:8: ERROR 42703: column "nope" does not exist\nDETAIL: d\nHINT: h\n3 | SELECT nope FROM t;\n           ^');
  });
  it('adds the no-transaction hint to 25001', () => expect(describeQueryError({ message: 'x', code: '25001' }, source, 0).hint).toContain('-- pgshift:no-transaction'));
});
