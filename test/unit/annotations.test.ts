// Another tool's two-way file: pgshift runs the up part only, lines kept in place (#12 item 3).
import { describe, expect, it } from 'vitest';
import { hasDownPart, upPart } from '../../src/annotations.js';

describe('upPart', () => {
  it.each([
    ['a plain file', 'CREATE TABLE a (id int);\n-- down migration notes\nDROP TABLE b;', 'CREATE TABLE a (id int);\n-- down migration notes\nDROP TABLE b;'],
    ['a plain file mentioning migrate:down without migrate:up', 'SELECT 1;\n-- migrate:down\nSELECT 2;', 'SELECT 1;\n-- migrate:down\nSELECT 2;'],
    ['goose', '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n', '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\n\n'],
    ['goose, down first', '-- +goose Down\nDROP TABLE a;\n-- +goose Up\nCREATE TABLE a (id int);', '-- +goose Down\n\n-- +goose Up\nCREATE TABLE a (id int);'],
    ['goose NO TRANSACTION', '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- +goose Down\nDROP INDEX i;', '-- pgshift:no-transaction\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- +goose Down\n'],
    ['goose StatementBegin/End kept as comments', '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\nSELECT 2;', '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\n'],
    ['dbmate', '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n', '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\n\n'],
    ['dbmate transaction:false', '-- migrate:up transaction:false\nVACUUM a;\n-- migrate:down\nSELECT 1;', '-- pgshift:no-transaction\nVACUUM a;\n-- migrate:down\n'],
    ['node-pg-migrate', '-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;', '-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\n'],
  ])('%s', (_what, text, expected) => {
    expect(upPart(text)).toBe(expected);
    expect(upPart(text).split('\n')).toHaveLength(text.split('\n').length);
  });
});

describe('hasDownPart', () => {
  it.each([
    ['-- +goose Down\nDROP TABLE a;', true],
    ['SELECT 1;\n  -- migrate:down\n', true],
    ['-- Down Migration', true],
    ['-- down migration notes', false],
    ["SELECT '-- +goose Down' ;", false],
  ])('%j → %s', (text, expected) => expect(hasDownPart(text)).toBe(expected));
});

describe('a file over 4 MiB with a down part', () => {
  it('is refused (it is read in parts and cannot be cut), whatever the length of its lines', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadMigrations } = await import('../../src/source.js');
    const dir = mkdtempSync(join(tmpdir(), 'pgshift-down-'));
    const row = `(${'1'.repeat(60)})`;
    // One very long line first (a data load on one line), the marker at the end.
    writeFileSync(join(dir, '00001_seed.sql'), `-- +goose Up\nINSERT INTO t VALUES ${Array(80_000).fill(row).join(',')};\n-- +goose Down\nDELETE FROM t;\n`);
    expect(() => loadMigrations(dir)).toThrow("00001_seed.sql: holds another tool's down part (goose, dbmate or node-pg-migrate markers) and is larger than 4 MiB");
  });
});

describe("Flyway's checksum", () => {
  it('is a CRC32 of the lines without their line breaks and BOM, as a signed 32-bit number', async () => {
    const { crc32 } = await import('node:zlib');
    const { flywayChecksum } = await import('../../src/tools/flyway.js');
    const lines = 'CREATE TABLE log (n int);INSERT INTO log VALUES (1);';
    const expected = crc32(lines) | 0;
    for (const text of ['CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n', '\uFEFFCREATE TABLE log (n int);\r\nINSERT INTO log VALUES (1);', 'CREATE TABLE log (n int);\r\rINSERT INTO log VALUES (1);\n\n']) {
      expect(flywayChecksum(Buffer.from(text))).toBe(expected);
    }
    expect(flywayChecksum(Buffer.from('ü'.repeat(100)))).toBe(crc32('ü'.repeat(100)) | 0);
  });
});
