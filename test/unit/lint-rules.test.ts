// One golden case per rule: the unsafe form is flagged at file:line:col; its safe rewrite is not;
// the unsafe form under `-- pgshift:allow RULE REASON` is not, and the reason is kept. PostgreSQL's
// real parser (libpg-query) parses every case.
import { beforeAll, describe, expect, it } from 'vitest';
import { lintFiles, type Finding, type LintInput } from '../../src/lint/lint.js';
import { loadParser, type Parser } from '../../src/lint/parse.js';
import { RULE_IDS, type RuleId } from '../../src/lint/rules.js';
import { newRunState } from '../../src/lint/state.js';
import { analyzeSql } from '../../src/sql/mode.js';

let parse: Parser;
beforeAll(async () => {
  parse = await loadParser();
});

const TIMEOUT = "SET lock_timeout = '2s';\n";

interface Case {
  rule: RuleId;
  /** Statements after the file's first line (a SET lock_timeout), one file. */
  unsafe: string;
  /** Where the caret goes: line (of the whole file) and the text the column points at. */
  line: number;
  at: string;
  /** The safe rewrite: one file, or several files linted as one pending set. */
  safe: string | string[];
}

const CASES: Case[] = [
  { rule: 'index-not-concurrently', unsafe: 'CREATE INDEX orders_total ON orders (total);', line: 2, at: 'CREATE', safe: 'CREATE INDEX CONCURRENTLY orders_total ON orders (total);' },
  { rule: 'drop-index-not-concurrently', unsafe: 'DROP INDEX orders_total;', line: 2, at: 'DROP', safe: 'DROP INDEX CONCURRENTLY orders_total;' },
  { rule: 'add-column-volatile-default', unsafe: 'ALTER TABLE orders ADD COLUMN r float8 DEFAULT random();', line: 2, at: 'random', safe: 'ALTER TABLE orders ADD COLUMN r float8 DEFAULT 0;' },
  { rule: 'add-column-generated', unsafe: 'ALTER TABLE orders ADD COLUMN n bigserial;', line: 2, at: 'n bigserial', safe: 'ALTER TABLE orders ADD COLUMN n bigint;' },
  { rule: 'add-column-required', unsafe: 'ALTER TABLE orders ADD COLUMN k int NOT NULL;', line: 2, at: 'k int', safe: 'ALTER TABLE orders ADD COLUMN k int NOT NULL DEFAULT 0;' },
  { rule: 'alter-column-type', unsafe: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;', line: 2, at: 'total TYPE', safe: 'ALTER TABLE orders ADD COLUMN total_v2 bigint;' },
  {
    rule: 'set-not-null', unsafe: 'ALTER TABLE orders ALTER COLUMN total SET NOT NULL;', line: 2, at: 'ALTER',
    safe: [`${TIMEOUT}ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;`, `${TIMEOUT}ALTER TABLE orders VALIDATE CONSTRAINT total_nn;`, `${TIMEOUT}ALTER TABLE orders ALTER COLUMN total SET NOT NULL;`],
  },
  { rule: 'constraint-not-valid', unsafe: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (cid) REFERENCES customers (id);', line: 2, at: 'CONSTRAINT', safe: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (cid) REFERENCES customers (id) NOT VALID;' },
  {
    rule: 'validate-same-transaction', unsafe: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;', line: 3, at: 'ALTER',
    safe: [`${TIMEOUT}ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;`, `${TIMEOUT}ALTER TABLE orders VALIDATE CONSTRAINT c;`],
  },
  { rule: 'unique-without-index', unsafe: 'ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);', line: 2, at: 'CONSTRAINT', safe: 'ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX orders_code;' },
  {
    rule: 'exclusion-constraint', unsafe: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);', line: 2, at: 'CONSTRAINT',
    safe: 'CREATE TABLE bookings (room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
  },
  { rule: 'rename-column', unsafe: 'ALTER TABLE orders RENAME COLUMN total TO amount;', line: 2, at: 'ALTER', safe: 'ALTER TABLE orders ADD COLUMN amount numeric;' },
  { rule: 'rename-table', unsafe: 'ALTER TABLE orders RENAME TO purchases;', line: 2, at: 'ALTER', safe: 'CREATE VIEW purchases AS SELECT * FROM orders;' },
  { rule: 'drop-column', unsafe: 'ALTER TABLE orders DROP COLUMN note;', line: 2, at: 'ALTER', safe: 'CREATE TABLE scratch (a int, b int);\nALTER TABLE scratch DROP COLUMN b;' },
  { rule: 'drop-table', unsafe: 'DROP TABLE orders;', line: 2, at: 'DROP', safe: 'CREATE TABLE scratch (a int);\nDROP TABLE scratch;' },
  { rule: 'vacuum-full', unsafe: 'VACUUM FULL orders;', line: 2, at: 'VACUUM', safe: 'VACUUM orders;' },
  { rule: 'cluster', unsafe: 'CLUSTER orders USING orders_pkey;', line: 2, at: 'CLUSTER', safe: 'CREATE TABLE scratch (a int PRIMARY KEY);\nCLUSTER scratch USING scratch_pkey;' },
  { rule: 'alter-table-rewrite', unsafe: 'ALTER TABLE orders SET LOGGED;', line: 2, at: 'ALTER', safe: 'CREATE UNLOGGED TABLE staging (a int);\nALTER TABLE staging SET LOGGED;' },
  { rule: 'reindex-not-concurrently', unsafe: 'REINDEX INDEX orders_total;', line: 2, at: 'REINDEX', safe: 'REINDEX INDEX CONCURRENTLY orders_total;' },
  { rule: 'refresh-not-concurrently', unsafe: 'REFRESH MATERIALIZED VIEW totals;', line: 2, at: 'REFRESH', safe: 'REFRESH MATERIALIZED VIEW CONCURRENTLY totals;' },
  { rule: 'lock-table', unsafe: 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;', line: 2, at: 'LOCK', safe: 'ALTER TABLE orders ALTER COLUMN note SET DEFAULT \'\';' },
  { rule: 'backfill-with-ddl', unsafe: 'ALTER TABLE orders ADD COLUMN x int;\nUPDATE orders SET x = 0;', line: 3, at: 'orders', safe: [`${TIMEOUT}ALTER TABLE orders ADD COLUMN x int;`, 'UPDATE orders SET x = 0;'] },
  { rule: 'enum-value-used', unsafe: "ALTER TYPE mood ADD VALUE 'meh';\nINSERT INTO people (m) VALUES ('meh');", line: 3, at: "'meh'", safe: ["ALTER TYPE mood ADD VALUE 'meh';", "INSERT INTO people (m) VALUES ('meh');"] },
  { rule: 'truncate-cascade', unsafe: 'TRUNCATE orders CASCADE;', line: 2, at: 'TRUNCATE', safe: 'TRUNCATE orders;' },
];

/** lint-timeout-missing and parse-error are about the whole file; their cases are below. */
const FILE_RULES: RuleId[] = ['lock-timeout-missing', 'parse-error'];

function lint(texts: string[], lockTimeoutSet = false): Finding[] {
  const inputs: LintInput[] = texts.map((text, i) => ({ path: `m/000${i + 1}.sql`, text, mode: analyzeSql(text).mode }));
  return lintFiles(parse, inputs, { lockTimeoutSet }, newRunState());
}

const where = (f: Finding) => `${f.path}:${f.line}:${f.column} ${f.rule}${f.allowed !== undefined ? ` allowed: ${f.allowed}` : ''}`;

function expectedColumn(text: string, line: number, at: string): number {
  const column = text.split('\n')[line - 1]!.indexOf(at);
  if (column < 0) throw new Error(`${at} not on line ${line}`);
  return column + 1;
}

describe('lint rules', () => {
  it('every rule has a golden case', () => {
    expect([...CASES.map((c) => c.rule), ...FILE_RULES].sort()).toEqual([...RULE_IDS].sort());
  });

  for (const c of CASES) {
    describe(c.rule, () => {
      const unsafe = TIMEOUT + c.unsafe;
      it('flags the unsafe form at file:line:col', () => {
        const found = lint([unsafe]).map(where);
        expect(found).toContain(`m/0001.sql:${c.line}:${expectedColumn(unsafe, c.line, c.at)} ${c.rule}`);
      });
      it('does not flag the safe rewrite', () => {
        const safe = Array.isArray(c.safe) ? c.safe : [TIMEOUT + c.safe];
        expect(lint(safe).filter((f) => f.allowed === undefined).map(where)).toEqual([]);
      });
      it('does not flag it under pgshift:allow, and keeps the reason', () => {
        const lines = unsafe.split('\n');
        lines.splice(c.line - 1, 0, `-- pgshift:allow ${c.rule} reviewed with the DBA, table is tiny`);
        const found = lint([lines.join('\n')]).filter((f) => f.rule === c.rule);
        expect(found.map(where)).toEqual([`m/0001.sql:${c.line + 1}:${expectedColumn(lines.join('\n'), c.line + 1, c.at)} ${c.rule} allowed: reviewed with the DBA, table is tiny`]);
      });
    });
  }

  describe('lock-timeout-missing', () => {
    it('flags the first ACCESS EXCLUSIVE statement without lock_timeout', () => expect(lint(['CREATE TABLE t (a int);\nALTER TABLE orders ADD COLUMN x int;\nALTER TABLE orders ADD COLUMN y int;']).map(where)).toEqual(['m/0001.sql:2:1 lock-timeout-missing']));
    it('not after SET lock_timeout', () => expect(lint(["SET lock_timeout TO '5s';\nALTER TABLE orders ADD COLUMN x int;"]).map(where)).toEqual([]));
    it('not when MIGRATION_LOCK_TIMEOUT is set', () => expect(lint(['ALTER TABLE orders ADD COLUMN x int;'], true).map(where)).toEqual([]));
    it('SET lock_timeout = 0 turns it off again', () => expect(lint(["SET lock_timeout = '5s';\nSET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN x int;"]).map(where)).toEqual(['m/0001.sql:3:1 lock-timeout-missing']));
    it('allowed with a reason', () => expect(lint(['-- pgshift:allow lock-timeout-missing MIGRATION_LOCK_TIMEOUT is set in the deploy\nALTER TABLE orders ADD COLUMN x int;']).map(where)).toEqual(['m/0001.sql:2:1 lock-timeout-missing allowed: MIGRATION_LOCK_TIMEOUT is set in the deploy']));
    it('an allow without a reason does not count', () => expect(lint(['-- pgshift:allow lock-timeout-missing\nALTER TABLE orders ADD COLUMN x int;']).map(where)).toEqual(['m/0001.sql:2:1 lock-timeout-missing']));
  });

  describe('parse-error', () => {
    it('is reported at the position the parser gives', () => expect(lint([`${TIMEOUT}SELECT 1;\nSELEC 2;`]).map(where)).toEqual(['m/0001.sql:3:1 parse-error']));
    it('counts columns in characters after multi-byte text', () => expect(lint(["SELECT 'é€😀' AS x FRM t;"]).map(where)).toEqual(['m/0001.sql:1:19 parse-error']));
    it('the rest of a set is still linted', () => expect(lint(['SELEC 1;', `${TIMEOUT}CREATE INDEX i ON orders (total);`]).map(where)).toEqual(['m/0001.sql:1:1 parse-error', 'm/0002.sql:2:1 index-not-concurrently']));
  });
});

describe('the forms the golden cases leave out', () => {
  const lines = (sql: string) => lint([`${TIMEOUT}${sql}`]).map((f) => `${f.rule}: ${f.detail}`);
  it('every subcommand that copies the table', () =>
    expect(lines('ALTER TABLE orders SET UNLOGGED, SET TABLESPACE archive;\nALTER TABLE orders SET ACCESS METHOD heap;')).toEqual([
      'alter-table-rewrite: orders SET UNLOGGED',
      'alter-table-rewrite: orders SET TABLESPACE archive',
      'alter-table-rewrite: orders SET ACCESS METHOD heap',
    ]));
  it('REINDEX: CONCURRENTLY as the keyword or an option is fine, the option set false is not; a schema is every table in it', () =>
    expect(lines('REINDEX TABLE CONCURRENTLY orders;\nREINDEX (CONCURRENTLY) TABLE orders;\nREINDEX (CONCURRENTLY false) TABLE orders;\nREINDEX (VERBOSE) SCHEMA app;')).toEqual([
      'reindex-not-concurrently: REINDEX TABLE orders',
      'reindex-not-concurrently: REINDEX SCHEMA app (every table in it)',
    ]));
  it('ALTER DOMAIN … ADD CONSTRAINT CHECK scans every column of the domain unless NOT VALID', () =>
    expect(lines('ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);\nALTER DOMAIN positive ADD CONSTRAINT p2 CHECK (VALUE < 10) NOT VALID;')).toEqual([
      'constraint-not-valid: CHECK: constraint positive_check on domain positive (every column of that type is scanned)',
    ]));
});

describe('new-table awareness', () => {
  const create = `${TIMEOUT}CREATE TABLE events (id bigint, kind text);`;
  const change = `${TIMEOUT}CREATE INDEX events_kind ON events (kind);\nALTER TABLE events ADD CONSTRAINT k CHECK (kind <> '');\nALTER TABLE events ALTER COLUMN kind SET NOT NULL;\nALTER TABLE events ADD COLUMN at timestamptz DEFAULT clock_timestamp();`;
  it('a table created earlier in the same file is new', () => expect(lint([`${create}\n${change}`]).map(where)).toEqual([]));
  it('a table created by an earlier file of the same set is new', () => expect(lint([create, change]).map(where)).toEqual([]));
  it('a table created by no file of the set exists already', () =>
    expect(lint([change]).map(where)).toEqual(['m/0001.sql:2:1 index-not-concurrently', 'm/0001.sql:3:24 constraint-not-valid', 'm/0001.sql:4:1 set-not-null', 'm/0001.sql:5:54 add-column-volatile-default']));
  it('schemas written out must be the same; an unqualified name matches any (search_path is unknown)', () =>
    expect(
      lint([`${TIMEOUT}CREATE TABLE app.events (id bigint, kind text);\nCREATE INDEX ON app.events (kind);\nCREATE INDEX ON events (kind);\nCREATE INDEX ON audit.events (kind);\nDROP TABLE app.events;\nDROP TABLE audit.events;`]).map(where),
    ).toEqual(['m/0001.sql:5:1 index-not-concurrently', 'm/0001.sql:7:1 drop-table']));
  it('CREATE TABLE AS and a renamed new table are new too', () => expect(lint([`${TIMEOUT}CREATE TABLE a AS SELECT 1 AS x;\nALTER TABLE a RENAME TO b;\nCREATE INDEX ON b (x);`]).map(where)).toEqual([]));
  it('no findings in a no-transaction file for backfills (each statement commits)', () => expect(lint([`-- pgshift:no-transaction\n${TIMEOUT}ALTER TABLE orders ADD COLUMN x int;\nUPDATE orders SET x = 0;`]).map(where)).toEqual([]));
});

describe('alter-column-type without a database', () => {
  it('a change to text may be free: a warning that says so', () => {
    const [f] = lint([`${TIMEOUT}ALTER TABLE orders ALTER COLUMN note TYPE text;`]);
    expect([f?.severity, f?.detail]).toEqual(['warning', 'orders.note TYPE text: no rewrite only if binary-coercible from the current type (lint with the database to know)']);
  });
  it('USING always rewrites: an error', () => expect(lint([`${TIMEOUT}ALTER TABLE orders ALTER COLUMN note TYPE text USING note::text;`])[0]?.severity).toBe('error'));
});
