// PostgreSQL's own parser (libpg-query, the dependency `lint` brings) as an oracle for pgshift's
// lexer: over generated SQL mixing quotes, dollar quotes, comments, E'' strings and semicolons
// inside them, and over the real SQL in test/fixtures and migrations/, both must find the same
// statements, starting at the same places. (psql-only input — meta-commands, COPY data — is the
// lexer's own business and left out: the parser rejects it.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, type Parser } from '../../src/lint/parse.js';
import { splitStatements } from '../../src/sql/lexer.js';
import { ROOT } from '../helpers/cli.js';

let parse: Parser;
beforeAll(async () => {
  parse = await loadParser();
});

/** Where each statement starts, by pgshift's lexer and by PostgreSQL's parser; undefined when the parser rejects the text. */
function starts(sql: string): { ours: number[]; theirs: number[] } | undefined {
  const parsed = parse(sql);
  if (!parsed.ok) return undefined;
  return { ours: splitStatements(sql).statements.map((s) => s.start), theirs: parsed.statements.map((s) => s.start) };
}

/** A small seeded generator (mulberry32): the same scripts on every run, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Expressions that hide semicolons, quotes and comment markers from a naive splitter. */
const EXPRESSIONS = [
  "'a;b'",
  "'it''s; fine'",
  "E'x\\';y'",
  "E'\\\\'",
  "e'tab\\t;'",
  '$$a;b$$',
  '$tag$ ; $$ ; $tag$',
  '$a$$b$;$b$$a$',
  '"we;ird"',
  '"say ""hi"";"',
  "U&'d\\0061t;'",
  "B'101'",
  "X'1F'",
  '1 /* c; */ + 2',
  '1 /* outer /* nested; */ still; */ + 3',
  "'multi\nline;'",
  "'a'\n'b;'",
  '$1',
  '2 - -1',
  "'--not a comment;'",
  "'/* nor this; */'",
  'ARRAY[1,2][1]',
  '(SELECT 1)',
];

const SEPARATORS = [' ', '\n', '  -- a comment; with a semicolon\n', ' /* ; */ ', '\n\n', '\t'];

function statement(next: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const shape = Math.floor(next() * 6);
  const e = () => pick(EXPRESSIONS);
  if (shape === 0) return `SELECT ${e()}, ${e()}`;
  if (shape === 1) return `SELECT ${e()} AS x$y$, 1`;
  if (shape === 2) return `CREATE FUNCTION f${Math.floor(next() * 1000)}() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT ${e()} IS NULL::int; END`;
  if (shape === 3) return `DO $do$ BEGIN PERFORM ${e()}; END $do$`;
  if (shape === 4) return `INSERT INTO t (a) VALUES (${e()})${pick(SEPARATORS)}RETURNING a`;
  return `SELECT${pick(SEPARATORS)}${e()}${pick(SEPARATORS)}`;
}

function script(seed: number): string {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const count = 1 + Math.floor(next() * 5);
  let sql = next() < 0.3 ? pick(SEPARATORS) : '';
  for (let i = 0; i < count; i++) sql += `${statement(next)}${pick(SEPARATORS)};${pick(SEPARATORS)}`;
  return next() < 0.2 ? `${sql}SELECT ${pick(EXPRESSIONS)}` : sql;
}

describe('the lexer against PostgreSQL\'s parser', () => {
  it('splits 500 generated scripts where the parser does', () => {
    const disagreements: string[] = [];
    let parsed = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const sql = script(seed);
      const s = starts(sql);
      if (!s) continue;
      parsed++;
      if (JSON.stringify(s.ours) !== JSON.stringify(s.theirs)) disagreements.push(`seed ${seed}: ours ${JSON.stringify(s.ours)}, PostgreSQL ${JSON.stringify(s.theirs)}\n${sql}`);
    }
    // Most scripts must be valid SQL, or the comparison proves little.
    expect(parsed).toBeGreaterThan(400);
    expect(disagreements).toEqual([]);
  });

  it('splits the real SQL of test/fixtures and migrations/ where the parser does', () => {
    const dirs = [join(ROOT, 'test', 'fixtures', 'statements'), join(ROOT, 'migrations'), join(ROOT, 'test', 'container', 'fixtures')];
    const disagreements: string[] = [];
    let compared = 0;
    for (const dir of dirs) {
      for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!e.isFile() || !e.name.endsWith('.sql')) continue;
        const path = join(e.parentPath, e.name);
        const s = starts(readFileSync(path, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n/g, '\n'));
        if (!s) continue;
        compared++;
        if (JSON.stringify(s.ours) !== JSON.stringify(s.theirs)) disagreements.push(`${path}: ours ${JSON.stringify(s.ours)}, PostgreSQL ${JSON.stringify(s.theirs)}`);
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(disagreements).toEqual([]);
  });
});
