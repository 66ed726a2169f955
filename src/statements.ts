// The lexer: splits a migration file into statements exactly where psql would send them, and decides
// how the file runs (one transaction, the file's own BEGIN … COMMIT, or statement by statement).
// Pure: no I/O. Offsets index the normalized text (BOM removed, CRLF → LF). The rules mirror psql's
// src/fe_utils/psqlscan.l, following standard_conforming_strings statement by statement as psql does
// (on by default since PostgreSQL 9.1; off, a backslash escapes in '…' strings as in E'…').

import type { SourceProblem, SqlPart, Statement, TransactionMode } from './types.js';

/** What the lexer concludes about a whole file, whether it read it at once or in parts. */
export interface FileAnalysis {
  mode: TransactionMode;
  /** Why this mode, for logs and `plan`. */
  reason: string;
  /** Mode is no-transaction and more than one statement is not transaction control: a failure halfway leaves the file partly applied. */
  partialRisk: boolean;
  statementCount: number;
  /** The file holds ALTER TYPE … ADD VALUE (allowed in a transaction since PG 12, but the new value is unusable until commit). */
  addsEnumValue: boolean;
  problems: SourceProblem[];
  /**
   * Where the statements leave SQL uncovered (text that is neither whitespace, a comment nor `;`):
   * a lexer bug, which must stop the run before anything is sent. See firstUncovered.
   */
  uncovered: { line: number; column: number } | undefined;
}

/** analyzeSql's result: a file read at once, with its statements. */
export interface SqlAnalysis extends FileAnalysis {
  statements: Statement[];
  /** What runs in 'transaction' and 'wrapped' mode; same length and offsets as the input. */
  body: string;
  /**
   * Indices of the statements after which standard_conforming_strings changes: the server lexes a
   * query string whole with the setting it has when the string arrives, so the text is sent in
   * parts cut after each of them (see splitPart).
   */
  stringBreaks: number[];
}

/**
 * standard_conforming_strings as psql follows it from the server's reports, statement by statement.
 * On, '…' strings take a backslash literally; off, it escapes the next character, as in E'…'.
 */
export interface StringsSetting {
  /** The session's value (SET, RESET), SET LOCAL aside. */
  session: boolean;
  /** A SET LOCAL's value, until the transaction block ends. */
  local: boolean | undefined;
  /** The session's value when the open transaction block began: ROLLBACK returns to it. */
  atBegin: boolean | undefined;
  /** What RESET returns to: the session's default (the server's, or a database or role setting). */
  readonly initial: boolean;
}

/** The setting at the start of a file, for a session whose default is `standard` (true: on). */
export function startingStrings(standard = true): StringsSetting {
  return { session: standard, local: undefined, atBegin: undefined, initial: standard };
}

function standardNow(setting: StringsSetting): boolean {
  return setting.local ?? setting.session;
}

const DEFAULT_REASON = 'default: whole file in one transaction';
const WRAPPED_REASON = 'file wraps itself in BEGIN … COMMIT';
const DIRECTIVE_REASON = '-- pgshift:no-transaction directive';
const DIRECTIVE = /^--\s*pgshift\s*:\s*no-transaction\s*$/i;

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'word' | 'symbol' | 'literal' | 'meta';

/**
 * A word is an unquoted identifier or keyword (lowercased); literals are strings, quoted identifiers,
 * numbers, `$n`; a meta is a psql meta-command with its arguments (the rest of its line).
 */
interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
  /** Parenthesis depth the token stands at; a `(` and its `)` stand at the outer depth. */
  depth: number;
}

/** A problem found while lexing, located by offset until the end (offsets sort; lines are computed once). */
interface Finding {
  offset: number;
  message: string;
}

interface Scanner {
  readonly sql: string;
  /** The file's line number of the text's first line. */
  readonly firstLine: number;
  /** Offsets where each line starts, to turn offsets into lines. */
  readonly lines: number[];
  pos: number;
  readonly findings: Finding[];
  /** `--` comments, kept so the directive can be looked for among the leading ones. */
  readonly lineComments: Array<{ start: number; end: number }>;
  readonly strings: StringsSetting;
}

// Characters are compared as UTF-16 code units (charCodeAt: no one-character strings in the hot
// loops; the lexer reads every file on every run). Past the end, charCodeAt gives NaN: no class.
const QUOTE = 0x27; // '
const DOUBLE_QUOTE = 0x22; // "
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const SLASH = 0x2f;
const AMPERSAND = 0x26;

function isIdentStart(c: number): boolean {
  // psql treats every non-ASCII character as an identifier character.
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ' ', \n, \t, \r, \f, \v */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c || c === 0x0b;
}

// Runs of one character class, matched by sticky regular expressions: the lexer runs once per file
// per process, mostly before the JIT has warmed up, and the regexp engine walks a run far faster
// than interpreted JavaScript calling a class function per character. Same classes as above.
const SPACE_RUN = /[ \n\t\r\f\v]*/y;
/** Identifiers may contain `$` after their first character (`foo$bar`), which is why `$` inside one starts no quote. */
const IDENT_RUN = /[A-Za-z0-9_$\u0080-\uffff]*/y;
/** A dollar-quote tag: identifier characters without `$`. */
const TAG_RUN = /[A-Za-z0-9_\u0080-\uffff]*/y;
const NUMBER_RUN = /[0-9A-Za-z_.\u0080-\uffff]*/y;
/** The rest of a `--` comment: psql's and PostgreSQL's `non_newline` is [^\n\r], so a lone CR ends it too. */
const COMMENT_RUN = /[^\n\r]*/y;

/** Where the run of `run`'s class that starts at `from` ends. */
function runEnd(run: RegExp, sql: string, from: number): number {
  run.lastIndex = from;
  run.test(sql);
  return run.lastIndex;
}

/** Returns the next token, skipping whitespace and comments; undefined at the end. Its depth is set by the splitter. */
function nextToken(s: Scanner): Token | undefined {
  const sql = s.sql;
  for (;;) {
    const pos = isSpace(sql.charCodeAt(s.pos)) ? runEnd(SPACE_RUN, sql, s.pos) : s.pos;
    s.pos = pos;
    if (pos >= sql.length) return undefined;
    const c = sql.charCodeAt(pos);
    if ((c === DASH && skipLineComment(s)) || (c === SLASH && skipBlockComment(s))) continue;
    return readToken(s, c);
  }
}

function readToken(s: Scanner, c: number): Token {
  const start = s.pos;
  let kind: TokenKind = 'literal';
  if (c === QUOTE) readString(s, start, !standardNow(s.strings));
  else if (c === DOUBLE_QUOTE) readQuotedIdentifier(s, start);
  else if (c === DOLLAR) kind = readDollar(s);
  else if (isIdentStart(c)) kind = readWordOrPrefixedString(s);
  else if (isDigit(c)) readNumber(s);
  else if (c === BACKSLASH) kind = readMetaCommand(s);
  else {
    s.pos++;
    kind = 'symbol';
  }
  const text = s.sql.slice(start, s.pos);
  return { kind, value: kind === 'word' ? text.toLowerCase() : text, start, end: s.pos, depth: 0 };
}

function skipLineComment(s: Scanner): boolean {
  if (!s.sql.startsWith('--', s.pos)) return false;
  const end = runEnd(COMMENT_RUN, s.sql, s.pos);
  s.lineComments.push({ start: s.pos, end });
  s.pos = end;
  return true;
}

/** Block comments nest in PostgreSQL: `/* a /* b *\/ still comment *\/`. */
function skipBlockComment(s: Scanner): boolean {
  if (!s.sql.startsWith('/*', s.pos)) return false;
  const sql = s.sql;
  const opened = s.pos;
  let depth = 0;
  // The nearest `/*` and `*/` at or after s.pos; whichever comes first is what a left-to-right scan meets.
  let open = opened;
  let close = sql.indexOf('*/', opened);
  while (close >= 0) {
    if (open >= 0 && open < close) {
      depth++;
      s.pos = open + 2;
      open = sql.indexOf('/*', s.pos);
      if (close < s.pos) close = sql.indexOf('*/', s.pos);
    } else {
      depth--;
      s.pos = close + 2;
      if (depth === 0) return true;
      close = sql.indexOf('*/', s.pos);
      if (open >= 0 && open < s.pos) open = sql.indexOf('/*', s.pos);
    }
  }
  s.pos = sql.length;
  s.findings.push({ offset: opened, message: 'unterminated block comment (opened here; /* … */ comments nest)' });
  return true;
}

/** A backslash outside quotes and comments is a psql meta-command; psql takes the rest of the line as its arguments. */
function readMetaCommand(s: Scanner): TokenKind {
  let nameEnd = s.pos + 1;
  while (nameEnd < s.sql.length && !isSpace(s.sql.charCodeAt(nameEnd)) && s.sql.charCodeAt(nameEnd) !== BACKSLASH) nameEnd++;
  const name = s.sql.slice(s.pos, Math.max(nameEnd, s.pos + 2));
  s.findings.push({ offset: s.pos, message: `psql meta-command ${name} cannot run outside psql` });
  s.pos = lineEnd(s.sql, s.pos);
  return 'meta';
}

/**
 * Reads a '…' string from `s.pos` (its opening quote); `openedAt` is where its prefix (E, B, X, N, U&) starts.
 * `''` is a quote; a backslash escapes only in E'…'. Like PostgreSQL, a string followed by whitespace
 * holding a newline and another '…' continues there, in the same escape mode.
 */
function readString(s: Scanner, openedAt: number, backslashEscapes: boolean): void {
  const sql = s.sql;
  s.pos++;
  // Jump from quote to quote (and, in E'…', backslash to backslash) instead of walking every character.
  // -1: none left; another value before s.pos: look again.
  let quote = -2;
  let backslash = backslashEscapes ? -2 : -1;
  while (s.pos < sql.length) {
    if (quote !== -1 && quote < s.pos) quote = sql.indexOf("'", s.pos);
    if (backslash !== -1 && backslash < s.pos) backslash = sql.indexOf('\\', s.pos);
    if (backslash >= 0 && (quote < 0 || backslash < quote)) {
      s.pos = backslash + 2;
    } else if (quote < 0) {
      break;
    } else if (sql.charCodeAt(quote + 1) === QUOTE) {
      s.pos = quote + 2;
    } else {
      const continuation = continuationQuoteAfter(sql, quote + 1);
      s.pos = continuation < 0 ? quote + 1 : continuation + 1;
      if (continuation < 0) return;
    }
  }
  s.pos = sql.length;
  const what = !backslashEscapes
    ? 'quoted string (opened here)'
    : sql.charCodeAt(openedAt) === QUOTE
      ? "quoted string (opened here; standard_conforming_strings is off, so a backslash escapes the next character, as in E'…')"
      : "E'…' string (opened here; in E'…' a backslash escapes the next character)";
  s.findings.push({ offset: openedAt, message: `unterminated ${what}` });
}

/** Offset of the `'` that continues a string closed just before `from`, or -1 (PostgreSQL's `quotecontinue`). */
function continuationQuoteAfter(sql: string, from: number): number {
  let sawNewline = false;
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      i = runEnd(COMMENT_RUN, sql, i);
    } else if (c === QUOTE && sawNewline) {
      return i;
    } else if (isSpace(c)) {
      sawNewline ||= c === 0x0a || c === 0x0d;
      i++;
    } else {
      return -1;
    }
  }
  return -1;
}

/** Offset of the `\n` ending the line that holds `from`, or the end of `sql`. */
function lineEnd(sql: string, from: number): number {
  const newline = sql.indexOf('\n', from);
  return newline < 0 ? sql.length : newline;
}

function readQuotedIdentifier(s: Scanner, openedAt: number): void {
  s.pos++;
  while (s.pos < s.sql.length) {
    const close = s.sql.indexOf('"', s.pos);
    if (close < 0) break;
    s.pos = close + 1;
    if (s.sql.charCodeAt(s.pos) !== DOUBLE_QUOTE) return;
    s.pos++;
  }
  s.pos = s.sql.length;
  s.findings.push({ offset: openedAt, message: 'unterminated quoted identifier (opened here)' });
}

/** `$1` is a parameter, `$$`/`$tag$` open a dollar quote that ends at the same tag, anything else is a lone `$`. */
function readDollar(s: Scanner): TokenKind {
  const opened = s.pos;
  if (isDigit(s.sql.charCodeAt(s.pos + 1))) {
    s.pos = runEnd(IDENT_RUN, s.sql, s.pos + 1);
    return 'literal';
  }
  const tag = dollarTagAt(s.sql, s.pos);
  if (tag === undefined) {
    s.pos++;
    return 'symbol';
  }
  const close = s.sql.indexOf(tag, opened + tag.length);
  if (close < 0) {
    s.pos = s.sql.length;
    s.findings.push({ offset: opened, message: `unterminated dollar-quoted string ${tag} (opened here)` });
  } else {
    s.pos = close + tag.length;
  }
  return 'literal';
}

/** The delimiter (`$$` or `$tag$`) starting at `at`, if one does; a tag is identifier characters without `$`, not starting with a digit. */
function dollarTagAt(sql: string, at: number): string | undefined {
  let i = at + 1;
  if (isIdentStart(sql.charCodeAt(i))) i = runEnd(TAG_RUN, sql, i);
  return sql.charCodeAt(i) === DOLLAR ? sql.slice(at, i + 1) : undefined;
}

/** Reads a word; a lone E/B/X/N or U& right before a quote is a string prefix instead (`E'it\'s'`, `U&"d\0061t"`). */
function readWordOrPrefixedString(s: Scanner): TokenKind {
  const sql = s.sql;
  const start = s.pos;
  s.pos = runEnd(IDENT_RUN, sql, s.pos);
  // Only a one-character word can be a prefix; most words are not, so they are not lowercased here.
  if (s.pos - start !== 1) return 'word';
  const word = sql.charAt(start).toLowerCase();
  const next = sql.charCodeAt(s.pos);
  if (next === QUOTE && (word === 'e' || word === 'b' || word === 'x' || word === 'n')) {
    // psql lexes N'…' as N and then '…': it follows standard_conforming_strings like any '…'.
    readString(s, start, word === 'e' || (word === 'n' && !standardNow(s.strings)));
    return 'literal';
  }
  const quote = sql.charCodeAt(s.pos + 1);
  if (word === 'u' && next === AMPERSAND && (quote === QUOTE || quote === DOUBLE_QUOTE)) {
    s.pos++;
    if (quote === QUOTE) readString(s, start, false);
    else readQuotedIdentifier(s, start);
    return 'literal';
  }
  return 'word';
}

function readNumber(s: Scanner): void {
  // Digits, a decimal point, an exponent, `_` separators, and psql's "junk" suffixes all stay one token.
  s.pos = runEnd(NUMBER_RUN, s.sql, s.pos);
}

// ---------------------------------------------------------------------------------------------
// Splitting

/**
 * A statement and what mode detection needs to know of it, worked out as soon as the statement ends:
 * its tokens are then dropped, so a 50 MB data migration never holds millions of them at once.
 */
interface Piece {
  statement: Statement;
  facts: Facts;
  /** Its first top-level word (lowercased), '' if none. */
  firstWord: string;
  /** standard_conforming_strings is not the same after it as before. */
  changesStrings: boolean;
}

interface Lexed {
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

function lex(sql: string, options: LexOptions = {}): Lexed {
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
    // a 50 MB INSERT … VALUES would otherwise hold millions of tokens until its `;`.
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

function copyDirection(words: string[]): 'from stdin' | 'to stdout' | undefined {
  if (words[0] !== 'copy') return undefined;
  for (let i = 1; i < words.length - 1; i++) {
    if (words[i] === 'from' && words[i + 1] === 'stdin') return 'from stdin';
    if (words[i] === 'to' && words[i + 1] === 'stdout') return 'to stdout';
  }
  return undefined;
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

// ---------------------------------------------------------------------------------------------
// Coverage

/** Whitespace, `;` and `--` comments: what may stand between statements (block comments are walked apart, they nest). */
const GAP_RUN = /(?:[ \n\t\r\f\v;]+|--[^\n\r]*)*/y;

/**
 * Offset of the first character of `text` that no statement covers and that is not whitespace, a
 * comment or a `;`; -1 when there is none. Written apart from the lexer, on purpose: a statement run
 * alone is sent as its text only, so a lexer slip that leaves SQL between two statements (as a `--`
 * comment ending at a lone CR once did) would drop that SQL silently. Statements are in order.
 */
export function firstUncovered(text: string, statements: readonly Statement[]): number {
  let from = 0;
  for (const statement of statements) {
    const gapEnd = endOfGap(text, from, statement.start);
    if (gapEnd < statement.start) return gapEnd;
    from = statement.end;
  }
  const end = endOfGap(text, from, text.length);
  return end < text.length ? end : -1;
}

/** Where the run of whitespace, `;` and comments from `from` stops, at most `to`. */
function endOfGap(text: string, from: number, to: number): number {
  let at = from;
  for (;;) {
    at = runEnd(GAP_RUN, text, at);
    if (at >= to) return to;
    if (!text.startsWith('/*', at)) return at;
    const closed = endOfBlockComment(text, at);
    if (closed < 0) return at;
    at = closed;
  }
}

/** Just past the `*\/` closing the (nesting) block comment opened at `at`; -1 if it never closes. */
function endOfBlockComment(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length - 1; i++) {
    if (text.charCodeAt(i) === SLASH && text.charCodeAt(i + 1) === 0x2a) {
      depth++;
      i++;
    } else if (text.charCodeAt(i) === 0x2a && text.charCodeAt(i + 1) === SLASH) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Splits SQL into statements the way psql would send them. Never throws. */
export function splitStatements(sql: string): { statements: Statement[]; problems: SourceProblem[] } {
  const { pieces, problems } = lex(sql);
  return { statements: pieces.map((p) => p.statement), problems };
}

// ---------------------------------------------------------------------------------------------
// Mode detection

/**
 * What a statement does to the session's transaction block: `open` BEGIN/START TRANSACTION, `close`
 * COMMIT/END, `end` ROLLBACK/ABORT/PREPARE TRANSACTION, `chain` COMMIT/ROLLBACK AND CHAIN (ends one, opens the next).
 */
type Control = 'open' | 'close' | 'end' | 'chain';

interface Facts {
  control: Control | undefined;
  /** A statement PostgreSQL refuses inside a transaction block, named as its error names it where that reads well. */
  refused: string | undefined;
  addsEnumValue: boolean;
}

function topLevelWords(tokens: Token[]): string[] {
  return tokens.filter((t) => t.kind === 'word' && t.depth === 0).map((t) => t.value);
}

function hasPair(words: string[], first: string, second: string): boolean {
  return words.some((w, i) => w === first && words[i + 1] === second);
}

function factsOf(words: string[], tokens: Token[]): Facts {
  return {
    control: transactionControl(words),
    refused: refusedStatement(words, tokens),
    addsEnumValue: words[0] === 'alter' && words[1] === 'type' && hasPair(words, 'add', 'value'),
  };
}

function transactionControl(words: string[]): Control | undefined {
  const [first, second] = words;
  // Only COMMIT, END and ROLLBACK can chain; looking for AND CHAIN in every statement costs.
  const chains = (): boolean => hasPair(words, 'and', 'chain');
  switch (first) {
    case 'begin':
      return 'open';
    case 'start':
      return second === 'transaction' ? 'open' : undefined;
    case 'commit':
    case 'end':
      if (second === 'prepared') return undefined;
      return chains() ? 'chain' : 'close';
    case 'rollback':
      // ROLLBACK TO SAVEPOINT stays inside the block; ROLLBACK PREPARED is a refused statement.
      if (second === 'prepared' || words.includes('to')) return undefined;
      return chains() ? 'chain' : 'end';
    case 'abort':
      return 'end';
    case 'prepare':
      return second === 'transaction' ? 'end' : undefined;
    default:
      return undefined;
  }
}

/** Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock), by its own names. */
function refusedStatement(words: string[], tokens: Token[]): string | undefined {
  const [first, second] = words;
  switch (first) {
    case 'create':
    case 'drop':
      return refusedCreateOrDrop(words);
    case 'alter':
      return refusedAlter(words);
    case 'reindex':
      return refusedReindex(tokens);
    case 'vacuum':
      return 'VACUUM';
    case 'cluster':
      // Without a table, CLUSTER processes every table, each in its own transaction.
      return tokens.slice(1).every((t) => t.depth > 0 || t.value === '(' || t.value === ')' || t.value === 'verbose') ? 'CLUSTER' : undefined;
    case 'discard':
      return second === 'all' ? 'DISCARD ALL' : undefined;
    case 'do':
      return doBlockCommits(tokens) ? 'a DO block that commits (COMMIT or ROLLBACK in its body)' : undefined;
    case 'commit':
    case 'rollback':
      return second === 'prepared' ? `${first.toUpperCase()} PREPARED` : undefined;
    default:
      return undefined;
  }
}

/**
 * A DO block whose PL/pgSQL body commits or rolls back (a batched backfill): PostgreSQL allows that
 * only outside a transaction block. COMMIT/ROLLBACK count where a PL/pgSQL statement starts, found by
 * lexing the body, so the words in its own strings, comments and expressions do not.
 */
function doBlockCommits(tokens: Token[]): boolean {
  const top = tokens.filter((t) => t.depth === 0);
  const language = top.findIndex((t) => t.kind === 'word' && t.value === 'language');
  const named = language >= 0 ? top[language + 1]?.value.replace(/^'(.*)'$/s, '$1').toLowerCase() : 'plpgsql';
  if (named !== 'plpgsql') return false;
  const body = top.find((t, i) => i > 0 && t.kind === 'literal' && (t.value.startsWith('$') || t.value.startsWith("'")) && top[i - 1]?.value !== 'language');
  const code = body && bodyText(body.value);
  return code !== undefined && commitsAsStatement(code);
}

/** The code a DO's string holds: inside its dollar quotes, or its '…' with '' undone. */
function bodyText(literal: string): string | undefined {
  if (literal.startsWith("'")) return literal.slice(1, -1).replace(/''/g, "'");
  const tag = dollarTagAt(literal, 0);
  return tag === undefined || literal.length < 2 * tag.length ? undefined : literal.slice(tag.length, literal.length - tag.length);
}

/** Words after which a PL/pgSQL statement starts. */
const STATEMENT_STARTS = new Set([';', 'begin', 'then', 'else', 'loop']);

function commitsAsStatement(code: string): boolean {
  const body: Scanner = { sql: code, firstLine: 1, lines: [0], pos: 0, findings: [], lineComments: [], strings: startingStrings() };
  let previous: Token | undefined;
  for (let token = nextToken(body); token; token = nextToken(body)) {
    const atStart = previous === undefined || STATEMENT_STARTS.has(previous.value);
    if (atStart && token.kind === 'word' && (token.value === 'commit' || token.value === 'rollback')) {
      const next = nextToken(body);
      // COMMIT; ROLLBACK; COMMIT AND [NO] CHAIN — not `rollback_count := …` or ROLLBACK TO (not PL/pgSQL).
      if (next === undefined || next.value === ';' || next.value === 'and') return true;
      previous = next;
      continue;
    }
    previous = token;
  }
  return false;
}

function refusedCreateOrDrop(words: string[]): string | undefined {
  const verb = (words[0] ?? '').toUpperCase();
  const indexAt = words[1] === 'unique' ? 2 : 1;
  if (words[indexAt] === 'index' && words[indexAt + 1] === 'concurrently') return `${verb} INDEX CONCURRENTLY`;
  const object = words[1];
  if (object === 'database' || object === 'tablespace' || object === 'subscription') return `${verb} ${object.toUpperCase()}`;
  return undefined;
}

function refusedAlter(words: string[]): string | undefined {
  const object = words[1];
  if (object === 'system') return 'ALTER SYSTEM';
  if (object === 'table' && words.includes('detach') && words[words.length - 1] === 'concurrently') {
    return 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY';
  }
  if (object === 'database' && hasPair(words, 'set', 'tablespace')) return 'ALTER DATABASE … SET TABLESPACE';
  if (object === 'subscription' && words.includes('publication')) return 'ALTER SUBSCRIPTION … PUBLICATION';
  return undefined;
}

/** REINDEX [ (options) ] INDEX|TABLE|SCHEMA|SYSTEM|DATABASE [CONCURRENTLY] name; CONCURRENTLY may also be an option. */
function refusedReindex(tokens: Token[]): string | undefined {
  const concurrently = tokens.some((t, i) => {
    if (t.kind !== 'word' || t.value !== 'concurrently' || t.depth > 1) return false;
    const setting = tokens[i + 1];
    return !(t.depth === 1 && setting && ['false', 'off', '0'].includes(setting.value));
  });
  if (concurrently) return 'REINDEX CONCURRENTLY';
  const kind = topLevelWords(tokens).find((w) => ['index', 'table', 'schema', 'system', 'database'].includes(w));
  return kind === 'schema' || kind === 'system' || kind === 'database' ? `REINDEX ${kind.toUpperCase()}` : undefined;
}

/**
 * What mode detection keeps of a file, fed statement by statement (a file read in parts is lexed one
 * part at a time): counts, the control statements, and the first refused statement.
 */
class ModeFacts {
  count = 0;
  /**
   * Units that take effect apart when the file runs statement by statement, counting only those that
   * change the database: a statement outside the file's own blocks, or a whole BEGIN … COMMIT block.
   * SET/RESET change only the session, which is reset after every file.
   */
  units = 0;
  addsEnumValue = false;
  directive = false;
  refused: { line: number; name: string; insideOwnBlock: boolean } | undefined;
  readonly controls: ControlAt[] = [];
  readonly problems: SourceProblem[] = [];
  /** Statements (by index in the file) after which standard_conforming_strings changes. */
  readonly stringBreaks: number[] = [];
  uncovered: { line: number; column: number } | undefined;
  /** The file's own transaction block open after the statements so far: the statement that opened it, where. */
  #open: { name: string; line: number; column: number } | undefined;
  /** The open block already holds a statement that changes the database. */
  #blockCounted = false;

  add(text: string, lexed: Lexed): void {
    if (this.count === 0) {
      const firstStart = lexed.pieces[0]?.statement.start ?? text.length;
      this.directive ||= lexed.lineComments.some((c) => c.start < firstStart && DIRECTIVE.test(text.slice(c.start, c.end)));
    }
    for (const { statement, facts, firstWord, changesStrings } of lexed.pieces) {
      const index = this.count++;
      const chars = statement.end - statement.start;
      if (chars > MAX_STATEMENT_CHARS) this.problems.push({ ...lexed.at(statement.start), message: tooLarge(chars, '') });
      if (changesStrings) this.stringBreaks.push(index);
      if (facts.control === undefined && !changesSessionOnly(statement.text)) this.#countUnit();
      this.addsEnumValue ||= facts.addsEnumValue;
      if (facts.refused !== undefined && !this.refused) this.refused = { line: statement.line, name: facts.refused, insideOwnBlock: this.#open !== undefined };
      if (facts.control === undefined) continue;
      this.controls.push({ index, control: facts.control, line: statement.line, firstWord });
      if (facts.control === 'open' || facts.control === 'chain') {
        this.#open = { name: facts.control === 'chain' ? `${firstWord.toUpperCase()} AND CHAIN` : controlName(firstWord), ...lexed.at(statement.start) };
        this.#blockCounted = false;
      } else {
        this.#open = undefined;
      }
    }
    this.problems.push(...lexed.problems);
    // Lexer problems stop the file anyway (and a meta-command's line is no statement's text).
    if (lexed.problems.length === 0 && this.uncovered === undefined) {
      const at = firstUncovered(text.slice(0, lexed.cut), lexed.pieces.map((p) => p.statement));
      if (at >= 0) this.uncovered = lexed.at(at);
    }
  }

  #countUnit(): void {
    if (this.#open === undefined) this.units++;
    else if (!this.#blockCounted) {
      this.units++;
      this.#blockCounted = true;
    }
  }

  analysis(): FileAnalysis {
    const { mode, reason } = this.#decide();
    const problems = this.#open ? [...this.problems, unclosedBlock(this.#open)] : this.problems;
    return { mode, reason, partialRisk: mode === 'no-transaction' && this.units > 1, statementCount: this.count, addsEnumValue: this.addsEnumValue, problems, uncovered: this.uncovered };
  }

  #decide(): { mode: TransactionMode; reason: string } {
    const noTransaction = (reason: string) => ({ mode: 'no-transaction' as const, reason });
    if (this.directive) return noTransaction(DIRECTIVE_REASON);
    if (this.refused) {
      const reason = `line ${this.refused.line}: ${this.refused.name} cannot run inside a transaction block`;
      return noTransaction(this.refused.insideOwnBlock ? `${reason} (move it out of the file's BEGIN … COMMIT)` : reason);
    }
    const [first] = this.controls;
    if (!first) return { mode: 'transaction', reason: DEFAULT_REASON };
    if (this.#isCleanWrapper()) return { mode: 'wrapped', reason: WRAPPED_REASON };
    const opens = this.controls.filter((c) => c.control === 'open').length;
    if (opens > 1) return noTransaction(`${opens} BEGIN … COMMIT blocks: each runs as written`);
    const stray = this.#strayControl(first);
    return noTransaction(`transaction control at line ${stray.line} (${controlName(stray.firstWord)}): each statement runs as written`);
  }

  #isClosingCommit(c: ControlAt): boolean {
    return c.index === this.count - 1 && c.control === 'close';
  }

  /** Exactly two control statements: BEGIN/START TRANSACTION first, COMMIT/END last. */
  #isCleanWrapper(): boolean {
    const [open, close] = this.controls;
    return this.controls.length === 2 && open?.index === 0 && open.control === 'open' && close !== undefined && this.#isClosingCommit(close);
  }

  /** The control statement that keeps a file with at most one BEGIN from being a clean wrapper. */
  #strayControl(first: ControlAt): ControlAt {
    if (first.index !== 0 || first.control !== 'open') return first;
    // A BEGIN whose block never closes is itself the stray one.
    return this.controls.find((c) => c.index > 0 && !this.#isClosingCommit(c)) ?? first;
  }
}

/**
 * A transaction block the file opens and never closes: psql's session ends with it rolled back, so
 * committing it (as running on would) gives a database the file does not describe when run by psql.
 */
function unclosedBlock(open: { name: string; line: number; column: number }): SourceProblem {
  return {
    line: open.line,
    column: open.column,
    message: `${open.name} opens a transaction block that the file never closes (psql would roll it back when its session ends); end the block with COMMIT; — or remove the ${open.name} to let pgshift run the whole file in one transaction`,
  };
}

/** A control statement, where it stands in the file. */
interface ControlAt {
  index: number;
  control: Control;
  line: number;
  firstWord: string;
}

// ---------------------------------------------------------------------------------------------
// standard_conforming_strings

/**
 * Follows standard_conforming_strings past a statement (its transaction control and, for SET or
 * RESET, the tokens) as the server's report to psql would; true when the value in effect changed.
 */
function followStrings(setting: StringsSetting, control: Control | undefined, firstWord: string, tokens: Token[]): boolean {
  const before = standardNow(setting);
  const set = firstWord === 'set' || firstWord === 'reset' ? stringsStatement(tokens) : undefined;
  if (set) {
    const value = set.value ?? setting.initial;
    // Outside a transaction block, SET LOCAL changes nothing (the server only warns).
    if (!set.local) Object.assign(setting, { session: value, local: undefined });
    else if (setting.atBegin !== undefined) setting.local = value;
  }
  if (control !== undefined) endOrOpenBlock(setting, control, firstWord);
  return standardNow(setting) !== before;
}

function endOrOpenBlock(setting: StringsSetting, control: Control, firstWord: string): void {
  if (control === 'open') {
    setting.atBegin ??= setting.session;
    return;
  }
  // ROLLBACK and ABORT undo the block's SETs; COMMIT, END and PREPARE TRANSACTION keep its session SETs.
  const rollsBack = firstWord === 'rollback' || firstWord === 'abort';
  if (rollsBack && setting.atBegin !== undefined) setting.session = setting.atBegin;
  setting.local = undefined;
  setting.atBegin = control === 'chain' ? setting.session : undefined;
}

/**
 * `SET [SESSION|LOCAL] standard_conforming_strings {TO|=} value|DEFAULT`, `RESET standard_conforming_strings`,
 * `RESET ALL`: the value it sets (undefined: the default), or undefined for any other statement.
 */
function stringsStatement(tokens: Token[]): { value: boolean | undefined; local: boolean } | undefined {
  const values = tokens.map((t) => t.value);
  if (values[0] === 'reset') {
    return values.length === 2 && (values[1] === 'standard_conforming_strings' || values[1] === 'all') ? { value: undefined, local: false } : undefined;
  }
  const scope = values[1] === 'session' || values[1] === 'local' ? 1 : 0;
  const [name, to, setting] = values.slice(1 + scope);
  if (name !== 'standard_conforming_strings' || (to !== 'to' && to !== '=') || setting === undefined || values.length !== 4 + scope) return undefined;
  const local = values[1] === 'local';
  if (setting === 'default') return { value: undefined, local };
  const value = parseBool(setting.replace(/^'(.*)'$/s, '$1'));
  return value === undefined ? undefined : { value, local };
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no (and their unambiguous prefixes), 1/0. */
function parseBool(text: string): boolean | undefined {
  const v = text.toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === '1' || v === 'on') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === '0' || (v.length >= 2 && 'off'.startsWith(v))) return false;
  return undefined;
}

/** A SET or RESET: it changes only the session (which is reset after every file), never the database. */
export function changesSessionOnly(statement: string): boolean {
  return /^(set|reset)\b/i.test(statement);
}

function controlName(first: string): string {
  const name = first.toUpperCase();
  return first === 'start' || first === 'prepare' ? `${name} TRANSACTION` : name;
}

/** Decides how a file runs. `sql` is already normalized (BOM removed, CRLF → LF). Never throws. */
export function analyzeSql(sql: string, strings = startingStrings()): SqlAnalysis {
  const lexed = lex(sql, { strings });
  const facts = new ModeFacts();
  facts.add(sql, lexed);
  const analysis = facts.analysis();
  const statements = lexed.pieces.map((p) => p.statement);
  const last = statements[statements.length - 1];
  return { ...analysis, statements, body: analysis.mode === 'wrapped' && last ? blank(sql, last) : sql, stringBreaks: facts.stringBreaks };
}

// ---------------------------------------------------------------------------------------------
// Files read in parts

/**
 * How much text a part of a large file holds (at least; a statement is never split): what the server
 * is sent at once, and what the lexer holds. Lexing a 50 MB file in parts of 64 KiB peaked at 87 MB,
 * of 256 KiB at 110 MB, of 1 MiB at 138 MB (garbage V8 collects later for larger parts); the ~800
 * queries of a 50 MB file cost less than its run time even at a 1 ms round trip.
 */
export const PART_CHARS = 64 << 10;

/**
 * The largest statement pgshift sends. A statement goes to the server whole, as one string, and is
 * held several times over on the way (the text, the query with what travels with it, pg's buffer):
 * a peak of ~110 MB at this size, ~8× a statement's size beyond. Larger ones are refused before
 * anything runs (docs/PERFORMANCE.md, "Large files").
 */
export const MAX_STATEMENT_CHARS = 8 << 20;

function tooLarge(chars: number, atLeast: '' | 'at least '): string {
  const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `this statement is ${atLeast}${mib(chars)} long, over the ${mib(MAX_STATEMENT_CHARS)} pgshift sends as one statement (it is held whole, several times over, in memory): split it into smaller statements (e.g. INSERTs of fewer rows: the file still runs in one transaction), or load the data with COPY … FROM a file on the database server`;
}

/** analyzeSql for a file whose (normalized) text arrives in chunks; never holds more than a part of it. */
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

/** Replaces the statement's characters with spaces (newlines kept) so offsets in the result equal those in `sql`. */
export function blank(sql: string, statement: Statement): string {
  const spaces = statement.text.replace(/[^\n]/g, ' ');
  return sql.slice(0, statement.start) + spaces + sql.slice(statement.end);
}

// ---------------------------------------------------------------------------------------------
// Positions

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Line (counted from `firstLine`) and column of an offset into `sql`, whose lines start at `lines`. */
function locate({ sql: text, lines: starts, firstLine }: Pick<Scanner, 'sql' | 'lines' | 'firstLine'>, offset: number): { line: number; column: number } {
  const at = Math.min(Math.max(offset, 0), text.length);
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? 0) <= at) low = mid;
    else high = mid - 1;
  }
  const lineStart = starts[low] ?? 0;
  return { line: low + firstLine, column: countCharacters(text, lineStart, at) + 1 };
}

/** Characters (code points, as PostgreSQL and editors count them) in text[from, to). */
export function countCharacters(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++;
  }
  return count;
}

/** 1-based line and column of a 0-based offset into `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  return locate({ sql: text, lines: lineStarts(text), firstLine: 1 }, offset);
}

/**
 * The 0-based offset into `text` of PostgreSQL's error `position` (1-based, counted in characters of
 * the text the server received). JavaScript offsets count UTF-16 units, so they differ after an emoji.
 */
export function offsetOfPosition(text: string, position: number): number {
  let offset = 0;
  for (let remaining = position - 1; remaining > 0 && offset < text.length; remaining--) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return Math.min(offset, text.length);
}
