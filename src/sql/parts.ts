// Large files in parts: runs of whole statements, lexed and sent one part at a time, so that memory
// stays near a part's size however large the file.

import type { SqlPart } from '../types.js';
import { endOfGap } from './coverage.js';
import { lex, type Lexed } from './lexer.js';
import { MAX_STATEMENT_CHARS, PART_CHARS, tooLarge } from './limits.js';
import { ModeFacts, type FileAnalysis } from './mode.js';
import { countCharacters } from './positions.js';
import { startingStrings, type StringsSetting } from './scanner.js';

export function analyzeChunks(chunks: Iterable<string>, partChars = PART_CHARS, strings = startingStrings()): FileAnalysis {
  const facts = new ModeFacts();
  for (const { part, lexed } of lexParts(chunks, partChars, strings)) facts.add(part.text, lexed);
  return facts.analysis();
}

/**
 * The file whose text arrives in `chunks`, as parts: runs of whole statements of about `partChars`,
 * also cut after each statement that changes standard_conforming_strings (see splitPart).
 */
export function* sqlParts(chunks: Iterable<string>, partChars = PART_CHARS, strings = startingStrings()): Generator<SqlPart> {
  for (const { part, lexed, oversized } of lexParts(chunks, partChars, strings)) {
    if (oversized) throw new Error(`line ${part.line}: a statement over MAX_STATEMENT_CHARS reached sqlParts: its file should have been refused before anything ran`);
    const breaks = lexed.pieces.flatMap((p, i) => (p.changesStrings ? [i + part.index] : []));
    yield* splitPart(part, breaks);
  }
}

/**
 * The part cut after each statement numbered `breaks` (in the file), for a setting that changes
 * there: the server lexes a whole query string with standard_conforming_strings as it is when the
 * string arrives, as psql's statement-by-statement sending would not. Parts keep SqlPart's contract
 * (a part after the first starts at the start of a line, what precedes it there blanked).
 */
export function splitPart(part: SqlPart, breaks: readonly number[]): SqlPart[] {
  const parts: SqlPart[] = [];
  let rest = part;
  for (const after of breaks) {
    const k = after + 1 - rest.index;
    if (k <= 0 || k >= rest.statements.length) continue;
    const [head, tail] = cutBefore(rest, k);
    parts.push(head);
    rest = tail;
  }
  parts.push(rest);
  return parts;
}

/** The part in two, the second starting at its k-th statement. */
function cutBefore(part: SqlPart, k: number): [SqlPart, SqlPart] {
  const { text } = part;
  const at = part.statements[k]!.start;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  // On the part's first line, the blanked start stands for part.lead.
  const lead = lineStart === 0 ? part.lead + text.slice(countCharacters(part.lead, 0, part.lead.length), at) : text.slice(lineStart, at);
  const pad = countCharacters(lead, 0, lead.length);
  const shift = pad - at;
  const head: SqlPart = { ...part, text: text.slice(0, at), statements: part.statements.slice(0, k) };
  const tail: SqlPart = {
    text: ' '.repeat(pad) + text.slice(at),
    line: part.line + newlines(text, lineStart),
    index: part.index + k,
    lead,
    statements: part.statements.slice(k).map((st) => ({ ...st, start: st.start + shift, end: st.end + shift })),
  };
  return [head, tail];
}

/**
 * Lexes text arriving in chunks, cutting it after the last complete statement once `partChars` are
 * in hand; the rest is lexed again with the text that follows. A part after the first starts at the
 * start of a line: what came before its first statement on that line is blanked (spaces), so lines
 * and columns count as in the file. A statement longer than `partChars` makes a part of its own (the
 * text is lexed again only once it has doubled, not for every chunk).
 */
function* lexParts(chunks: Iterable<string>, partChars: number, startStrings: StringsSetting): Generator<{ part: SqlPart; lexed: Lexed; oversized?: true }> {
  let strings = startStrings;
  let text = '';
  let line = 1;
  let index = 0;
  let lexAt = partChars;
  // What the spaces at the start of `text` stand for, and how many there are.
  let lead = '';
  let pad = 0;
  for (const chunk of chunks) {
    text += chunk;
    if (text.length < lexAt) continue;
    const lexed = lex(text, { partial: true, firstLine: line, strings });
    if (lexed.cut === 0) {
      // Past the limit, the statement is refused: reading on would hold all of it to say so.
      const start = endOfGap(text, 0, text.length);
      if (text.length - start > MAX_STATEMENT_CHARS) {
        const problem = { ...lexed.at(start), message: tooLarge(text.length - start, 'at least ') };
        yield { part: partOf(text, line, index, lead, lexed), lexed: { ...lexed, problems: [problem] }, oversized: true };
        return;
      }
      lexAt = 2 * text.length;
      continue;
    }
    yield { part: partOf(text.slice(0, lexed.cut), line, index, lead, lexed), lexed };
    index += lexed.pieces.length;
    strings = lexed.strings;
    const lineStart = text.lastIndexOf('\n', lexed.cut - 1) + 1;
    line += newlines(text, lineStart);
    lead = lineStart === 0 ? lead + text.slice(pad, lexed.cut) : text.slice(lineStart, lexed.cut);
    pad = countCharacters(lead, 0, lead.length);
    text = ' '.repeat(pad) + text.slice(lexed.cut);
    lexAt = Math.max(partChars, 2 * text.length);
  }
  const lexed = lex(text, { firstLine: line, strings });
  yield { part: partOf(text, line, index, lead, lexed), lexed };
}

function partOf(text: string, line: number, index: number, lead: string, lexed: Lexed): SqlPart {
  return { text, line, index, lead, statements: lexed.pieces.map((p) => p.statement) };
}

/** The `\n` characters in text[0, end). */
function newlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

