// Waiting for the database: one pg.Client, retried with exponential backoff and jitter while the
// failure can heal by itself, bounded by DB_WAIT_TIMEOUT, cancellable by SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pRetry from 'p-retry';
import pg from 'pg';
import type { Config, ConnectionSettings } from './config.js';
import { sleep } from './abort.js';
import { ConnectError, MigratorError } from './errors.js';
import type { Logger } from './logger.js';
import { describeConnectError, isTransient } from './pg-errors.js';

/** Server-side TCP keepalives: a killed pod's half-open session (and its lock) ends within ~1 minute. */
export const SERVER_KEEPALIVES = { idle: 30, interval: 10, count: 3 } as const;
const CLIENT_KEEPALIVE_DELAY_MS = 10_000;
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export interface Session {
  client: pg.Client;
  /** The backend's pid (for holder reports and tests). */
  pid: number;
  serverVersion: number;
  /**
   * SQL that restores the session's starting state; appended after each file so a `SET` in one
   * file (search_path, timezone, lock_timeout) does not leak into the next. Never DISCARD ALL: it
   * would also drop our advisory lock.
   */
  resetSql: string;
  /** Set when the connection broke while idle. */
  lost(): Error | undefined;
}

/** The SETs every session starts with (values are validated numbers, never user text). */
export function sessionSetupSql(config: Pick<Config, 'migrationLockTimeoutMs'>): string {
  const sets = [
    `SET tcp_keepalives_idle = ${SERVER_KEEPALIVES.idle}`,
    `SET tcp_keepalives_interval = ${SERVER_KEEPALIVES.interval}`,
    `SET tcp_keepalives_count = ${SERVER_KEEPALIVES.count}`,
  ];
  if (config.migrationLockTimeoutMs !== undefined) sets.push(`SET lock_timeout = ${Math.round(config.migrationLockTimeoutMs)}`);
  return sets.join(';\n');
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
    return await pRetry((attempt) => openSession(config, log, Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())), attempt), {
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
      throw new ConnectError(`database not reachable at ${target} within ${waited}s (DB_WAIT_TIMEOUT): ${reasonOf(err)}`, { cause: err });
    }
    throw new ConnectError(`cannot connect to ${target}: ${describeConnectError(err)}`, { cause: err });
  }
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
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export function describeTarget(c: ConnectionSettings): string {
  const host = c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}` : `${c.host}:${c.port}`;
  return `${c.user}@${host}/${c.database}`;
}

async function openSession(config: Config, log: Logger, timeoutMs: number, attempt: number): Promise<Session> {
  const c = config.connection;
  const ssl = sslOptions(c);
  try {
    return await startSession(config, log, ssl.first, timeoutMs);
  } catch (err) {
    // libpq's prefer/allow: one more try the other way when the server refuses the first way.
    if (ssl.fallback !== undefined && wantsFallback(c.sslmode, err)) {
      log.debug({ event: 'db.ssl.fallback', sslmode: c.sslmode, attempt }, 'retrying with the other TLS setting');
      return startSession(config, log, ssl.fallback, timeoutMs);
    }
    throw err;
  }
}

function wantsFallback(mode: ConnectionSettings['sslmode'], err: unknown): boolean {
  const message = (err as Error).message ?? '';
  if (mode === 'prefer') return /does not support SSL/i.test(message);
  if (mode === 'allow') return (err as { code?: string }).code === '28000';
  return false;
}

async function startSession(config: Config, log: Logger, ssl: pg.ClientConfig['ssl'], timeoutMs: number): Promise<Session> {
  const c = config.connection;
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password ?? undefined,
    database: c.database,
    ssl,
    application_name: applicationName(config.hostname),
    keepAlive: true,
    keepAliveInitialDelayMillis: CLIENT_KEEPALIVE_DELAY_MS,
    connectionTimeoutMillis: Math.min(timeoutMs, c.connectTimeoutMs ?? timeoutMs),
  });
  let lost: Error | undefined;
  client.on('error', (err) => {
    lost = err;
    log.warn({ event: 'db.connection.lost', err }, 'database connection lost');
  });
  client.on('notice', (n) => {
    const level = n.severity === 'WARNING' ? 'warn' : 'debug';
    log[level]({ event: 'db.notice', severity: n.severity, code: n.code }, n.message);
  });
  try {
    await client.connect();
    const setup = sessionSetupSql(config);
    const results = (await client.query(`${setup};\nSELECT pg_backend_pid() AS pid, current_setting('server_version_num')::int AS version`)) as unknown as pg.QueryResult[];
    const row = results[results.length - 1]?.rows[0] as { pid: number; version: number };
    return { client, pid: row.pid, serverVersion: row.version, resetSql: `RESET ALL;\n${setup}`, lost: () => lost };
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
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
      // libpq: with a root certificate given, require behaves as verify-ca.
      return { first: c.sslrootcert ? verifying(c, false, clientCert) : noVerify };
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
    ...(checkHost ? { servername: c.host } : { checkServerIdentity: () => undefined }),
  };
}

function rootCertificates(c: ConnectionSettings): string | undefined {
  if (c.sslrootcert === 'system') return undefined;
  const path = c.sslrootcert ?? join(homedir(), '.postgresql', 'root.crt');
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConnectError(
      `sslmode=${c.sslmode} needs the server's root certificate, but ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); set PGSSLROOTCERT or sslrootcert=<file>, or sslrootcert=system for the system CAs`,
      { cause: err },
    );
  }
}

function clientCertificate(c: ConnectionSettings): { cert?: string; key?: string } {
  const certPath = c.sslcert ?? join(homedir(), '.postgresql', 'postgresql.crt');
  const keyPath = c.sslkey ?? join(homedir(), '.postgresql', 'postgresql.key');
  if (!c.sslcert && !existsSync(certPath)) return {};
  try {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } catch (err) {
    throw new ConnectError(`cannot read the client certificate or key (${certPath}, ${keyPath}): ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
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
