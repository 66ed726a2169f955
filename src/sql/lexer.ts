// The splitter: cuts a file's text into statements exactly where psql would send them, and works out
// each statement's facts as soon as it ends. Pure: no I/O.

import type { SourceProblem, Statement } from '../types.js';
import { copyDirection, factsOf, topLevelWords, type Facts } from './facts.js';
import { lineStarts, locate } from './positions.js';
import { lineEnd, nextToken, startingStrings, type Scanner, type StringsSetting, type Token } from './scanner.js';
import { followStrings } from './strings.js';

/**
 * A statement and what mode detection needs to know of it, worked out as soon as the statement ends:
 * its tokens are then dropped, so a large data migration never holds millions of them at once.
 */
export interface Piece {
  statement: Statement;
  facts: Facts;
  /** Its first top-level word (lowercased), '' if none. */
  firstWord: string;
  /** standard_conforming_strings is not the same after it as before. */
  changesStrings: boolean;
}

export interface Lexed {
  pieces: Piece[];
  problems: SourceProblem[];
  lineComments: Array<{ start: number; end: number }>;
  /** Just past the last complete statement: the end of the text unless it was lexed as cut short. */
  cut: number;
  /** standard_conforming_strings at `cut`, where lexing the text that follows starts. */
  strings: StringsSetting;
  /** Line and column (in the file) of an offset into the text. */
  at(offset: number): { line: number; column: number };
}

/**
 * psql's heuristic for SQL-standard routine bodies: inside CREATE [OR REPLACE] FUNCTION|PROCEDURE, at
 * parenthesis depth 0, BEGIN … END (and CASE … END within one) nest, and a `;` inside does not end the
 * statement. Like psql, only the first four words of the statement decide whether it is such a CREATE.
 */
interface RoutineBody {
  head: string[];
  /** What the head says so far (decided again only while the head grows). */
  createsRoutine: boolean;
  beginDepth: number;
}

const ROUTINE_HEAD_WORDS = new Set(['create', 'function', 'procedure', 'or', 'replace']);

function isRoutine(w: string | undefined): boolean {
  return w === 'function' || w === 'procedure';
}

function trackRoutineBody(body: RoutineBody, word: string, parenDepth: number): void {
  if (body.head.length < 4) {
    body.head.push(ROUTINE_HEAD_WORDS.has(word) ? word : '');
    const [create, kind, replace, replacedKind] = body.head;
    body.createsRoutine = create === 'create' && (isRoutine(kind) || (kind === 'or' && replace === 'replace' && isRoutine(replacedKind)));
  }
  if (!body.createsRoutine || parenDepth > 0) return;
  if (word === 'begin' || (word === 'case' && body.beginDepth > 0)) body.beginDepth++;
  else if (word === 'end' && body.beginDepth > 0) body.beginDepth--;
}

interface LexOptions {
  /**
   * The text may be cut short (more of the file follows): stop at the last statement that is
   * complete, and leave what follows it (`cut` on) to be lexed again with more text.
   * @default false
   */
  partial?: boolean;
  /** @default 1 */
  firstLine?: number;
  /** At the text's start. @default startingStrings() */
  strings?: StringsSetting;
}

export function lex(sql: string, options: LexOptions = {}): Lexed {
  const partial = options.partial ?? false;
  const strings = { ...(options.strings ?? startingStrings()) };
  const s: Scanner = { sql, firstLine: options.firstLine ?? 1, lines: lineStarts(sql), pos: 0, findings: [], lineComments: [], strings };
  const pieces: Piece[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  let cut = 0;
  let routine: RoutineBody = { head: [], createsRoutine: false, beginDepth: 0 };
  for (let token = nextToken(s); token; token = nextToken(s)) {
    const semicolon = token.value === ';' && token.kind === 'symbol' && depth === 0 && routine.beginDepth === 0;
    // A meta-command ends the statement too: psql acts on its query buffer there (\g, \gset) or the
    // file is refused anyway, and a statement's text should never hold psql syntax.
    if (semicolon || token.kind === 'meta') {
      // Cut short, a meta-command's line may go on in the text still to come.
      if (partial && token.kind === 'meta' && s.pos >= sql.length) break;
      if (!finishStatement(s, pieces, tokens, semicolon, partial)) break;
      cut = s.pos;
      depth = 0;
      tokens = [];
      routine = { head: [], createsRoutine: false, beginDepth: 0 };
      continue;
    }
    if (token.kind === 'word') trackRoutineBody(routine, token.value, depth);
    if (token.kind === 'symbol' && token.value === ')') depth = Math.max(0, depth - 1);
    token.depth = depth;
    // Statements that mode detection reads no further into keep their first and last token only:
    // a large INSERT … VALUES would otherwise hold millions of tokens until its `;`.
    if (tokens.length < 2 || readsOn(tokens[0]!)) tokens.push(token);
    else tokens[1] = token;
    if (token.kind === 'symbol' && token.value === '(') depth++;
  }
  if (!partial) {
    finishStatement(s, pieces, tokens, false, false);
    cut = sql.length;
  }
  // What lies past the cut is lexed again with the text that follows: its findings are not final.
  const problems = s.findings
    .filter((f) => f.offset < cut)
    .sort((a, b) => a.offset - b.offset)
    .map((f) => ({ ...locate(s, f.offset), message: f.message }));
  return { pieces, problems, lineComments: s.lineComments.filter((c) => c.start < cut), cut, strings: { ...s.strings }, at: (offset) => locate(s, offset) };
}

/** The first words of the statements whose facts (factsOf, copyDirection, stringsStatement) read past their first token. */
const READ_ON = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'prepare', 'create', 'drop', 'alter', 'reindex', 'vacuum', 'cluster', 'discard', 'do', 'copy', 'set', 'reset']);

function readsOn(first: Token): boolean {
  return first.kind !== 'word' || READ_ON.has(first.value);
}

/**
 * Adds the statement made of `tokens` (none for `;;` or comments only); skips the data after a COPY … FROM stdin.
 * False, adding nothing, when the text is cut short (`partial`) before that data ends.
 */
function finishStatement(s: Scanner, pieces: Piece[], tokens: Token[], terminated: boolean, partial: boolean): boolean {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (!first || !last) return true;
  const words = topLevelWords(tokens);
  const copy = copyDirection(words);
  if (copy === 'from stdin' && terminated && !skipCopyData(s, partial) && partial) return false;
  const line = locate(s, first.start).line;
  const facts = factsOf(words, tokens);
  const statement: Statement = { text: s.sql.slice(first.start, last.end), start: first.start, end: last.end, line, ...(facts.refused ? { refused: facts.refused } : {}) };
  const changesStrings = followStrings(s.strings, facts.control, words[0] ?? '', tokens);
  pieces.push({ statement, facts, firstWord: words[0] ?? '', changesStrings });
  if (copy === 'from stdin') {
    s.findings.push({
      offset: first.start,
      message: 'COPY … FROM stdin needs psql to send the data; load data with INSERT … or COPY FROM a server file',
    });
  } else if (copy === 'to stdout') {
    s.findings.push({ offset: first.start, message: 'COPY … TO stdout needs psql to receive the data; remove it from the migration' });
  }
  return true;
}


/**
 * psql reads COPY data from the lines after the statement up to a line `\.`; it is data, not SQL.
 * False when no such line ends in the text (cut short, the last line may go on).
 */
function skipCopyData(s: Scanner, partial: boolean): boolean {
  let lineStart = s.sql.indexOf('\n', s.pos) + 1;
  while (lineStart > 0 && lineStart < s.sql.length) {
    const end = lineEnd(s.sql, lineStart);
    if (s.sql.slice(lineStart, end) === '\\.' && (end < s.sql.length || !partial)) {
      s.pos = end;
      return true;
    }
    lineStart = end + 1;
  }
  s.pos = s.sql.length;
  return false;
}

/** Splits SQL into statements the way psql would send them. Never throws. */
export function splitStatements(sql: string): { statements: Statement[]; problems: SourceProblem[] } {
  const { pieces, problems } = lex(sql);
  return { statements: pieces.map((p) => p.statement), problems };
}
