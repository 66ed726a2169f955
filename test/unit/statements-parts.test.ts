// A large file is lexed and sent in parts cut at statement boundaries. Whatever the chunking of its
// text and the part size, the parts must say exactly what analyzeSql says of the whole text: the
// same mode, problems and statements, at the same lines and columns.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeQueryError, formatQueryError } from '../../src/pg-errors.js';
import { analyzeSql } from '../../src/sql/mode.js';
import { analyzeChunks, sqlParts } from '../../src/sql/parts.js';
import { lineColumnAt } from '../../src/sql/positions.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/statements/', import.meta.url));
const CASES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sql'))
  .sort();

function* chunksOf(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** Every statement as file line, column and text, from the whole text or from parts. */
function placesInWhole(sql: string) {
  return analyzeSql(sql).statements.map((s) => ({ ...lineColumnAt(sql, s.start), text: s.text }));
}

function placesInParts(sql: string, chunk: number, partChars: number) {
  const places = [];
  let index = 0;
  for (const part of sqlParts(chunksOf(sql, chunk), partChars)) {
    expect(part.index).toBe(index);
    index += part.statements.length;
    for (const s of part.statements) {
      expect(part.text.slice(s.start, s.end)).toBe(s.text);
      const local = lineColumnAt(part.text, s.start);
      expect(s.line).toBe(local.line + part.line - 1);
      places.push({ line: s.line, column: local.column, text: s.text });
    }
  }
  return places;
}

// Chunk and part sizes from one character (a cut after every statement, tokens split everywhere)
// to larger than the file (one part).
const SIZES: Array<[number, number]> = [
  [1, 1],
  [3, 2],
  [7, 40],
  [64, 16],
  [100, 300],
  [4096, 1 << 20],
];

describe.each(CASES)('%s in parts', (name) => {
  const sql = readFileSync(`${FIXTURES}${name}`, 'utf8');
  const whole = analyzeSql(sql);

  it.each(SIZES)('chunks of %i, parts of %i: the same analysis', (chunk, partChars) => {
    const { statements: _s, body: _b, stringBreaks: _sb, ...expected } = whole;
    expect(analyzeChunks(chunksOf(sql, chunk), partChars)).toEqual(expected);
  });

  it.each(SIZES)('chunks of %i, parts of %i: the same statements at the same lines and columns', (chunk, partChars) => {
    expect(placesInParts(sql, chunk, partChars)).toEqual(placesInWhole(sql));
  });
});

describe('parts of a generated file', () => {
  // Statements sharing lines, multi-line strings and a dollar-quoted body, emoji (two UTF-16 units,
  // one column), comments between statements: cut at every statement.
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    lines.push(`INSERT INTO t VALUES (${i}, '🎉 ${i}'); INSERT INTO t VALUES (${i + 1000}, 'x');  -- two on a line`);
    if (i % 17 === 0) lines.push(`CREATE FUNCTION f${i}() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN ${i}; -- ;\nEND $$;`);
    if (i % 23 === 0) lines.push(`/* a comment; /* nested; */ */ SELECT 'multi\nline; string';`);
  }
  const sql = `${lines.join('\n')}\n`;

  it('keeps every statement whole, at its line and column', () => {
    expect(placesInParts(sql, 1000, 500)).toEqual(placesInWhole(sql));
  });

  it('holds no more than partChars, a chunk and a statement at once', () => {
    const parts = [...sqlParts(chunksOf(sql, 1000), 500)];
    expect(parts.length).toBeGreaterThanOrEqual(Math.floor(sql.length / 1500));
    for (const p of parts) expect(p.text.length).toBeLessThan(500 + 1000 + 200);
  });

  it('a statement larger than a part stays whole, and the text around it still splits', () => {
    const big = `INSERT INTO t VALUES ${Array.from({ length: 5000 }, (_, i) => `(${i}, 'v')`).join(', ')};`;
    const text = `SELECT 1;\n${big}\nSELECT 2;\n${sql.repeat(4)}`;
    const parts = [...sqlParts(chunksOf(text, 100), 64)];
    expect(parts[0]?.statements.map((s) => s.text)).toEqual(['SELECT 1']);
    expect(parts.filter((p) => p.statements.some((s) => s.text === big.slice(0, -1)))).toHaveLength(1);
    expect(parts.length).toBeGreaterThan(10);
    expect(placesInParts(text, 100, 64)).toEqual(placesInWhole(text));
  });

  it('a psql meta-command or an unterminated quote far into the file is found at its line', () => {
    const text = `${sql}\\i other.sql\nSELECT 'open;\n`;
    const whole = analyzeSql(text).problems;
    expect(whole.map((p) => p.message)).toEqual(['psql meta-command \\i cannot run outside psql', 'unterminated quoted string (opened here)']);
    expect(analyzeChunks(chunksOf(text, 7), 50).problems).toEqual(whole);
  });

  it('COPY … FROM stdin data split across chunks is skipped, not lexed as SQL', () => {
    // `\\.more` is data too: only a line that is exactly `\\.` ends it, wherever a chunk ends.
    const data = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? '\\.more; SELECT' : `${i}\t\\\\x; \\copy '`)).join('\n');
    const text = `SELECT 1;\nCOPY t FROM stdin;\n${data}\n\\.\nSELECT 2;\n`;
    const whole = analyzeSql(text);
    expect(whole.problems).toHaveLength(1);
    const { statements: _s, body: _b, stringBreaks: _sb, ...expected } = whole;
    // Every chunk size up to a data line's length: some chunk ends right after each `\\.` prefix.
    for (let chunk = 1; chunk <= 40; chunk++) {
      expect(analyzeChunks(chunksOf(text, chunk), 1)).toEqual(expected);
      expect(placesInParts(text, chunk, 1)).toEqual(placesInWhole(text));
    }
  });

  it('a server error in any part points at the file line and column, and shows the line as the file has it', () => {
    const line = `INSERT INTO t VALUES (1, '🎉'); SELECT nope FROM t;`;
    const text = `${sql}${line}\n${sql}`;
    const fileLine = text.slice(0, text.indexOf(line)).split('\n').length;
    const column = [...line.slice(0, line.indexOf('nope'))].length + 1;
    const sizes: Array<[number, number]> = [...SIZES, ...Array.from({ length: 60 }, (_, i): [number, number] => [i + 1, 1])];
    let cutOnThatLine = 0;
    for (const [chunk, partChars] of sizes) {
      const part = [...sqlParts(chunksOf(text, chunk), partChars)].find((p) => p.statements.some((st) => st.text === 'SELECT nope FROM t'))!;
      if (part.lead.includes('🎉')) cutOnThatLine++;
      // The server counts characters (code points) of the text it was sent, from 1.
      const position = [...part.text.slice(0, part.text.indexOf('nope FROM t;'))].length + 1;
      const report = describeQueryError({ message: 'column "nope" does not exist', code: '42703', position: String(position) }, part.text, 0, part);
      expect(formatQueryError('0001_big.sql', report)).toBe(
        [`0001_big.sql:${fileLine}:${column}: ERROR 42703: column "nope" does not exist`, `${fileLine} | ${line}`, `${' '.repeat(`${fileLine} | `.length + column - 1)}^`].join('\n'),
      );
    }
    // Some of those cut the line between the two statements: the case this test is about.
    expect(cutOnThatLine).toBeGreaterThan(0);
  });
});
