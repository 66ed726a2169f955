// Poolers. In transaction (or statement) pooling mode a pooler hands each transaction to whichever
// server session is free: our session-level advisory lock and SETs would stay behind on a session
// someone else then uses. Refused, with the way out.
import pg from 'pg';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { socketOf, type OpenClient } from './client.js';
import { reasonOf } from './failure.js';
import type { Session } from './session.js';
import { sourceOf } from './target.js';

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
export async function requireSessionPooling(session: Session, config: Config, open: OpenClient, log: Logger): Promise<void> {
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
  const source = sourceOf(config.connection);
  return new ConfigError([
    `${source}: points at a connection pooler in transaction or statement pooling mode (${evidence}). pgshift holds a session-level advisory lock for the whole run, which such a pooler would silently hand to other clients: connect directly or use session pooling (PgBouncer: pool_mode = session)`,
  ]);
}
