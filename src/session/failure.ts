// What a PostgreSQL or network error means for the session: whether waiting can heal it, whether the
// session is gone, and what to tell a person whose login was refused.
import { ConnectError } from '../errors.js';

/** The code of the error an attempt that ran out of its connect_timeout is ended with (attempt.ts). */
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

/** The code of the error for a server that asks for a password when none is set (client.ts). */
export const NO_PASSWORD = 'PGSHIFT_NO_PASSWORD';

/** The code of the error a login that would not be channel-bound is ended with (channel-binding.ts). */
export const CHANNEL_BINDING_REFUSED = 'PGSHIFT_CHANNEL_BINDING_REFUSED';

/** The code of the error the connection watchdog (watchdog.ts) destroys a dead session's socket with. */
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
function isConnectionLost(err: unknown): boolean {
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
    case CHANNEL_BINDING_REFUSED:
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

/** An error's reason in one line, with its code when the message does not already carry it. */
export function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length > 0) return reasonOf(e.errors[0]);
  const message = e.message || String(err);
  return e.code && !e.code.startsWith('PGSHIFT_') && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/**
 * The error to throw when `err` means the session is gone (exit 4: retry later), else undefined.
 * `during` says what was under way, e.g. "applying 0003_x.sql".
 */
export function connectionLost(err: unknown, during: string): ConnectError | undefined {
  if (!isConnectionLost(err)) return undefined;
  const reason = (err as { code?: unknown }).code === CONNECTION_DEAD ? (err as Error).message : reasonOf(err);
  return new ConnectError(
    `lost the connection to the database while ${during}: ${reason}. ` +
      'A file and its history row commit together, so the next run finds it applied or pending, never half of it ' +
      '(a no-transaction file is reported unfinished); the migration lock ends with the session on the server (within about a minute of a network cut). Run again.',
    { cause: err },
  );
}
