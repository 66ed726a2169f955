// What a PostgreSQL or network error means for us: whether waiting can heal it, and how to show it
// to a person (file:line:column, SQLSTATE, message, detail, hint, the offending line with a caret).
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

/** The code of the error an attempt that ran out of its connect_timeout is ended with (connect.ts). */
export const ATTEMPT_TIMED_OUT = 'PGSHIFT_ATTEMPT_TIMED_OUT';

const TRANSIENT_NODE_CODES = new Set([ATTEMPT_TIMED_OUT, 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT', 'ECONNABORTED']);
// 57P03 cannot_connect_now (starting up / shutting down), 53300 too_many_connections,
// 57P01 admin_shutdown (a restart under way), 08xxx connection exceptions.
const TRANSIENT_SQLSTATES = new Set(['57P03', '53300', '57P01', '57P02']);
const TRANSIENT_MESSAGES = [/connection terminated/i, /connection timeout/i, /timeout expired/i, /the database system is (starting up|shutting down|in recovery mode)/i];

/** True for what heals by itself (refused, reset, DNS not yet resolvable, timeouts, 57P03, 53300). */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every(isTransient);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && TRANSIENT_NODE_CODES.has(code)) return true;
  if (code && (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (code) return false;
  const message = typeof e.message === 'string' ? e.message : '';
  return TRANSIENT_MESSAGES.some((re) => re.test(message));
}

/** The code of the error for a server that asks for a password when none is set (connect.ts). */
export const NO_PASSWORD = 'PGSHIFT_NO_PASSWORD';

/** The code of the error the connection watchdog (connect.ts) destroys a dead session's socket with. */
export const CONNECTION_DEAD = 'PGSHIFT_CONNECTION_DEAD';

const LOST_NODE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', CONNECTION_DEAD]);
// 57P01-57P03 shutdown/crash/cannot connect now, 57P05 idle_session_timeout, 25P03
// idle_in_transaction_session_timeout: each ends the session.
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);
const LOST_MESSAGES = [/connection terminated/i, /not queryable/i, /client was closed/i];

/**
 * True when `err` means the session itself is gone (server shut down or crashed, socket reset or
 * timed out, driver closed): not the migration's fault, and healed by running again later.
 */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown };
  if (e === null || typeof e !== 'object') return false;
  if (e.severity === 'FATAL' || e.severity === 'PANIC') return true;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code) return LOST_NODE_CODES.has(code) || LOST_SQLSTATES.has(code) || code.startsWith('08');
  const message = typeof e.message === 'string' ? e.message : '';
  return LOST_MESSAGES.some((re) => re.test(message));
}

/** Node's codes for a server certificate that does not chain to the trusted roots. */
const UNTRUSTED_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What to tell a person whose login or TLS handshake was refused (not retried). */
export function describeConnectError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? String(err));
  switch (e.code) {
    case NO_PASSWORD:
      return e.message ?? String(err);
    case '28P01':
      return `${message} (check the password: POSTGRES_PASSWORD / PGPASSWORD / the URL / ~/.pgpass)`;
    case '28000':
      return `${message} (the role does not exist or pg_hba.conf refuses this host/user/database)`;
    case '3D000':
      return `${message} (create the database first, or fix POSTGRES_DB / PGDATABASE / the URL path)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${message} (sslmode=verify-full checks the host name: connect by a name the server's certificate lists, or use sslmode=verify-ca)`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `${message} (the server's certificate is outside its validity period; renew it on the server)`;
    default:
      if (e.code && UNTRUSTED_CERT_CODES.has(e.code)) {
        return `${message} (the server's certificate is not signed by a CA in sslrootcert / PGSSLROOTCERT; point it at the CA that signed the server's certificate)`;
      }
      if (/does not support SSL/i.test(message)) return `${message} (the server has ssl=off: enable TLS on the server, or use sslmode=prefer or disable)`;
      return message;
  }
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
