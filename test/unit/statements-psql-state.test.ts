// The lexer where psql's own state decides (issue #10): `--` comments ended by a lone CR (A5), the
// coverage check that keeps a lexer slip from dropping SQL, unclosed transaction blocks (A8),
// standard_conforming_strings followed statement by statement (A10), DO blocks that commit (B9).
import { describe, expect, it } from 'vitest';
import { firstUncovered } from '../../src/sql/coverage.js';
import { analyzeSql } from '../../src/sql/mode.js';
import { splitPart, sqlParts } from '../../src/sql/parts.js';
import { startingStrings } from '../../src/sql/scanner.js';
import type { Statement } from '../../src/types.js';

const texts = (sql: string, standard = true) => analyzeSql(sql, startingStrings(standard)).statements.map((s) => s.text);
const modeOf = (sql: string) => {
  const a = analyzeSql(sql);
  return `${a.mode}: ${a.reason}${a.partialRisk ? ' [partial]' : ''}`;
};
const problemsOf = (sql: string) => analyzeSql(sql).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
/** Statements as a lexer that ends `--` comments at \n only would have cut them. */
const stmt = (sql: string, text: string): Statement => {
  const start = sql.indexOf(text);
  return { text, start, end: start + text.length, line: 1 };
};

describe('a -- comment ends at a lone CR, as in psql (#10 A5)', () => {
  const sql = 'CREATE TABLE t (a int);\r-- c\rCREATE INDEX CONCURRENTLY t_a ON t (a);\r';
  it('splits the statement after the comment off', () => expect(texts(sql)).toEqual(['CREATE TABLE t (a int)', 'CREATE INDEX CONCURRENTLY t_a ON t (a)']));
  it('sees the CONCURRENTLY statement', () => expect(modeOf(sql)).toBe('no-transaction: line 1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block [partial]'));
  it('a string continued after a CR-ended comment', () => expect(texts("SELECT 'a' -- c\r'b';")).toEqual(["SELECT 'a' -- c\r'b'"]));
  it('the analysis finds everything covered', () => expect(analyzeSql(sql).uncovered).toBeUndefined());
});

describe('firstUncovered: the statements cover every byte that is not whitespace, a comment or ;', () => {
  const sql = 'CREATE TABLE t (a int);\r-- c\rCREATE INDEX CONCURRENTLY t_a ON t (a);\r';
  it('finds the SQL a lexer slip left out', () => expect(firstUncovered(sql, [stmt(sql, 'CREATE TABLE t (a int)')])).toBe(sql.indexOf('CREATE INDEX')));
  it('accepts the right statements', () => expect(firstUncovered(sql, [stmt(sql, 'CREATE TABLE t (a int)'), stmt(sql, 'CREATE INDEX CONCURRENTLY t_a ON t (a)')])).toBe(-1));
  it('accepts comments, nested block comments and ;;', () => {
    const text = '/* a /* b */ c */ SELECT 1 /* x */ ;; -- d\n;\n';
    expect(firstUncovered(text, [stmt(text, 'SELECT 1')])).toBe(-1);
  });
  it('finds SQL after the last statement', () => expect(firstUncovered('SELECT 1; SELECT 2', [stmt('SELECT 1; SELECT 2', 'SELECT 1')])).toBe(10));
  it('finds SQL before the first statement', () => expect(firstUncovered('x; SELECT 1;', [stmt('x; SELECT 1;', 'SELECT 1')])).toBe(0));
  it('finds an unclosed block comment between statements', () => expect(firstUncovered('SELECT 1; /* a', [stmt('SELECT 1; /* a', 'SELECT 1')])).toBe(10));
  it('a -- comment ends at CR: what follows is SQL', () => expect(firstUncovered('-- a\rSELECT 1', [])).toBe(5));
});

describe('an unclosed transaction block is refused (#10 A8)', () => {
  const advice = (name: string) =>
    `${name} opens a transaction block that the file never closes (psql would roll it back when its session ends); end the block with COMMIT; — or remove the ${name} to let pgshift run the whole file in one transaction`;
  it('BEGIN never committed', () => expect(problemsOf('BEGIN;\nCREATE TABLE t (a int);\n')).toEqual([`1:1: ${advice('BEGIN')}`]));
  it('after other statements, at its line and column', () => expect(problemsOf('CREATE TABLE a ();\n  START TRANSACTION;\nCREATE TABLE b ();')).toEqual([`2:3: ${advice('START TRANSACTION')}`]));
  it('a second block never committed', () => expect(problemsOf('BEGIN; SELECT 1; COMMIT;\nBEGIN;\nSELECT 2;')).toEqual([`2:1: ${advice('BEGIN')}`]));
  it('COMMIT AND CHAIN opens the next', () => expect(problemsOf('BEGIN; SELECT 1; COMMIT AND CHAIN; SELECT 2;')).toEqual([`1:18: ${advice('COMMIT AND CHAIN')}`]));
  it('a closed block is fine', () => expect(problemsOf('BEGIN; SELECT 1; ROLLBACK;')).toEqual([]));
  it('statements after COMMIT run as written, each taking effect', () =>
    expect(modeOf('BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\nCREATE INDEX t_a ON t (a);')).toBe('no-transaction: transaction control at line 3 (COMMIT): each statement runs as written [partial]'));
  it('a SET before the block: the block is the only thing that takes effect', () =>
    expect(modeOf('SET statement_timeout = 0;\nBEGIN;\nCREATE TABLE t (a int);\nCREATE TABLE u (a int);\nCOMMIT;')).toBe('no-transaction: transaction control at line 2 (BEGIN): each statement runs as written'));
});

describe('standard_conforming_strings, followed statement by statement (#10 A10)', () => {
  const escaped = "SELECT 'it\\'s; still one'";
  it.each([
    'SET standard_conforming_strings = off',
    'SET standard_conforming_strings TO off',
    "SET standard_conforming_strings = 'off'",
    'SET standard_conforming_strings = false',
    'SET standard_conforming_strings = 0',
    'SET standard_conforming_strings = no',
    'SET SESSION standard_conforming_strings = OFF',
    'set standard_conforming_strings to of',
  ])('%s: a backslash escapes in \'…\'', (set) => expect(texts(`${set};\n${escaped};\nSELECT 1;`)).toEqual([set, escaped, 'SELECT 1']));

  it('on is the default', () => expect(texts(`${escaped};`)).toEqual(["SELECT 'it\\'s", "still one';"]));
  it('= on turns it back', () =>
    expect(texts("SET standard_conforming_strings = off;\nSET standard_conforming_strings = on;\nSELECT 'a\\';\nSELECT 2;")).toEqual([
      'SET standard_conforming_strings = off',
      'SET standard_conforming_strings = on',
      "SELECT 'a\\'",
      'SELECT 2',
    ]));
  it('RESET returns to the session default', () => expect(texts("SET standard_conforming_strings = off;\nRESET standard_conforming_strings;\nSELECT 'a\\';\nSELECT 2;")).toHaveLength(4));
  it('RESET ALL too', () => expect(texts("SET standard_conforming_strings = off;\nRESET ALL;\nSELECT 'a\\';\nSELECT 2;")).toHaveLength(4));
  it('TO DEFAULT too', () => expect(texts("SET standard_conforming_strings = off;\nSET standard_conforming_strings TO DEFAULT;\nSELECT 'a\\';\nSELECT 2;")).toHaveLength(4));
  it('a session whose default is off starts in backslash mode', () => expect(texts(`${escaped};\nSELECT 1;`, false)).toEqual([escaped, 'SELECT 1']));
  it('RESET returns to a default of off', () => expect(texts(`SET standard_conforming_strings = on;\nRESET standard_conforming_strings;\n${escaped};`, false)).toEqual(['SET standard_conforming_strings = on', 'RESET standard_conforming_strings', escaped]));
  it('ROLLBACK undoes the SET', () => expect(texts("BEGIN;\nSET standard_conforming_strings = off;\nROLLBACK;\nSELECT 'a\\';\nSELECT 2;")).toHaveLength(5));
  it('SET LOCAL lasts until COMMIT', () => expect(texts(`BEGIN;\nSET LOCAL standard_conforming_strings = off;\n${escaped};\nCOMMIT;\nSELECT 'a\\';\nSELECT 2;`)).toHaveLength(6));
  it('SET LOCAL outside a block changes nothing', () => expect(texts("SET LOCAL standard_conforming_strings = off;\nSELECT 'a\\';\nSELECT 2;")).toHaveLength(3));
  it("N'…' follows the setting too", () => expect(texts("SET standard_conforming_strings = off;\nSELECT N'a\\';b';")).toHaveLength(2));

  it('a COMMIT inside such a string is no transaction control: the wrapper holds', () => {
    const sql = "BEGIN;\nSET standard_conforming_strings = off;\nINSERT INTO t VALUES ('x\\'; COMMIT; SELECT ''');\nCOMMIT;\n";
    expect(modeOf(sql)).toBe('wrapped: file wraps itself in BEGIN … COMMIT');
    expect(analyzeSql(sql).statements).toHaveLength(4);
  });
  it('a backslash in such a string is no psql meta-command', () => expect(problemsOf("SET standard_conforming_strings = off;\nSELECT 'it\\'s \\d';")).toEqual([]));
  it('…but is one with the setting on', () => expect(problemsOf("SELECT 'it\\'s \\d';")).toEqual(["1:15: psql meta-command \\d'; cannot run outside psql"]));
  it('unterminated, the message says why', () =>
    expect(problemsOf("SET standard_conforming_strings = off;\nSELECT 'a\\';")).toEqual([
      "2:8: unterminated quoted string (opened here; standard_conforming_strings is off, so a backslash escapes the next character, as in E'…')",
    ]));

  it('the text is sent in parts cut after each change, each statement at its line and column', () => {
    const sql = `SELECT 1;\nSET standard_conforming_strings = off;  ${escaped};\nSET standard_conforming_strings = on;\nSELECT 'a\\';\n`;
    const a = analyzeSql(sql);
    expect(a.stringBreaks).toEqual([1, 3]);
    const parts = splitPart({ text: sql, line: 1, statements: a.statements, index: 0, lead: '' }, a.stringBreaks);
    expect(parts.map((p) => p.text)).toEqual([
      'SELECT 1;\nSET standard_conforming_strings = off;  ',
      `${' '.repeat(40)}${escaped};\nSET standard_conforming_strings = on;\n`,
      "SELECT 'a\\';\n",
    ]);
    expect(parts.map((p) => [p.line, p.index, p.lead])).toEqual([[1, 0, ''], [2, 2, 'SET standard_conforming_strings = off;  '], [4, 4, '']]);
    for (const p of parts) for (const s of p.statements) expect(p.text.slice(s.start, s.end)).toBe(s.text);
    // Read in chunks, a large file is cut the same way.
    const chunked = [...sqlParts([sql.slice(0, 30), sql.slice(30)], 1 << 20)];
    expect(chunked.map((p) => p.text)).toEqual(parts.map((p) => p.text));
  });
});

describe('a DO block that commits inside runs outside a transaction block (#10 B9)', () => {
  const reason = (line: number) => `no-transaction: line ${line}: a DO block that commits (COMMIT or ROLLBACK in its body) cannot run inside a transaction block`;
  const backfill = `CREATE TABLE t (id int);\nDO $$\nDECLARE n int;\nBEGIN\n  LOOP\n    UPDATE t SET id = id WHERE false;\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND $$;\n`;
  it('a batched backfill', () => expect(modeOf(backfill)).toBe(`${reason(2)} [partial]`));
  it('ROLLBACK', () => expect(modeOf('DO $$ BEGIN INSERT INTO t VALUES (1); ROLLBACK; END $$;')).toBe(reason(1)));
  it('COMMIT AND CHAIN', () => expect(modeOf('DO $body$ BEGIN COMMIT AND CHAIN; END $body$;')).toBe(reason(1)));
  it('after THEN', () => expect(modeOf('DO $$ BEGIN IF true THEN COMMIT; END IF; END $$;')).toBe(reason(1)));
  it('LANGUAGE plpgsql first, a quoted body', () => expect(modeOf("DO LANGUAGE plpgsql 'BEGIN PERFORM ''x''; COMMIT; END';")).toBe(reason(1)));
  it('LANGUAGE plpgsql after the body', () => expect(modeOf('DO $$ BEGIN COMMIT; END $$ LANGUAGE plpgsql;')).toBe(reason(1)));
  it('inside the file\'s own BEGIN … COMMIT', () => expect(modeOf('BEGIN;\nDO $$ BEGIN COMMIT; END $$;\nCOMMIT;')).toBe(`${reason(2)} (move it out of the file's BEGIN … COMMIT)`));
  it.each([
    ["COMMIT in the body's string", "DO $$ BEGIN RAISE NOTICE 'COMMIT;'; END $$;"],
    ["COMMIT in the body's comment", 'DO $$ BEGIN -- COMMIT;\n PERFORM 1; /* ROLLBACK; */ END $$;'],
    ['a variable named commit_count', 'DO $$ DECLARE commit_count int; BEGIN commit_count := 1; END $$;'],
    ['EXECUTE of a string', "DO $$ BEGIN EXECUTE 'COMMIT'; END $$;"],
    ['another language', 'DO LANGUAGE plperl $$ commit; $$;'],
    ['a function body', 'CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;'],
  ])('not for %s', (_, sql) => expect(modeOf(sql)).toBe('transaction: default: whole file in one transaction'));
});
