// Another tool's two-way file: pgshift runs the up part only, lines kept in place (#12 item 3).
import { describe, expect, it } from 'vitest';
import { hasDownPart, upPart } from '../../src/source/annotations.js';

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
