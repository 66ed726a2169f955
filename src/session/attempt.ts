// One connection attempt's bound, whatever the peer does.
import type pg from 'pg';
import type { ConnectionSettings } from '../config/types.js';
import type { Config } from '../config/types.js';
import { socketOf } from './client.js';
import { ATTEMPT_TIMED_OUT } from './failure.js';
import { addressOf } from './target.js';

const ATTEMPT_TIMEOUT_MS = 10_000;
/** libpq's floor for connect_timeout. */
const MIN_ATTEMPT_MS = 2_000;

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

/**
 * Holds one attempt to `timeoutMs` and to the run's signal, whatever the peer does (pg's own
 * connectionTimeoutMillis ends at login; a peer can go silent after it). On expiry the socket is
 * destroyed with an error saying how far the attempt got.
 */
export function boundAttempt(client: pg.Client, c: ConnectionSettings, timeoutMs: number, signal: AbortSignal): { loggedIn(): void; done(): void } {
  const raw = socketOf(client);
  let connected = false;
  let loggedIn = false;
  raw.once('connect', () => (connected = true));
  const seconds = `${Math.round(timeoutMs / 100) / 10}s`;
  const where = addressOf(c);
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
