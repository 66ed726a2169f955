// The SQL that starts every session, and the SQL that gives each file that same session.

/** Server-side TCP keepalives: a killed pod's half-open session (and its lock) ends within ~1 minute. */
const SERVER_KEEPALIVES = { idle: 30, interval: 10, count: 3 } as const;
/**
 * Server-side tcp_user_timeout: keepalives only probe an idle socket; when the server has a reply in
 * flight to a vanished client, this bounds the retransmissions to the same minute.
 */
const SERVER_USER_TIMEOUT_MS = (SERVER_KEEPALIVES.idle + SERVER_KEEPALIVES.interval * SERVER_KEEPALIVES.count) * 1000;
/** client_connection_check_interval (PostgreSQL 14+): a long statement notices a vanished client. */
const CLIENT_CHECK_INTERVAL_MS = 10_000;

/** The SETs every session starts with (values are validated numbers, never user text). */
export function sessionSetupSql(): string {
  const sets = [
    `SET tcp_keepalives_idle = ${SERVER_KEEPALIVES.idle}`,
    `SET tcp_keepalives_interval = ${SERVER_KEEPALIVES.interval}`,
    `SET tcp_keepalives_count = ${SERVER_KEEPALIVES.count}`,
    `SET tcp_user_timeout = ${SERVER_USER_TIMEOUT_MS}`,
    // A role's idle_session_timeout (14+) would end the session between two steps of ours (`await`
    // polls every 2 s); idle_in_transaction_session_timeout likewise between a large file's parts.
    // A migration that needs either sets it in its own file.
    `SET idle_in_transaction_session_timeout = 0`,
    `SELECT set_config('client_connection_check_interval', '${CLIENT_CHECK_INTERVAL_MS}', false), set_config('idle_session_timeout', '0', false) WHERE current_setting('server_version_num')::int >= 140000`,
  ];
  return sets.join(';\n');
}

/**
 * SQL that gives the next file the session the run started with, after each file: the role that logged
 * in (a file's SET ROLE or SET SESSION AUTHORIZATION would otherwise run the next files as, and make
 * their objects owned by, another role), settings and session characteristics (RESET ALL, which
 * leaves the role alone), temporary tables (which would shadow real ones), prepared statements,
 * cursors, LISTEN, sequence caches; then the session's own SETs again. Every statement here can run
 * inside a transaction block, since it travels in the same query as the file. Never DISCARD ALL: it
 * would also release the advisory lock.
 */
export function sessionResetSql(setup: string): string {
  return ['SET SESSION AUTHORIZATION DEFAULT', 'RESET ROLE', 'RESET ALL', 'DEALLOCATE ALL', 'CLOSE ALL', 'UNLISTEN *', 'DISCARD TEMP', 'DISCARD SEQUENCES', setup].join(';\n');
}

export function applicationName(hostname: string): string {
  // NAMEDATALEN: the server truncates application_name to 63 bytes.
  return `pgshift@${hostname}`.slice(0, 63);
}
