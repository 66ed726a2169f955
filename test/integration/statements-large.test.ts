// Statements over MAX_STATEMENT_CHARS (issue #10 C14): the lexer reads megabytes of SQL here, which
// is why these cases live apart from the unit tier (pure, but not fast).
import { describe, expect, it } from 'vitest';
import { MAX_STATEMENT_CHARS } from '../../src/sql/limits.js';
import { analyzeChunks } from '../../src/sql/parts.js';

describe('a statement over MAX_STATEMENT_CHARS is refused, read in chunks (#10 C14)', () => {
  const advice = 'pgshift sends as one statement (it is held whole, several times over, in memory): split it into smaller statements';
  const rows = (chars: number) => `INSERT INTO t VALUES ${"('x'), ".repeat(Math.ceil(chars / 7))}('x')`;
  const chunksOf = (text: string) => Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => text.slice(i * 65536, (i + 1) * 65536));

  it('found as soon as it is over the limit, at its line', () => {
    const sql = `SELECT 1;\n\n  ${rows(3 * MAX_STATEMENT_CHARS)};\nSELECT 2;\n`;
    const [problem, ...rest] = analyzeChunks(chunksOf(sql)).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ line: 3, column: 3 });
    expect(problem?.message).toMatch(/^this statement is at least \d+\.\d MiB long, over the 8\.0 MiB /);
    expect(problem?.message).toContain(advice);
  });
  it('found whole in a larger text, with its size', () => {
    const statement = rows(MAX_STATEMENT_CHARS + 10);
    const problems = analyzeChunks([`${statement};\n${'SELECT 1;\n'.repeat(1000)}`], 1 << 30).problems;
    expect(problems).toEqual([{ line: 1, column: 1, message: expect.stringContaining(`this statement is ${(statement.length / (1 << 20)).toFixed(1)} MiB long, over the 8.0 MiB ${advice}`) }]);
  });
  it('one just under the limit is fine', () => expect(analyzeChunks(chunksOf(`${rows(MAX_STATEMENT_CHARS - 100)};\n`)).problems).toEqual([]));
});
