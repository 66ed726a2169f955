// Golden files for the lexer (test/fixtures/statements/<case>.sql → <case>.golden.json) and one-line
// table tests for splitting, mode detection and problems. Regenerate goldens on purpose only:
//   UPDATE_GOLDEN=1 npx vitest run test/unit/statements.test.ts
// then review every changed golden by eye: it must be right, not merely what the code says.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/sql/lexer.js';
import { analyzeSql } from '../../src/sql/mode.js';
import { lineColumnAt, offsetOfPosition } from '../../src/sql/positions.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/statements/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const CASES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -'.sql'.length))
  .sort();

function goldenOf(sql: string): unknown {
  const a = analyzeSql(sql);
  return {
    mode: a.mode,
    reason: a.reason,
    partialRisk: a.partialRisk,
    addsEnumValue: a.addsEnumValue,
    problems: a.problems,
    statements: a.statements.map((s) => ({ line: s.line, text: s.text })),
    // Only wrapped files change the body; showing it there lets a reviewer see the blanked COMMIT.
    ...(a.body === sql ? {} : { body: a.body }),
  };
}

describe('golden files', () => {
  it('has the cases the lexer must get right', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('%s', (name) => {
    const sql = readFileSync(`${FIXTURES}${name}.sql`, 'utf8');
    const goldenPath = `${FIXTURES}${name}.golden.json`;
    const actual = goldenOf(sql);
    if (UPDATE) writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
    if (!existsSync(goldenPath)) throw new Error(`no golden for ${name}: run UPDATE_GOLDEN=1 npx vitest run test/unit/statements.test.ts and review it`);
    expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
  });

  it.each(CASES)('%s keeps the offset contracts', (name) => {
    const sql = readFileSync(`${FIXTURES}${name}.sql`, 'utf8');
    const a = analyzeSql(sql);
    let previousEnd = 0;
    for (const s of a.statements) {
      expect(s.text).toBe(sql.slice(s.start, s.end));
      expect(s.start).toBeGreaterThanOrEqual(previousEnd);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.line).toBe(lineColumnAt(sql, s.start).line);
      // An unterminated quote runs to the end of input, trailing newline included.
      if (a.problems.length === 0) expect(s.text).toBe(s.text.trim());
      previousEnd = s.end;
    }
    expect(splitStatements(sql)).toEqual({ statements: a.statements, problems: a.problems });
    expect(a.body).toHaveLength(sql.length);
    if (a.mode === 'wrapped') {
      const commit = a.statements[a.statements.length - 1];
      expect(a.body.slice(0, commit?.start)).toBe(sql.slice(0, commit?.start));
      expect(a.body.slice(commit?.end)).toBe(sql.slice(commit?.end));
      expect(a.body.slice(commit?.start, commit?.end).trim()).toBe('');
    } else {
      expect(a.body).toBe(sql);
    }
  });
});

/** The statements' texts. */
const split = (sql: string, texts: string[]) => () => expect(splitStatements(sql).statements.map((s) => s.text)).toEqual(texts);

describe('splitStatements', () => {
  it('splits at ;', split('SELECT 1; SELECT 2;', ['SELECT 1', 'SELECT 2']));
  it('keeps a last statement without ;', split('SELECT 1; SELECT 2', ['SELECT 1', 'SELECT 2']));
  it('trims a trailing comment without ;', split('SELECT 1 -- done', ['SELECT 1']));
  it('trims comments before the ;', split('SELECT 1 /* done */ ;', ['SELECT 1']));
  it('returns nothing for empty input', split('', []));
  it('returns nothing for empty statements', split(';; ; -- x\n;', []));
  it('keeps a ; inside parentheses, as psql does', split('SELECT (1; 2); SELECT 3', ['SELECT (1; 2)', 'SELECT 3']));
  it('survives an unbalanced )', split('SELECT 1); SELECT 2', ['SELECT 1)', 'SELECT 2']));
  it('reads $1 as a parameter', split('SELECT $1; SELECT $2', ['SELECT $1', 'SELECT $2']));
  it('reads $ inside an identifier as part of it', split('SELECT a$b$c; SELECT $b$;$b$', ['SELECT a$b$c', 'SELECT $b$;$b$']));
  it('reads a lone $ as a symbol', split('SELECT 1 $ 2; SELECT 3', ['SELECT 1 $ 2', 'SELECT 3']));
  it('treats a stray CR as whitespace', split('SELECT 1\r\n;SELECT 2;\r\n', ['SELECT 1', 'SELECT 2']));
  it('continues a string after a newline', split("SELECT 'a'\n  'b;'; SELECT 2", ["SELECT 'a'\n  'b;'", 'SELECT 2']));
  it('continues a string after a newline and comment', split("SELECT 'a' -- x\n'b;'; SELECT 2", ["SELECT 'a' -- x\n'b;'", 'SELECT 2']));
  it('does not continue a string on the same line', split("SELECT 'a' ';'; SELECT 2", ["SELECT 'a' ';'", 'SELECT 2']));
  it('continues an E string in E mode', split("SELECT E'a'\n'\\';'; SELECT 2", ["SELECT E'a'\n'\\';'", 'SELECT 2']));
  it('reads a word ending in e before a quote as a plain string', split("SELECT name'\\'; SELECT 2", ["SELECT name'\\'", 'SELECT 2']));
  it('reads U& strings and identifiers', split('SELECT U&\'\\0041;\' AS a, u&"b;"; SELECT 2', ['SELECT U&\'\\0041;\' AS a, u&"b;"', 'SELECT 2']));
  it('reads numbers with exponents', split('SELECT 1e5, 1.5e-3; SELECT 2', ['SELECT 1e5, 1.5e-3', 'SELECT 2']));
  it('keeps BEGIN ATOMIC bodies whole', split('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3', ['CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END', 'SELECT 3']));
  it('nests CASE … END inside BEGIN ATOMIC', split('CREATE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END; SELECT 2', ['CREATE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END', 'SELECT 2']));
  it('tracks BEGIN only in CREATE FUNCTION/PROCEDURE', split('SELECT CASE WHEN true THEN 1 END; SELECT 2', ['SELECT CASE WHEN true THEN 1 END', 'SELECT 2']));
  it('ignores BEGIN in parentheses of a routine', split('CREATE FUNCTION f(begin int) RETURNS int RETURN 1; SELECT 2', ['CREATE FUNCTION f(begin int) RETURNS int RETURN 1', 'SELECT 2']));
  it('ignores BEGIN in a quoted routine head', split('CREATE "function" x (begin int); SELECT 2', ['CREATE "function" x (begin int)', 'SELECT 2']));
  it('ends a statement at a meta-command', split('SELECT 1 \\gset\nSELECT 2;', ['SELECT 1', 'SELECT 2']));
  it('skips COPY data up to \\.', split("COPY t FROM stdin;\na;'b\n\\.\nSELECT 2;", ['COPY t FROM stdin', 'SELECT 2']));
  it('skips COPY data to the end without \\.', split("COPY t FROM stdin;\na;'b\n", ['COPY t FROM stdin']));
});

/** `mode: reason`, and ` [partial]` when a failure halfway would leave the file partly applied. */
function modeOf(sql: string): string {
  const a = analyzeSql(sql);
  return `${a.mode}: ${a.reason}${a.partialRisk ? ' [partial]' : ''}`;
}
const mode = (sql: string, expected: string) => () => expect(modeOf(sql)).toBe(expected);
const TX = 'transaction: default: whole file in one transaction';
const WRAPPED = 'wrapped: file wraps itself in BEGIN … COMMIT';
const refused = (what: string, line = 1) => `no-transaction: line ${line}: ${what} cannot run inside a transaction block`;
const control = (line: number, what: string) => `no-transaction: transaction control at line ${line} (${what}): each statement runs as written`;

describe('analyzeSql: wrapper and transaction control', () => {
  it('defaults to one transaction', mode('CREATE TABLE t (id int);', TX));
  it('defaults for an empty file', mode('', TX));
  it('honours BEGIN … COMMIT', mode('BEGIN;\nCREATE TABLE t ();\nCOMMIT;', WRAPPED));
  it('honours BEGIN WORK … COMMIT TRANSACTION', mode('BEGIN WORK;\nSELECT 1;\nCOMMIT TRANSACTION;', WRAPPED));
  it('honours begin with options … end work', mode('begin isolation level repeatable read, read write;\nSELECT 1;\nend work;', WRAPPED));
  it('honours START TRANSACTION … END TRANSACTION', mode('START TRANSACTION;\nSELECT 1;\nEND TRANSACTION;', WRAPPED));
  it('honours COMMIT AND NO CHAIN', mode('BEGIN;\nSELECT 1;\nCOMMIT AND NO CHAIN;', WRAPPED));
  it('honours an empty wrapper', mode('BEGIN; COMMIT;', WRAPPED));
  it('keeps savepoints inside the wrapper', mode('BEGIN;\nSAVEPOINT s;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nRELEASE s;\nCOMMIT;', WRAPPED));
  it('keeps savepoints in the default mode', mode('SAVEPOINT s;\nSELECT 1;\nROLLBACK TO s;', TX));
  it('ignores BEGIN; inside a DO body', mode('DO $$ BEGIN PERFORM 1; END $$;', TX));
  it('ignores BEGIN ATOMIC', mode('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;', TX));
  it('runs two blocks as written', mode('BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;', 'no-transaction: 2 BEGIN … COMMIT blocks: each runs as written [partial]'));
  it('runs three blocks as written', mode('BEGIN; COMMIT; BEGIN; COMMIT; START TRANSACTION; END;', 'no-transaction: 3 BEGIN … COMMIT blocks: each runs as written'));
  it('names a COMMIT AND CHAIN', mode('BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;', control(3, 'COMMIT')));
  it('names a closing ROLLBACK', mode('BEGIN;\nSELECT 1;\nROLLBACK;', control(3, 'ROLLBACK')));
  it('names a BEGIN without COMMIT', mode('BEGIN;\nSELECT 1;', control(1, 'BEGIN')));
  it('names a statement after the COMMIT', mode('BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;', control(3, 'COMMIT') + ' [partial]'));
  it('names a BEGIN after a statement', mode('SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;', control(2, 'BEGIN') + ' [partial]'));
  it('names a lone COMMIT', mode('SELECT 1;\ncommit;', control(2, 'COMMIT')));
  it('names ABORT', mode('ABORT;', control(1, 'ABORT')));
  it('names PREPARE TRANSACTION', mode("BEGIN;\nSELECT 1;\nPREPARE TRANSACTION 'p';", control(3, 'PREPARE TRANSACTION')));
  it('names START TRANSACTION', mode('SELECT 1;\nSTART TRANSACTION;', control(2, 'START TRANSACTION')));
  it('does not take PREPARE for a transaction', mode('PREPARE q AS SELECT 1;', TX));
});

describe('analyzeSql: statements refused in a transaction block', () => {
  it('CREATE INDEX CONCURRENTLY', mode('CREATE INDEX CONCURRENTLY i ON t (a);', refused('CREATE INDEX CONCURRENTLY')));
  it('create unique index concurrently if not exists', mode('create unique index concurrently if not exists i on t (a);', refused('CREATE INDEX CONCURRENTLY')));
  it('CREATE INDEX without CONCURRENTLY', mode('CREATE INDEX i ON t (a);', TX));
  it('DROP INDEX CONCURRENTLY', mode('DROP INDEX CONCURRENTLY IF EXISTS i;', refused('DROP INDEX CONCURRENTLY')));
  it('REINDEX INDEX CONCURRENTLY', mode('REINDEX INDEX CONCURRENTLY i;', refused('REINDEX CONCURRENTLY')));
  it('REINDEX (CONCURRENTLY) TABLE', mode('REINDEX (CONCURRENTLY) TABLE t;', refused('REINDEX CONCURRENTLY')));
  it('REINDEX (VERBOSE, CONCURRENTLY true)', mode('REINDEX (VERBOSE, CONCURRENTLY true) TABLE t;', refused('REINDEX CONCURRENTLY')));
  it('REINDEX (CONCURRENTLY false)', mode('REINDEX (CONCURRENTLY false) TABLE t;', TX));
  it('REINDEX TABLE', mode('REINDEX TABLE t;', TX));
  it('REINDEX SCHEMA', mode('REINDEX SCHEMA public;', refused('REINDEX SCHEMA')));
  it('REINDEX SYSTEM', mode('REINDEX SYSTEM;', refused('REINDEX SYSTEM')));
  it('REINDEX (VERBOSE) DATABASE', mode('REINDEX (VERBOSE) DATABASE app;', refused('REINDEX DATABASE')));
  it('DETACH PARTITION CONCURRENTLY', mode('ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;', refused('ALTER TABLE … DETACH PARTITION … CONCURRENTLY')));
  it('DETACH PARTITION', mode('ALTER TABLE p DETACH PARTITION p1;', TX));
  it('VACUUM', mode('VACUUM;', refused('VACUUM')));
  it('VACUUM (VERBOSE, ANALYZE) t', mode('VACUUM (VERBOSE, ANALYZE) t;', refused('VACUUM')));
  it('ANALYZE', mode('ANALYZE t;', TX));
  it('CREATE DATABASE', mode('CREATE DATABASE app;', refused('CREATE DATABASE')));
  it('DROP DATABASE', mode('DROP DATABASE IF EXISTS app;', refused('DROP DATABASE')));
  it('CREATE TABLESPACE', mode("CREATE TABLESPACE ts LOCATION '/srv/ts';", refused('CREATE TABLESPACE')));
  it('DROP TABLESPACE', mode('DROP TABLESPACE ts;', refused('DROP TABLESPACE')));
  it('ALTER SYSTEM', mode("ALTER SYSTEM SET work_mem = '64MB';", refused('ALTER SYSTEM')));
  it('ALTER DATABASE SET TABLESPACE', mode('ALTER DATABASE app SET TABLESPACE fast;', refused('ALTER DATABASE … SET TABLESPACE')));
  it('ALTER DATABASE SET a setting', mode('ALTER DATABASE app SET search_path = app;', TX));
  it('CLUSTER', mode('CLUSTER;', refused('CLUSTER')));
  it('CLUSTER VERBOSE', mode('CLUSTER VERBOSE;', refused('CLUSTER')));
  it('CLUSTER (VERBOSE)', mode('CLUSTER (VERBOSE);', refused('CLUSTER')));
  it('CLUSTER a table', mode('CLUSTER t USING i;', TX));
  it('CLUSTER (VERBOSE) a table', mode('CLUSTER (VERBOSE) t;', TX));
  it('CREATE SUBSCRIPTION', mode("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p;", refused('CREATE SUBSCRIPTION')));
  it('DROP SUBSCRIPTION', mode('DROP SUBSCRIPTION s;', refused('DROP SUBSCRIPTION')));
  it('ALTER SUBSCRIPTION … REFRESH PUBLICATION', mode('ALTER SUBSCRIPTION s REFRESH PUBLICATION;', refused('ALTER SUBSCRIPTION … PUBLICATION')));
  it('COMMIT PREPARED', mode("COMMIT PREPARED 'x';", refused('COMMIT PREPARED')));
  it('ROLLBACK PREPARED', mode("ROLLBACK PREPARED 'x';", refused('ROLLBACK PREPARED')));
  it('DISCARD ALL', mode('DISCARD ALL;', refused('DISCARD ALL')));
  it('DISCARD TEMP', mode('DISCARD TEMP;', TX));
  it('REFRESH MATERIALIZED VIEW CONCURRENTLY', mode('REFRESH MATERIALIZED VIEW CONCURRENTLY mv;', TX));
  it('ALTER TYPE … ADD VALUE', mode("ALTER TYPE mood ADD VALUE 'happy';", TX));
  it('VACUUM inside a DO body', mode("DO $$ BEGIN EXECUTE 'VACUUM'; END $$;", TX));
  it('CONCURRENTLY in a comment', mode('-- CREATE INDEX CONCURRENTLY\nCREATE INDEX i ON t (a);', TX));
  it('names the line', mode('CREATE TABLE t (a int);\n\nCREATE INDEX CONCURRENTLY i ON t (a);', refused('CREATE INDEX CONCURRENTLY', 3) + ' [partial]'));
  it('names the first of several', mode('VACUUM a;\nVACUUM b;', refused('VACUUM') + ' [partial]'));
  it('says to move it out of the wrapper', mode('BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;', refused('CREATE INDEX CONCURRENTLY', 2) + " (move it out of the file's BEGIN … COMMIT)"));
  it('says to move it out of the second block', mode('BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nVACUUM;\nCOMMIT;', refused('VACUUM', 5) + " (move it out of the file's BEGIN … COMMIT) [partial]"));
  it('does not after the block closed', mode('BEGIN;\nSELECT 1;\nCOMMIT;\nVACUUM;', refused('VACUUM', 4) + ' [partial]'));
});

describe('analyzeSql: the directive', () => {
  const DIRECTIVE = 'no-transaction: -- pgshift:no-transaction directive';
  it('forces no-transaction', mode('-- pgshift:no-transaction\nCREATE TABLE t ();', DIRECTIVE));
  it('tolerates case and whitespace', mode('--   PGSHIFT : No-Transaction  \nSELECT 1;', DIRECTIVE));
  it('works without a space', mode('--pgshift:no-transaction\nSELECT 1;', DIRECTIVE));
  it('works after other leading comments', mode('/* why */\n-- note\n-- pgshift:no-transaction\nSELECT 1;\nSELECT 2;', DIRECTIVE + ' [partial]'));
  it('works in a file without statements', mode('-- pgshift:no-transaction\n', DIRECTIVE));
  it('wins over a wrapper', mode('-- pgshift:no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;', DIRECTIVE));
  it('counts only before the first statement', mode('SELECT 1;\n-- pgshift:no-transaction\nSELECT 2;', TX));
  it('must be a -- comment', mode('/* pgshift:no-transaction */\nSELECT 1;', TX));
  it('must be the whole comment', mode('-- pgshift:no-transactional\nSELECT 1;', TX));
  it('is not a string', mode("SELECT '-- pgshift:no-transaction';", TX));
});

describe('analyzeSql: partialRisk and addsEnumValue', () => {
  const partial = (sql: string, expected: boolean) => () => expect(analyzeSql(sql).partialRisk).toBe(expected);
  it('is false for one refused statement', partial('CREATE INDEX CONCURRENTLY i ON t (a);', false));
  it('is true for two refused statements', partial('VACUUM a; VACUUM b;', true));
  it('is true for a refused and another statement', partial('CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a);', true));
  it('does not count BEGIN and COMMIT', partial('BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;', false));
  it('is false in a transaction', partial('SELECT 1; SELECT 2;', false));
  it('is false when wrapped', partial('BEGIN; SELECT 1; SELECT 2; COMMIT;', false));
  it('does not count SET and RESET', partial("SET lock_timeout = '0'; CREATE INDEX CONCURRENTLY i ON t (a); RESET lock_timeout;", false));

  const enumValue = (sql: string, expected: boolean) => () => expect(analyzeSql(sql).addsEnumValue).toBe(expected);
  it('sees ALTER TYPE … ADD VALUE', enumValue("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' BEFORE 'sad';", true));
  it('sees it among others', enumValue("SELECT 1;\nalter type s.mood add value 'x';", true));
  it('ignores ADD ATTRIBUTE', enumValue('ALTER TYPE pair ADD ATTRIBUTE c int;', false));
  it('ignores RENAME VALUE', enumValue("ALTER TYPE mood RENAME VALUE 'a' TO 'b';", false));
  it('ignores a DO body', enumValue("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'x'; END $$;", false));
});

/** Problems as `line:column message`. */
const problems = (sql: string, expected: string[]) => () =>
  expect(analyzeSql(sql).problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual(expected);
const META = (name: string) => `psql meta-command ${name} cannot run outside psql`;
const COPY_IN = 'COPY … FROM stdin needs psql to send the data; load data with INSERT … or COPY FROM a server file';
const COPY_OUT = 'COPY … TO stdout needs psql to receive the data; remove it from the migration';

describe('analyzeSql: problems', () => {
  it('none for plain SQL', problems("SELECT 'a', \"b\", $$c$$, E'\\\\';", []));
  it('\\i', problems('\\i other.sql', [`1:1 ${META('\\i')}`]));
  it('\\set on line 2', problems('SELECT 1;\n\\set x 1', [`2:1 ${META('\\set')}`]));
  it('indented \\connect', problems('  \\connect db', [`1:3 ${META('\\connect')}`]));
  it('\\gset after a query', problems('SELECT 1 AS x \\gset', [`1:15 ${META('\\gset')}`]));
  it('\\; between queries', problems('SELECT 1 \\; SELECT 2;', [`1:10 ${META('\\;')}`]));
  it('a lone backslash at the end', problems('SELECT 1;\n\\', [`2:1 ${META('\\')}`]));
  it('no meta-command in quotes', problems("SELECT '\\i', \"\\i\", $$\\i$$, $x$\\i$x$;", []));
  it('no meta-command in comments', problems('-- \\i a\n/* \\i b */ SELECT 1;', []));
  it('COPY FROM STDIN', problems('CREATE TABLE t (a int);\nCOPY t FROM STDIN;', [`2:1 ${COPY_IN}`]));
  it('copy … from stdin with options', problems('copy t (a) from stdin with (format csv);', [`1:1 ${COPY_IN}`]));
  it('COPY TO STDOUT', problems('COPY (SELECT 1) TO STDOUT;', [`1:1 ${COPY_OUT}`]));
  it('no COPY problem for a server file', problems("COPY t FROM '/srv/t.csv';", []));
  it('no COPY problem for a table named stdin', problems("COPY (SELECT * FROM stdin) TO '/srv/t.csv';", []));
  it('unterminated string', problems("SELECT 'abc", ['1:8 unterminated quoted string (opened here)']));
  it('unterminated E string', problems("SELECT E'abc\\'", ["1:8 unterminated E'…' string (opened here; in E'…' a backslash escapes the next character)"]));
  it('unterminated quoted identifier', problems('SELECT "abc', ['1:8 unterminated quoted identifier (opened here)']));
  it('unterminated U& identifier', problems('SELECT U&"abc', ['1:8 unterminated quoted identifier (opened here)']));
  it('unterminated $$', problems('SELECT $$ ;', ['1:8 unterminated dollar-quoted string $$ (opened here)']));
  it('unterminated $fn$ with another tag inside', problems('SELECT $fn$ $x$ $fn', ['1:8 unterminated dollar-quoted string $fn$ (opened here)']));
  it('unterminated nested block comment', problems('SELECT 1;\n /* a /* b */', ['2:2 unterminated block comment (opened here; /* … */ comments nest)']));
  it('counts columns in characters', problems("SELECT 'é', '😀', 'x", ['1:18 unterminated quoted string (opened here)']));
  it('lists problems in file order', problems("\\i a\nCOPY t FROM stdin;\n1\n\\.\n\\i b\nSELECT 'x", [`1:1 ${META('\\i')}`, `2:1 ${COPY_IN}`, `5:1 ${META('\\i')}`, '6:8 unterminated quoted string (opened here)']));
});

describe('positions', () => {
  const at = (text: string, offset: number, expected: string) => () => {
    const { line, column } = lineColumnAt(text, offset);
    expect(`${line}:${column}`).toBe(expected);
  };
  it('starts at 1:1', at('a\nbc', 0, '1:1'));
  it('moves to the next line after \\n', at('a\nbc', 2, '2:1'));
  it('reaches the end', at('a\nbc', 4, '2:3'));
  it('counts an emoji as one character', at('😀x', 2, '1:2'));
  it('clamps past the end', at('ab', 10, '1:3'));
  it('clamps before the start', at('ab', -1, '1:1'));

  // PostgreSQL's positions are 1-based; offsetOfPosition takes the characters before one.
  const offset = (text: string, position: number, expected: number, sentStart = 0, inBytes = false) => () =>
    expect(offsetOfPosition(text, sentStart, position - 1, inBytes)).toBe(expected);
  it('maps position 1 to offset 0', offset('SELECT x', 1, 0));
  it('maps an ASCII position', offset('SELECT x', 8, 7));
  it('maps a position after an emoji', offset('SELECT 😀 x', 10, 10));
  it('has no offset for a position past the end', offset('ab', 9, -1));
  it('counts UTF-8 bytes in a SQL_ASCII database', offset('SELECT é x', 11, 9, 0, true));
  it('starts where the sent text does: a negative start is a prefix of ours', offset('SELECT x', 4, 1, -2));
});
