// How a PostgreSQL error in a migration is shown to a person: file:line:column, SQLSTATE, message,
// detail, hint, and the offending line with a caret.
import { lineColumnAt, offsetOfPosition } from './sql/positions.js';

/** The fields of a pg DatabaseError we use (also present on plain Errors from the driver, as undefined). */
export interface PgErrorLike {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

export interface SourcePosition {
  line: number;
  column: number;
}

export interface QueryErrorReport {
  code: string | undefined;
  message: string;
  detail: string | undefined;
  hint: string | undefined;
  /** Where in the file, when the server reported a position. */
  position: SourcePosition | undefined;
  /** The offending line of the file with a caret under the column. */
  excerpt: string | undefined;
  /** PostgreSQL's CONTEXT: where inside a function or DO block, innermost first. */
  context: string | undefined;
  /**
   * The file's statement that failed, when the server gave no position (a run-time error): its line
   * and its first line as written.
   */
  statement: { line: number; firstLine: string } | undefined;
}

/**
 * Maps a server error onto the file. `source` is the file's text or a part of it whose first line is
 * the file's line `firstLine`. `sentStart` is where the text sent to the server begins in `source`:
 * 0 for a wrapped file, minus the length of our own ASCII prefix (`BEGIN;\n`) for a transaction-mode
 * file, and the statement's start for a no-transaction statement.
 */
export function describeQueryError(
  err: PgErrorLike,
  source: string,
  sentStart: number,
  part: PartOrigin = { line: 1, lead: '' },
  positionsInBytes = false,
  statement?: { line: number; text: string },
): QueryErrorReport {
  const local = errorPosition(err, source, sentStart, positionsInBytes);
  return {
    code: err.code,
    message: err.message,
    detail: err.detail,
    hint: err.hint ?? hintFor(err.code),
    position: local && { line: local.line + part.line - 1, column: local.column },
    excerpt: local ? excerptAt(source, local, part) : undefined,
    context: err.where || undefined,
    statement: !local && statement ? { line: statement.line, firstLine: statement.text.split('\n', 1)[0]! } : undefined,
  };
}

/** Where a part of a file starts: the file's line of its first line, and that line's start as the file has it (blanked in the part). */
export interface PartOrigin {
  line: number;
  lead: string;
}

function hintFor(code: string | undefined): string | undefined {
  if (code === '25001') {
    return 'this statement cannot run inside a transaction block: put it in its own file, or add `-- pgshift:no-transaction` at the top of the file';
  }
  if (code === '55P03') return 'a lock could not be taken within MIGRATION_LOCK_TIMEOUT: another session holds it; retry later or off-peak';
  return undefined;
}

/**
 * PostgreSQL positions are 1-based character indexes into the text it was sent: code points, or
 * bytes of its UTF-8 in a SQL_ASCII database (`positionsInBytes`).
 */
function errorPosition(err: PgErrorLike, source: string, sentStart: number, positionsInBytes: boolean): SourcePosition | undefined {
  if (!err.position) return undefined;
  const codePoint = Number(err.position) - 1;
  if (!Number.isInteger(codePoint) || codePoint < 0) return undefined;
  const offset = offsetOfPosition(source, sentStart, codePoint, positionsInBytes);
  if (offset < 0 || offset > source.length) return undefined;
  return lineColumnAt(source, offset);
}

/** The line of `source` at `pos` (counted in `source`), numbered as in the file, with a caret. */
function excerptAt(source: string, pos: SourcePosition, part: PartOrigin): string {
  let start = 0;
  for (let line = 1; line < pos.line && start >= 0; line++) start = source.indexOf('\n', start) + 1 || -1;
  const end = source.indexOf('\n', start);
  let lineText = start < 0 ? '' : source.slice(start, end < 0 ? source.length : end);
  // The part's first line starts with spaces for the text of the part before (one per character).
  if (pos.line === 1 && part.lead) lineText = part.lead + lineText.slice([...part.lead].length);
  const prefix = `${pos.line + part.line - 1} | `;
  return `${prefix}${lineText}\n${' '.repeat(prefix.length + pos.column - 1)}^`;
}

/** The full report as people read it: `file:line:column: ERROR 42P01: message`, then the rest. */
export function formatQueryError(file: string, r: QueryErrorReport): string {
  const where = r.position ? `${file}:${r.position.line}:${r.position.column}` : r.statement ? `${file}:${r.statement.line}` : file;
  const lines = [`${where}: ERROR${r.code ? ` ${r.code}` : ''}: ${r.message}`];
  if (r.detail) lines.push(`DETAIL: ${r.detail}`);
  if (r.hint) lines.push(`HINT: ${r.hint}`);
  if (r.context) lines.push(...r.context.split('\n').map((l) => `CONTEXT: ${l}`));
  if (r.excerpt) lines.push(r.excerpt);
  else if (r.statement) lines.push(`${r.statement.line} | ${r.statement.firstLine}`);
  return lines.join('\n');
}
