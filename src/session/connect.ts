// Waiting for the database: one session, retried with p-retry's exponential backoff and jitter while
// the failure can heal by itself, bounded by DB_WAIT_TIMEOUT, cancellable by SIGTERM.
import pRetry from 'p-retry';
import type { Config } from '../config/types.js';
import { ConnectError, MigratorError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { attemptTimeout } from './attempt.js';
import { describeConnectError, isTransient, reasonOf } from './failure.js';
import { openSession } from './open.js';
import { closeSession, type Session } from './session.js';
import { describeTarget } from './target.js';

/**
 * Delays between attempts: the first 125–250 ms, doubling, at most 5 s. The jitter (randomize) keeps
 * the pods of a deployment, all waiting for the same database, from knocking at the same moments.
 */
const BACKOFF = { minTimeout: 125, factor: 2, maxTimeout: 5_000, randomize: true } as const;

export async function connect(config: Config, log: Logger, signal: AbortSignal): Promise<Session> {
  const started = Date.now();
  const deadline = started + config.dbWaitTimeoutMs;
  const target = describeTarget(config.connection);
  // p-retry picks each delay itself (with jitter) after onFailedAttempt, so the wait is logged when it
  // has passed, as the next attempt starts: the delay logged is the one that was waited.
  let failed: { attempt: number; error: unknown; at: number } | undefined;
  // p-retry throws the abort reason even after an attempt succeeded: that session is closed, not left open.
  let opened: Session | undefined;
  try {
    return await pRetry(
      (attempt) => {
        if (failed) {
          log.warn({ event: 'db.wait', attempt: failed.attempt, reason: reasonOf(failed.error), nextDelayMs: Date.now() - failed.at, target }, 'database not ready; retrying');
        }
        return openSession(config, log, Date.now() + attemptTimeout(config, deadline), attempt, signal).then((session) => (opened = session));
      },
      {
        ...BACKOFF,
        retries: Number.POSITIVE_INFINITY,
        maxRetryTime: config.dbWaitTimeoutMs,
        signal,
        shouldRetry: ({ error }) => isTransient(error),
        onFailedAttempt: ({ error, attemptNumber }) => {
          failed = { attempt: attemptNumber, error, at: Date.now() };
        },
      },
    );
  } catch (err) {
    if (opened) closeSession(opened);
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
