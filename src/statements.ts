// The lexer: splits a migration file into statements exactly where psql would send them, and decides
// how the file runs (one transaction, the file's own BEGIN … COMMIT, or statement by statement).
// Pure: no I/O. Offsets index the normalized text (BOM removed, CRLF → LF). The rules mirror psql's
// src/fe_utils/psqlscan.l with standard_conforming_strings = on (the default since PostgreSQL 9.1).

import type { SourceProblem, Statement, TransactionMode } from './types.js';

export interface SqlAnalysis {
  mode: TransactionMode;
  /** Why this mode, for logs and `plan`. */
  reason: string;
  /** Mode is no-transaction and more than one statement is not transaction control: a failure halfway leaves the file partly applied. */
  partialRisk: boolean;
  statements: Statement[];
  /** What runs in 'transaction' and 'wrapped' mode; same length and offsets as the input. */
  body: string;
  /** The file holds ALTER TYPE … ADD VALUE (allowed in a transaction since PG 12, but the new value is unusable until commit). */
  addsEnumValue: boolean;
  problems: SourceProblem[];
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
  /** Offsets where each line starts, to turn offsets into lines. */
  readonly lines: number[];
  pos: number;
  readonly findings: Finding[];
  /** `--` comments, kept so the directive can be looked for among the leading ones. */
  readonly lineComments: Array<{ start: number; end: number }>;
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
  if (c === QUOTE) readString(s, start, false);
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
  const end = lineEnd(s.sql, s.pos);
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
  const what = backslashEscapes ? "E'…' string (opened here; in E'…' a backslash escapes the next character)" : 'quoted string (opened here)';
  s.findings.push({ offset: openedAt, message: `unterminated ${what}` });
}

/** Offset of the `'` that continues a string closed just before `from`, or -1 (PostgreSQL's `quotecontinue`). */
function continuationQuoteAfter(sql: string, from: number): number {
  let sawNewline = false;
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      i = lineEnd(sql, i);
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
    readString(s, start, word === 'e');
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
}

interface Lexed {
  pieces: Piece[];
  problems: SourceProblem[];
  lineComments: Array<{ start: number; end: number }>;
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

function lex(sql: string): Lexed {
  const s: Scanner = { sql, lines: lineStarts(sql), pos: 0, findings: [], lineComments: [] };
  const pieces: Piece[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  let routine: RoutineBody = { head: [], createsRoutine: false, beginDepth: 0 };
  for (let token = nextToken(s); token; token = nextToken(s)) {
    const semicolon = token.value === ';' && token.kind === 'symbol' && depth === 0 && routine.beginDepth === 0;
    // A meta-command ends the statement too: psql acts on its query buffer there (\g, \gset) or the
    // file is refused anyway, and a statement's text should never hold psql syntax.
    if (semicolon || token.kind === 'meta') {
      finishStatement(s, pieces, tokens, semicolon);
      depth = 0;
      tokens = [];
      routine = { head: [], createsRoutine: false, beginDepth: 0 };
      continue;
    }
    if (token.kind === 'word') trackRoutineBody(routine, token.value, depth);
    if (token.kind === 'symbol' && token.value === ')') depth = Math.max(0, depth - 1);
    token.depth = depth;
    tokens.push(token);
    if (token.kind === 'symbol' && token.value === '(') depth++;
  }
  finishStatement(s, pieces, tokens, false);
  const problems = s.findings
    .sort((a, b) => a.offset - b.offset)
    .map((f) => ({ ...locate(sql, s.lines, f.offset), message: f.message }));
  return { pieces, problems, lineComments: s.lineComments };
}

/** Adds the statement made of `tokens` (none for `;;` or comments only); skips the data after a COPY … FROM stdin. */
function finishStatement(s: Scanner, pieces: Piece[], tokens: Token[], terminated: boolean): void {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (!first || !last) return;
  const line = locate(s.sql, s.lines, first.start).line;
  const statement: Statement = { text: s.sql.slice(first.start, last.end), start: first.start, end: last.end, line };
  const words = topLevelWords(tokens);
  pieces.push({ statement, facts: factsOf(words, tokens), firstWord: words[0] ?? '' });
  const copy = copyDirection(words);
  if (copy === 'from stdin') {
    s.findings.push({
      offset: first.start,
      message: 'COPY … FROM stdin needs psql to send the data; load data with INSERT … or COPY FROM a server file',
    });
    if (terminated) skipCopyData(s);
  } else if (copy === 'to stdout') {
    s.findings.push({ offset: first.start, message: 'COPY … TO stdout needs psql to receive the data; remove it from the migration' });
  }
}

function copyDirection(words: string[]): 'from stdin' | 'to stdout' | undefined {
  if (words[0] !== 'copy') return undefined;
  for (let i = 1; i < words.length - 1; i++) {
    if (words[i] === 'from' && words[i + 1] === 'stdin') return 'from stdin';
    if (words[i] === 'to' && words[i + 1] === 'stdout') return 'to stdout';
  }
  return undefined;
}

/** psql reads COPY data from the lines after the statement up to a line `\.`; it is data, not SQL. */
function skipCopyData(s: Scanner): void {
  let lineStart = s.sql.indexOf('\n', s.pos) + 1;
  while (lineStart > 0 && lineStart < s.sql.length) {
    const end = lineEnd(s.sql, lineStart);
    if (s.sql.slice(lineStart, end) === '\\.') {
      s.pos = end;
      return;
    }
    lineStart = end + 1;
  }
  s.pos = s.sql.length;
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
    case 'commit':
    case 'rollback':
      return second === 'prepared' ? `${first.toUpperCase()} PREPARED` : undefined;
    default:
      return undefined;
  }
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

/** Decides how a file runs. `sql` is already normalized (BOM removed, CRLF → LF). Never throws. */
export function analyzeSql(sql: string): SqlAnalysis {
  const lexed = lex(sql);
  const statements = lexed.pieces.map((p) => p.statement);
  const facts = lexed.pieces.map((p) => p.facts);
  const decision = decideMode(sql, lexed, facts);
  // A SET or RESET changes only the session (reset after every file): it cannot leave a file partly applied.
  const ordinary = statements.filter((st, i) => facts[i]!.control === undefined && !/^(set|reset)\b/i.test(st.text)).length;
  return {
    ...decision,
    partialRisk: decision.mode === 'no-transaction' && ordinary > 1,
    statements,
    addsEnumValue: facts.some((f) => f.addsEnumValue),
    problems: lexed.problems,
  };
}

interface Decision {
  mode: TransactionMode;
  reason: string;
  body: string;
}

function decideMode(sql: string, lexed: Lexed, facts: Facts[]): Decision {
  const noTransaction = (reason: string): Decision => ({ mode: 'no-transaction', reason, body: sql });
  if (hasDirective(sql, lexed)) return noTransaction(DIRECTIVE_REASON);
  const refused = facts.findIndex((f) => f.refused !== undefined);
  if (refused >= 0) return noTransaction(refusedReason(lexed.pieces, facts, refused));
  const controls = facts.flatMap((f, i) => (f.control ? [i] : []));
  if (controls.length === 0) return { mode: 'transaction', reason: DEFAULT_REASON, body: sql };
  const last = lexed.pieces[lexed.pieces.length - 1];
  if (last && isCleanWrapper(facts, controls)) return { mode: 'wrapped', reason: WRAPPED_REASON, body: blank(sql, last.statement) };
  const opens = controls.filter((i) => facts[i]?.control === 'open').length;
  if (opens > 1) return noTransaction(`${opens} BEGIN … COMMIT blocks: each runs as written`);
  const stray = lexed.pieces[strayControl(facts, controls)];
  const line = stray?.statement.line ?? 0;
  return noTransaction(`transaction control at line ${line} (${controlName(stray?.firstWord ?? '')}): each statement runs as written`);
}

function controlName(first: string): string {
  const name = first.toUpperCase();
  return first === 'start' || first === 'prepare' ? `${name} TRANSACTION` : name;
}

function hasDirective(sql: string, lexed: Lexed): boolean {
  const firstStart = lexed.pieces[0]?.statement.start ?? sql.length;
  return lexed.lineComments.some((c) => c.start < firstStart && DIRECTIVE.test(sql.slice(c.start, c.end)));
}

/** Exactly two control statements: BEGIN/START TRANSACTION first, COMMIT/END last. */
function isCleanWrapper(facts: Facts[], controls: number[]): boolean {
  const lastIndex = facts.length - 1;
  return controls.length === 2 && controls[0] === 0 && controls[1] === lastIndex && facts[0]?.control === 'open' && facts[lastIndex]?.control === 'close';
}

/** The control statement that keeps a file with at most one BEGIN from being a clean wrapper. */
function strayControl(facts: Facts[], controls: number[]): number {
  const first = controls[0] ?? 0;
  if (first !== 0 || facts[0]?.control !== 'open') return first;
  const isClosingCommit = (i: number): boolean => i === facts.length - 1 && facts[i]?.control === 'close';
  // A BEGIN whose block never closes is itself the stray one.
  return controls.find((i) => i > 0 && !isClosingCommit(i)) ?? 0;
}

function refusedReason(pieces: Piece[], facts: Facts[], refused: number): string {
  const line = pieces[refused]?.statement.line ?? 0;
  const reason = `line ${line}: ${facts[refused]?.refused ?? ''} cannot run inside a transaction block`;
  return insideOwnBlock(facts, refused) ? `${reason} (move it out of the file's BEGIN … COMMIT)` : reason;
}

/** Whether the file's own BEGIN … COMMIT is open when statement `index` runs. */
function insideOwnBlock(facts: Facts[], index: number): boolean {
  let open = false;
  for (const f of facts.slice(0, index)) {
    if (f.control === 'open' || f.control === 'chain') open = true;
    else if (f.control === 'close' || f.control === 'end') open = false;
  }
  return open;
}

/** Replaces the statement's characters with spaces (newlines kept) so offsets in the result equal those in `sql`. */
function blank(sql: string, statement: Statement): string {
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

function locate(text: string, starts: number[], offset: number): { line: number; column: number } {
  const at = Math.min(Math.max(offset, 0), text.length);
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? 0) <= at) low = mid;
    else high = mid - 1;
  }
  const lineStart = starts[low] ?? 0;
  return { line: low + 1, column: countCharacters(text, lineStart, at) + 1 };
}

/** Characters (code points, as PostgreSQL and editors count them) in text[from, to). */
function countCharacters(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++;
  }
  return count;
}

/** 1-based line and column of a 0-based offset into `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  return locate(text, lineStarts(text), offset);
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
