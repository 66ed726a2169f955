// One connection attempt, from the TCP connect to a session ready for work: login, the session's
// SETs, what the server is, and the checks that refuse a server the run cannot use.
import type pg from 'pg';
import type { Config } from '../config/types.js';
import type { Logger } from '../logger.js';
import { boundAttempt } from './attempt.js';
import { requireChannelBinding } from './channel-binding.js';
import { clientOpener, socketOf, type OpenClient } from './client.js';
import { requireSessionPooling } from './pooler.js';
import type { Session } from './session.js';
import { sessionResetSql, sessionSetupSql } from './setup.js';
import { sslOptions, wantsFallback } from './tls.js';
import { prepareWatchdog } from './watchdog.js';
import { requireSessionAttrs } from './writable.js';

/** What the session reports about itself, asked in the same round trip as the setup. */
const ABOUT_SQL =
  "SELECT pg_backend_pid() AS pid, current_setting('server_version_num')::int AS version, current_setting('server_encoding') AS encoding, pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only, current_setting('standard_conforming_strings') AS strings";

interface About {
  pid: number;
  version: number;
  encoding: string;
  standby: boolean;
  read_only: string;
  strings: string;
}

export async function openSession(config: Config, log: Logger, attemptDeadline: number, attempt: number, signal: AbortSignal): Promise<Session> {
  const c = config.connection;
  const ssl = sslOptions(c);
  try {
    return await startSession(config, log, clientOpener(config, ssl.first), attemptDeadline - Date.now(), signal);
  } catch (err) {
    if (ssl.fallback !== undefined && wantsFallback(c.sslmode, err)) {
      log.debug({ event: 'db.ssl.fallback', sslmode: c.sslmode, attempt }, 'retrying with the other TLS setting');
      return startSession(config, log, clientOpener(config, ssl.fallback), Math.max(1, attemptDeadline - Date.now()), signal);
    }
    throw err;
  }
}

async function startSession(config: Config, log: Logger, open: OpenClient, timeoutMs: number, signal: AbortSignal): Promise<Session> {
  const client = open(0);
  const startWatchdog = prepareWatchdog(client);
  if (config.connection.channelBinding === 'require') requireChannelBinding(client);
  // A connection that breaks while idle: logged here; the next query fails with the reason.
  client.on('error', (err) => {
    log.warn({ event: 'db.connection.lost', err }, 'database connection lost');
  });
  client.on('notice', (n) => {
    const level = n.severity === 'WARNING' ? 'warn' : 'debug';
    log[level]({ event: 'db.notice', severity: n.severity, code: n.code }, n.message);
  });
  const bound = boundAttempt(client, config.connection, timeoutMs, signal);
  try {
    await client.connect();
    bound.loggedIn();
    const setup = sessionSetupSql();
    const results = (await client.query(`${setup};\n${ABOUT_SQL}`)) as unknown as pg.QueryResult[];
    bound.done();
    const row = results[results.length - 1]?.rows[0] as About;
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
    };
    // Directly connected, the cancel key carries the backend's pid; a pooler hands out its own.
    if ((client as unknown as { processID: number | null }).processID !== row.pid) await requireSessionPooling(session, config, open, log);
    startWatchdog(session, open, log);
    return session;
  } catch (err) {
    bound.done();
    // Never wait for the server to close a failed attempt: a peer (or proxy) that swallows our FIN
    // would hold the attempt until its own timeout, or forever.
    socketOf(client).destroy();
    throw err;
  }
}
