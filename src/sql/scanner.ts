// The scanner: psql's tokens (src/fe_utils/psqlscan.l) — words, quotes (E'', "ids", $tag$), nested
// comments, psql meta-commands. Pure: no I/O. Offsets index the normalized text (BOM removed, CRLF → LF).
// Which '…' strings take a backslash as an escape follows standard_conforming_strings, as psql does
// (on by default since PostgreSQL 9.1; off, a backslash escapes in '…' strings as in E'…').

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

export function standardNow(setting: StringsSetting): boolean {
  return setting.local ?? setting.session;
}

export type TokenKind = 'word' | 'symbol' | 'literal' | 'meta';

/**
 * A word is an unquoted identifier or keyword (lowercased); literals are strings, quoted identifiers,
 * numbers, `$n`; a meta is a psql meta-command with its arguments (the rest of its line).
 */
export interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
  /** Parenthesis depth the token stands at; a `(` and its `)` stand at the outer depth. */
  depth: number;
}

/** A problem found while lexing, located by offset until the end (offsets sort; lines are computed once). */
export interface Finding {
  offset: number;
  message: string;
}

export interface Scanner {
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
export const SLASH = 0x2f;
const AMPERSAND = 0x26;

function isIdentStart(c: number): boolean {
  // psql treats every non-ASCII character as an identifier character.
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ' ', \n, \t, \r, \f, \v */
export function isSpace(c: number): boolean {
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
export const COMMENT_RUN = /[^\n\r]*/y;

/** Where the run of `run`'s class that starts at `from` ends. */
export function runEnd(run: RegExp, sql: string, from: number): number {
  run.lastIndex = from;
  run.test(sql);
  return run.lastIndex;
}

/** Returns the next token, skipping whitespace and comments; undefined at the end. Its depth is set by the splitter. */
export function nextToken(s: Scanner): Token | undefined {
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
export function lineEnd(sql: string, from: number): number {
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
export function dollarTagAt(sql: string, at: number): string | undefined {
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
