// Waiting for the database: one pg.Client, retried with exponential backoff and jitter while the
// failure can heal by itself, bounded by DB_WAIT_TIMEOUT, cancellable by SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pRetry from 'p-retry';
import pg from 'pg';
import type { Config, ConnectionSettings } from './config.js';
import { sleep } from './abort.js';
import { ConfigError, ConnectError, MigratorError } from './errors.js';
import type { Logger } from './output/logger.js';
import { ATTEMPT_TIMED_OUT, CONNECTION_DEAD, describeConnectError, isConnectionLost, isTransient, NO_PASSWORD } from './pg-errors.js';

/** Server-side TCP keepalives: a killed pod's half-open session (and its lock) ends within ~1 minute. */
export const SERVER_KEEPALIVES = { idle: 30, interval: 10, count: 3 } as const;
/**
 * Server-side tcp_user_timeout: keepalives only probe an idle socket; when the server has a reply in
 * flight to a vanished client, this bounds the retransmissions to the same minute.
 */
const SERVER_USER_TIMEOUT_MS = (SERVER_KEEPALIVES.idle + SERVER_KEEPALIVES.interval * SERVER_KEEPALIVES.count) * 1000;
/** client_connection_check_interval (PostgreSQL 14+): a long statement notices a vanished client. */
const CLIENT_CHECK_INTERVAL_MS = 10_000;
const CLIENT_KEEPALIVE_DELAY_MS = 10_000;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** libpq's floor for connect_timeout. */
const MIN_ATTEMPT_MS = 2_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export interface Session {
  client: pg.Client;
  /** The backend's pid (for holder reports and tests). */
  pid: number;
  serverVersion: number;
  /**
   * The database counts error positions in bytes, not characters: SQL_ASCII (initdb's default under
   * the C locale) takes every byte for a character.
   */
  positionsInBytes: boolean;
  /**
   * standard_conforming_strings is on when the session starts (and after each reset): off by a
   * database or role setting, psql lexes '…' strings with backslash escapes, and so must pgshift.
   */
  standardConformingStrings: boolean;
  /**
   * SQL that restores the session's starting state; appended after each file so a `SET` in one
   * file (search_path, timezone, lock_timeout) does not leak into the next. Never DISCARD ALL: it
   * would also drop our advisory lock.
   */
  resetSql: string;
  /** Why the server refuses writes on this session, when it does (read at login, no extra round trip). */
  readOnly: ReadOnlyReason | undefined;
  /** Set when the connection broke while idle. */
  lost(): Error | undefined;
}

/** The SETs every session starts with (values are validated numbers, never user text). */
export function sessionSetupSql(config: Pick<Config, 'migrationLockTimeoutMs'>): string {
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
  if (config.migrationLockTimeoutMs !== undefined) sets.push(`SET lock_timeout = ${Math.round(config.migrationLockTimeoutMs)}`);
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

export async function connect(config: Config, log: Logger, signal: AbortSignal): Promise<Session> {
  const started = Date.now();
  const deadline = started + config.dbWaitTimeoutMs;
  const target = describeTarget(config.connection);
  try {
    return await pRetry((attempt) => openSession(config, log, Date.now() + attemptTimeout(config, deadline), attempt, signal), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 0,
      maxTimeout: 0,
      maxRetryTime: config.dbWaitTimeoutMs,
      signal,
      shouldRetry: ({ error }) => isTransient(error) && Date.now() < deadline,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        if (!isTransient(error) || signal.aborted) return;
        const delayMs = Math.min(backoff(attemptNumber), deadline - Date.now());
        if (delayMs <= 0) return;
        log.warn({ event: 'db.wait', attempt: attemptNumber, reason: reasonOf(error), nextDelayMs: delayMs, target }, 'database not ready; retrying');
        await sleep(delayMs, signal);
      },
    });
  } catch (err) {
    if (err instanceof MigratorError) throw err;
    if (signal.aborted && signal.reason instanceof MigratorError) throw signal.reason;
    if (isTransient(err)) {
      const waited = Math.round((Date.now() - started) / 1000);
      const within = config.dbWaitTimeoutMs === 0 ? 'in one attempt (DB_WAIT_TIMEOUT=0: no retries)' : `within ${waited}s (DB_WAIT_TIMEOUT)`;
      throw new ConnectError(`database not reachable at ${target} ${within}: ${reasonOf(err)}`, { cause: err });
    }
    throw new ConnectError(`cannot connect to ${target}: ${describeConnectError(err)}`, { cause: err });
  }
}

/**
 * One attempt's bound: connect_timeout / PGCONNECT_TIMEOUT (10 s when unset), ending with
 * DB_WAIT_TIMEOUT; never under libpq's 2 s floor, so a short DB_WAIT_TIMEOUT (or 0: one attempt,
 * no retries) still lets a healthy server log us in.
 */
export function attemptTimeout(config: Pick<Config, 'connection' | 'dbWaitTimeoutMs'>, deadline: number, now = Date.now()): number {
  const configured = config.connection.connectTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  if (config.dbWaitTimeoutMs === 0) return configured;
  return Math.min(configured, Math.max(MIN_ATTEMPT_MS, deadline - now));
}

/** Exponential backoff with full jitter between 50% and 100% of the step. */
function backoff(attempt: number): number {
  const step = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

export function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length > 0) return reasonOf(e.errors[0]);
  const message = e.message || String(err);
  return e.code && !e.code.startsWith('PGSHIFT_') && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export function describeTarget(c: ConnectionSettings): string {
  const host = c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}` : `${c.host}:${c.port}`;
  return `${c.user}@${host}/${c.database}`;
}

async function openSession(config: Config, log: Logger, attemptDeadline: number, attempt: number, signal: AbortSignal): Promise<Session> {
  const c = config.connection;
  const ssl = sslOptions(c);
  try {
    return await startSession(config, log, ssl.first, attemptDeadline - Date.now(), signal);
  } catch (err) {
    // libpq's prefer/allow: one more try the other way when the server refuses the first way.
    if (ssl.fallback !== undefined && wantsFallback(c.sslmode, err)) {
      log.debug({ event: 'db.ssl.fallback', sslmode: c.sslmode, attempt }, 'retrying with the other TLS setting');
      return startSession(config, log, ssl.fallback, Math.max(1, attemptDeadline - Date.now()), signal);
    }
    throw err;
  }
}

/** What pg calls when the server asks for a password and none is set. */
function noPassword(): never {
  throw Object.assign(new Error('the server asks for a password and none is set: set POSTGRES_PASSWORD, PGPASSWORD or the URL\'s password, or add a line for this server to ~/.pgpass (or PGPASSFILE) with mode 0600'), { code: NO_PASSWORD });
}

function wantsFallback(mode: ConnectionSettings['sslmode'], err: unknown): boolean {
  const message = (err as Error).message ?? '';
  if (mode === 'prefer') return /does not support SSL/i.test(message);
  if (mode === 'allow') return (err as { code?: string }).code === '28000';
  return false;
}

/** Opens a client to the same server with the same settings: the main session, or a side check (`purpose`). */
type OpenClient = (timeoutMs: number, purpose?: string) => pg.Client;

function clientOpener(config: Config, ssl: pg.ClientConfig['ssl']): OpenClient {
  const c = config.connection;
  return (timeoutMs, purpose) =>
    new pg.Client({
      host: c.host,
      port: c.port,
      user: c.user,
      // No password set: config.ts already looked in the password file; pg must not look again (its own
      // reading is deprecated and writes a warning to stderr), and a server that asks gets a clear no.
      password: c.password ?? noPassword,
      database: c.database,
      ssl,
      // Side checks get a name of their own so nobody mistakes them for the runner's session.
      application_name: purpose ? `pgshift-${purpose}@${config.hostname}`.slice(0, 63) : (c.applicationName ?? applicationName(config.hostname)),
      // Sent at login as libpq does: `-c name=value` settings for the session (RESET ALL returns to them).
      ...(c.options !== undefined ? { options: c.options } : {}),
      keepAlive: true,
      keepAliveInitialDelayMillis: CLIENT_KEEPALIVE_DELAY_MS,
      // 0 (none): the main session's attempt is bounded by boundAttempt, which also covers the setup query.
      connectionTimeoutMillis: timeoutMs && Math.min(timeoutMs, c.connectTimeoutMs ?? timeoutMs),
    });
}

async function startSession(config: Config, log: Logger, ssl: pg.ClientConfig['ssl'], timeoutMs: number, signal: AbortSignal): Promise<Session> {
  const open = clientOpener(config, ssl);
  const client = open(0);
  const busySince = trackQueries(client);
  let lost: Error | undefined;
  client.on('error', (err) => {
    lost = err;
    log.warn({ event: 'db.connection.lost', err }, 'database connection lost');
  });
  client.on('notice', (n) => {
    const level = n.severity === 'WARNING' ? 'warn' : 'debug';
    log[level]({ event: 'db.notice', severity: n.severity, code: n.code }, n.message);
  });
  const raw = socketOf(client);
  const bound = boundAttempt(client, config.connection, timeoutMs, signal);
  try {
    await client.connect();
    bound.loggedIn();
    const setup = sessionSetupSql(config);
    const results = (await client.query(
      `${setup};\nSELECT pg_backend_pid() AS pid, current_setting('server_version_num')::int AS version, current_setting('server_encoding') AS encoding, pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only, current_setting('standard_conforming_strings') AS strings`,
    )) as unknown as pg.QueryResult[];
    bound.done();
    const row = results[results.length - 1]?.rows[0] as { pid: number; version: number; encoding: string; standby: boolean; read_only: string; strings: string };
    const readOnly = row.standby ? 'hot standby' : row.read_only === 'on' ? 'default_transaction_read_only' : undefined;
    requireSessionAttrs(config, readOnly);
    const session: Session = {
      client,
      pid: row.pid,
      serverVersion: row.version,
      positionsInBytes: row.encoding === 'SQL_ASCII',
      standardConformingStrings: row.strings !== 'off',
      resetSql: sessionResetSql(setup),
      readOnly,
      lost: () => lost,
    };
    // Directly connected, the cancel key carries the backend's pid; a pooler hands out its own.
    if ((client as unknown as { processID: number | null }).processID !== row.pid) await requireSessionPooling(session, config, open, log);
    watchSession(session, open, busySince, log, outgoingOf(client, raw));
    return session;
  } catch (err) {
    bound.done();
    // Never wait for the server to close a failed attempt: a peer (or proxy) that swallows our FIN
    // would hold the attempt until its own timeout, or forever.
    socketOf(client).destroy();
    throw err;
  }
}

/**
 * Holds one attempt to `timeoutMs` and to the run's signal, whatever the peer does (pg's own
 * connectionTimeoutMillis ends at login; a peer can go silent after it). On expiry the socket is
 * destroyed with an error saying how far the attempt got.
 */
function boundAttempt(client: pg.Client, c: ConnectionSettings, timeoutMs: number, signal: AbortSignal): { loggedIn(): void; done(): void } {
  const raw = socketOf(client);
  let connected = false;
  let loggedIn = false;
  raw.once('connect', () => (connected = true));
  const seconds = `${Math.round(timeoutMs / 100) / 10}s`;
  const where = c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}` : `${c.host}:${c.port}`;
  const expire = () => {
    const seen = !connected
      ? `no connection to ${where} within ${seconds}`
      : raw.bytesRead === 0
        ? `${where} accepted the connection but sent nothing for ${seconds} (not a PostgreSQL server, or a proxy whose server is gone)`
        : !loggedIn
          ? `${where} stopped answering during the login (${raw.bytesRead} bytes received) for ${seconds}`
          : `${where} logged us in but did not answer the session setup within ${seconds}`;
    socketOf(client).destroy(Object.assign(new Error(seen), { code: ATTEMPT_TIMED_OUT }));
  };
  const abort = () => socketOf(client).destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  const timer = setTimeout(expire, timeoutMs);
  signal.addEventListener('abort', abort, { once: true });
  return {
    loggedIn: () => (loggedIn = true),
    done: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    },
  };
}

export type ReadOnlyReason = 'hot standby' | 'default_transaction_read_only';

/**
 * For commands that write (up, baseline, repair): a read-only server is a configuration problem,
 * said before the lock is taken or anything is written.
 */
export function requireWritable(session: Pick<Session, 'readOnly'>, config: Pick<Config, 'connection'>): void {
  if (session.readOnly) throw readOnlyRefused(config, session.readOnly);
}

function readOnlyRefused(config: Pick<Config, 'connection'>, reason: ReadOnlyReason, asked?: string): ConfigError {
  const source = config.connection.source === 'defaults' ? 'the connection settings' : config.connection.source;
  const fix =
    reason === 'hot standby'
      ? 'point it at the primary, e.g. with target_session_attrs=read-write'
      : 'connect as a role, or to a database, without default_transaction_read_only = on (ALTER ROLE/DATABASE … RESET default_transaction_read_only), or point it at the primary';
  const why = asked ? `target_session_attrs=${asked} was asked` : 'pgshift writes the history table and runs the migrations';
  return new ConfigError([`${source} points at a read-only server (${reason === 'hot standby' ? 'a hot standby' : 'default_transaction_read_only = on'}) and ${why}: ${fix}`]);
}

/** libpq's target_session_attrs for one host: the server that answered must be of the kind asked for. */
function requireSessionAttrs(config: Pick<Config, 'connection'>, readOnly: ReadOnlyReason | undefined): void {
  const asked = config.connection.targetSessionAttrs;
  const standby = readOnly === 'hot standby';
  if ((asked === 'read-write' && readOnly) || (asked === 'primary' && standby)) throw readOnlyRefused(config, readOnly!, asked);
  if ((asked === 'read-only' && !readOnly) || (asked === 'standby' && !standby)) {
    throw new ConfigError([`${config.connection.source}: target_session_attrs=${asked} was asked, but ${describeTarget(config.connection)} is ${readOnly ? 'read-only but not a standby' : 'a writable primary'}`]);
  }
}

interface SslChoice {
  first: pg.ClientConfig['ssl'];
  fallback?: pg.ClientConfig['ssl'];
}

/** libpq's sslmode semantics (pg's own differ: there `require` verifies). */
export function sslOptions(c: ConnectionSettings): SslChoice {
  if (c.host.startsWith('/')) return { first: false };
  const clientCert = clientCertificate(c);
  const noVerify = { rejectUnauthorized: false, ...clientCert };
  switch (c.sslmode) {
    case 'disable':
      return { first: false };
    case 'allow':
      return { first: false, fallback: noVerify };
    case 'prefer':
      return { first: noVerify, fallback: false };
    case 'require':
      // libpq: when a root certificate is given, or ~/.postgresql/root.crt exists, require behaves as verify-ca.
      return { first: c.sslrootcert || existsSync(defaultPath('root.crt')) ? verifying(c, false, clientCert) : noVerify };
    case 'verify-ca':
      return { first: verifying(c, false, clientCert) };
    case 'verify-full':
      return { first: verifying(c, true, clientCert) };
  }
}

function verifying(c: ConnectionSettings, checkHost: boolean, clientCert: object): pg.ClientConfig['ssl'] {
  const ca = rootCertificates(c);
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...clientCert,
    // pg hands tls.connect the host (and SNI for names, not addresses), which verify-full checks.
    ...(checkHost ? {} : { checkServerIdentity: () => undefined }),
  };
}

function rootCertificates(c: ConnectionSettings): string | undefined {
  if (c.sslrootcert === 'system') return undefined;
  const path = c.sslrootcert ?? defaultPath('root.crt');
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // A missing file will not appear by waiting: a configuration problem (exit 3), not a retry.
    throw new ConfigError([
      `PGSSLROOTCERT / sslrootcert: sslmode=${c.sslmode} needs the server's root certificate, but ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); set PGSSLROOTCERT or sslrootcert=<file>, or sslrootcert=system for the system CAs`,
    ]);
  }
}

function clientCertificate(c: ConnectionSettings): { cert?: string; key?: string } {
  const certPath = c.sslcert ?? defaultPath('postgresql.crt');
  const keyPath = c.sslkey ?? defaultPath('postgresql.key');
  if (!c.sslcert && !existsSync(certPath)) return {};
  try {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } catch (err) {
    throw new ConfigError([`PGSSLCERT / PGSSLKEY (sslcert / sslkey): cannot read the client certificate or key (${certPath}, ${keyPath}): ${(err as NodeJS.ErrnoException).code}`]);
  }
}

/** libpq's default place for TLS files: ~/.postgresql/<name>. */
function defaultPath(name: string): string {
  return join(homedir(), '.postgresql', name);
}

/**
 * Asks the server to cancel the statement running on `session` (the protocol's CancelRequest on a
 * separate connection: no login needed). Resolves once the request is sent or failed to send.
 */
export function cancelRunningQuery(session: Session, c: ConnectionSettings): Promise<void> {
  const { processID, secretKey } = session.client as unknown as { processID: number; secretKey: number };
  return new Promise((resolve) => {
    const socket = c.host.startsWith('/') ? netConnect(`${c.host}/.s.PGSQL.${c.port}`) : netConnect(c.port, c.host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(3000, done);
    socket.on('error', done);
    socket.on('connect', () => {
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(80877102, 4);
      msg.writeInt32BE(processID, 8);
      msg.writeInt32BE(secretKey, 12);
      socket.end(msg);
    });
    socket.on('close', done);
  });
}

// ---------------------------------------------------------------------------------------------
// A session that died without a word. The server ends a vanished client's session (and its lock)
// through tcp_keepalives_* and tcp_user_timeout. The client cannot rely on TCP for that: Node sets
// no TCP_KEEPINTVL/TCP_KEEPCNT (Linux's 75 s × 9 apply after the first probe), nor
// TCP_USER_TIMEOUT, and a middlebox that stops forwarding still acknowledges every packet. So a
// watchdog asks the server, on a second short connection, about a reply that is overdue.

/** How often the watchdog looks, and how long a query must have waited before it does. */
const WATCH_EVERY_MS = 10_000;
/** One probe's bound: connect, ask pg_stat_activity, done. */
const PROBE_TIMEOUT_MS = 5_000;
/** Probes in a row that cannot reach the server before the session is declared dead. */
const UNREACHABLE_LIMIT = 3;

type Probe =
  | { kind: 'active' | 'unknown' }
  | { kind: 'gone' }
  /** The server shows our session idle since `since` while we wait for a reply. */
  | { kind: 'waiting'; since: string }
  /** Idle since the same moment at two probes in a row: the query or its reply was lost. */
  | { kind: 'stalled'; since: string }
  | { kind: 'unreachable'; reason: string };

/** Wraps client.query to note since when a query has been waiting for its reply (undefined: none is). */
function trackQueries(client: pg.Client): () => number | undefined {
  let pending = 0;
  let since: number | undefined;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const settle = () => {
    pending -= 1;
    since = pending > 0 ? Date.now() : undefined;
  };
  Object.assign(client, {
    query: (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        pending += 1;
        since ??= Date.now();
        result.then(settle, settle);
      }
      return result;
    },
  });
  return () => since;
}

/**
 * Bytes the kernels between us and the server can still hold once our own queue is empty: Linux's
 * default send-buffer limit (tcp_wmem, 4 MB) plus as much again of the server's receive window.
 */
const KERNEL_BUFFER_BYTES = 8 * 1024 * 1024;
/** However slow the trickle was, a path silent this long after our last byte left is dead. */
const MAX_DRAIN_GRACE_MS = 5 * 60_000;

interface Outgoing {
  /** Changes whenever bytes of ours moved on since the last call (call once per look). */
  moved(): boolean;
  /** How long after our last byte left the server may still be receiving the kernels' share. */
  drainGraceMs(): number;
  lastMovedAt(): number;
}

/**
 * What the client still has to send: pg's stream (TLS or plain), and the TCP handle's queue in
 * libuv, which drains as the kernel takes bytes (the peer's acknowledgements make room).
 */
function outgoingOf(client: pg.Client, raw: Socket): Outgoing {
  let last = '';
  let lastQueued = 0;
  let lastAt = Date.now();
  let movedAt = 0;
  let bytesPerMs: number | undefined;
  return {
    moved() {
      const stream = socketOf(client);
      const queued = (raw as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;
      const now = [stream.writableLength, stream === raw ? 0 : raw.writableLength, queued].join('/');
      const at = Date.now();
      if (queued < lastQueued) bytesPerMs = (lastQueued - queued) / Math.max(1, at - lastAt);
      const moved = now !== last;
      if (moved) movedAt = at;
      [last, lastQueued, lastAt] = [now, queued, at];
      return moved;
    },
    drainGraceMs: () => (bytesPerMs ? Math.min(MAX_DRAIN_GRACE_MS, KERNEL_BUFFER_BYTES / bytesPerMs) : 0),
    lastMovedAt: () => movedAt,
  };
}

function watchSession(session: Session, open: OpenClient, busySince: () => number | undefined, log: Logger, outgoing: Outgoing): void {
  let watched: number | undefined;
  let idleSince: string | undefined;
  let unreachable = 0;
  let probing = false;
  const timer = setInterval(() => {
    const since = busySince();
    if (since !== watched) {
      watched = since;
      idleSince = undefined;
      unreachable = 0;
    }
    // A long query still uploading shows the server idle (it reads the whole message before it
    // starts): while our bytes keep leaving, and for as long as the kernels' buffers can take to
    // drain at the rate seen, the peer is alive, however slow the path.
    const flowing = outgoing.moved() || Date.now() - outgoing.lastMovedAt() < outgoing.drainGraceMs();
    if (since === undefined || Date.now() - since < WATCH_EVERY_MS || probing) return;
    if (flowing) {
      idleSince = undefined;
      log.debug({ event: 'db.watchdog', pid: session.pid, probe: 'sending', waitedMs: Date.now() - since }, 'still sending the query to the server');
      return;
    }
    probing = true;
    const movedAt = outgoing.lastMovedAt();
    void probe(session.pid, open, idleSince, () => busySince() === since && outgoing.lastMovedAt() === movedAt)
      .then((p) => {
        if (busySince() !== since) return; // the reply came meanwhile
        const waitedS = Math.round((Date.now() - since) / 1000);
        idleSince = p.kind === 'waiting' ? p.since : undefined;
        unreachable = p.kind === 'unreachable' ? unreachable + 1 : 0;
        log.debug({ event: 'db.watchdog', pid: session.pid, probe: p.kind, waitedMs: Date.now() - since }, 'waiting for the server');
        if (p.kind === 'gone') declareDead(session, `PostgreSQL no longer has this session (pid ${session.pid}): it was terminated, or the server restarted`, log);
        if (p.kind === 'stalled') declareDead(session, `no reply for ${waitedS}s while the server shows this session (pid ${session.pid}) idle since ${p.since}${movedAt > since ? `, and no byte of the query left this client for ${Math.round((Date.now() - movedAt) / 1000)}s` : ''}: the network dropped the connection without closing it`, log);
        if (p.kind === 'unreachable' && unreachable >= UNREACHABLE_LIMIT) declareDead(session, `no reply for ${waitedS}s and the server cannot be reached (${p.reason})`, log);
      })
      .finally(() => (probing = false));
  }, WATCH_EVERY_MS);
  timer.unref();
  session.client.once('end', () => clearInterval(timer));
}

/**
 * Ends the session: Terminate goes out at once and the server ends the backend on it, but nothing
 * waits for the server to close the socket (a round trip and the backend's exit: ~2.5 ms of every
 * run, docs/PERFORMANCE.md). The advisory lock was released before this; with the socket unref'd a
 * dead connection cannot keep the process alive either.
 */
export function closeSession(session: Session): void {
  session.client.end().catch(() => {});
  socketOf(session.client)?.unref();
}

/** The socket under a pg.Client (not in pg's public types). */
function socketOf(client: pg.Client): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}

function declareDead(session: Session, reason: string, log: Logger): void {
  log.error({ event: 'db.connection.dead', pid: session.pid, reason }, 'the database connection is dead; closing it');
  socketOf(session.client).destroy(Object.assign(new Error(`the connection to the database is dead: ${reason}`), { code: CONNECTION_DEAD }));
}

/** `stillStuck` is asked last, before the session is ended: no reply yet, and no byte left since. */
async function probe(pid: number, open: OpenClient, idleSince: string | undefined, stillStuck: () => boolean): Promise<Probe> {
  const side = open(PROBE_TIMEOUT_MS, 'check');
  side.on('error', () => {});
  let connected = false;
  const timer = setTimeout(() => socketOf(side).destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS}ms`)), PROBE_TIMEOUT_MS);
  try {
    await side.connect();
    connected = true;
    const { rows } = await side.query<{ state: string | null; since: string | null }>('SELECT state, state_change::text AS since FROM pg_stat_activity WHERE pid = $1', [pid]);
    const row = rows[0];
    if (!row) return { kind: 'gone' };
    // null: not ours to see; 'disabled': track_activities is off. Neither tells anything.
    if (row.state === null || row.state === 'disabled') return { kind: 'unknown' };
    if (row.state === 'active' || row.state === 'fastpath function call') return { kind: 'active' };
    const since = row.since ?? '';
    if (since !== idleSince || !stillStuck()) return { kind: 'waiting', since };
    // Free the lock now rather than when the server's keepalives give up on the dead socket.
    await side.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => {});
    return { kind: 'stalled', since };
  } catch (err) {
    // A server that answered at all (even "too many connections") is reachable: no verdict.
    if (connected || err instanceof pg.DatabaseError) return { kind: 'unknown' };
    return { kind: 'unreachable', reason: reasonOf(err) };
  } finally {
    clearTimeout(timer);
    if (connected) void side.end().catch(() => {});
    else socketOf(side).destroy();
  }
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

// ---------------------------------------------------------------------------------------------
// Poolers. In transaction (or statement) pooling mode a pooler hands each transaction to whichever
// server session is free: our session-level advisory lock and SETs would stay behind on a session
// someone else then uses. Refused, with the way out.

const POOL_CHECK_MS = 3_000;

class Timeout extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout()), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/**
 * Holds a transaction open on a second connection (in transaction mode the pooler gives it the
 * server session we just released, most recently used first) and checks that our session still
 * reaches its own backend. Session pooling passes; transaction and statement pooling are refused.
 */
async function requireSessionPooling(session: Session, config: Config, open: OpenClient, log: Logger): Promise<void> {
  log.info({ event: 'db.pooler', pid: session.pid }, 'connected through a connection pooler; checking that it keeps this session on one server connection');
  const side = open(POOL_CHECK_MS, 'check');
  side.on('error', () => {});
  try {
    try {
      await within(POOL_CHECK_MS, side.connect().then(() => side.query('BEGIN')));
    } catch (err) {
      if (err instanceof pg.DatabaseError) throw poolingRefused(config, `it refused a transaction block (${err.message}): statement pooling`);
      // Session pooling with a full pool makes the second connection wait: nothing proven either way.
      log.warn({ event: 'db.pooler.unverified', reason: reasonOf(err) }, 'could not verify the pooling mode; make sure the pooler uses session pooling');
      return;
    }
    const pid = await within(POOL_CHECK_MS, backendPid(session.client)).catch((err: unknown) => {
      if (err instanceof Timeout) return undefined; // waiting for a free server session: not ours to keep
      throw err;
    });
    if (pid !== session.pid) {
      throw poolingRefused(config, pid === undefined ? 'the session had to wait for a free server connection between two transactions' : `the backend changed from pid ${session.pid} to ${pid} between two transactions`);
    }
    log.info({ event: 'db.pooler.session' }, 'the pooler keeps this session on one server connection (session pooling)');
  } finally {
    socketOf(side).destroy();
  }
}

function poolingRefused(config: Config, evidence: string): ConfigError {
  const source = config.connection.source === 'defaults' ? 'the connection settings' : config.connection.source;
  return new ConfigError([
    `${source}: points at a connection pooler in transaction or statement pooling mode (${evidence}). pgshift holds a session-level advisory lock for the whole run, which such a pooler would silently hand to other clients: connect directly or use session pooling (PgBouncer: pool_mode = session)`,
  ]);
}
