// The migration lock: a session-level advisory lock, taken by polling pg_try_advisory_lock in short
// statements. Never a blocking pg_advisory_lock: a waiter blocked inside a statement holds a
// snapshot, and CREATE INDEX CONCURRENTLY in the holder would then wait for the waiter forever.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { sleep, throwIfAborted } from './abort.js';
import { LockTimeoutError } from './errors.js';
import type { Logger } from './logger.js';

const POLL_MS = 500;
const REPORT_EVERY_MS = 10_000;

/**
 * The lock key: the database, schema and table of the history, so two apps sharing one database
 * (each with its own history table) don't block each other.
 */
export function lockKey(database: string, schema: string, table: string): bigint {
  const digest = createHash('sha256').update(`pgshift\0${database}\0${schema}.${table}`).digest();
  return digest.readBigInt64BE(0);
}

export interface LockHolder {
  pid: number;
  applicationName: string | null;
  clientAddr: string | null;
  since: Date | null;
  state: string | null;
}

export interface LockOptions {
  timeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  /** Logged as `lock` so a person can match it in pg_locks. */
  name: string;
}

export async function acquireLock(client: pg.Client, key: bigint, options: LockOptions): Promise<void> {
  const started = Date.now();
  let lastReport = -Infinity;
  for (;;) {
    throwIfAborted(options.signal);
    if (await tryLock(client, key)) {
      options.log.info({ event: 'lock.acquired', lock: options.name, waitedMs: Date.now() - started }, 'migration lock acquired');
      return;
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      const holder = await findHolder(client, key);
      throw new LockTimeoutError(
        `another runner held the migration lock for longer than LOCK_TIMEOUT (${Math.round(options.timeoutMs / 1000)}s)${holder ? `: ${describeHolder(holder)}` : ''}; retry later, or raise LOCK_TIMEOUT above your longest migration`,
      );
    }
    if (Date.now() - lastReport >= REPORT_EVERY_MS) {
      lastReport = Date.now();
      const holder = await findHolder(client, key);
      options.log.warn({ event: 'lock.wait', lock: options.name, waitedMs: waited, holder: holder ?? undefined }, holder ? `waiting for the migration lock held by ${describeHolder(holder)}` : 'waiting for the migration lock');
    }
    await sleep(Math.min(POLL_MS, options.timeoutMs - waited), options.signal);
  }
}

/** Must run on the same session as acquireLock. */
export async function releaseLock(client: pg.Client, key: bigint): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
}

/** Runs `fn` under the lock; the lock is released on every path (and dies with the session anyway). */
export async function withLock<T>(client: pg.Client, key: bigint, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  await acquireLock(client, key, options);
  try {
    return await fn();
  } finally {
    await releaseLock(client, key).catch((err: unknown) => options.log.warn({ event: 'lock.release.failed', err }, 'could not release the migration lock; it ends with the session'));
  }
}

async function tryLock(client: pg.Client, key: bigint): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key.toString()]);
  return rows[0]?.locked === true;
}

/** Who holds the lock: pg_locks (a bigint key is classid = high half, objid = low half, objsubid 1). */
export async function findHolder(client: pg.Client, key: bigint): Promise<LockHolder | undefined> {
  const unsigned = BigInt.asUintN(64, key);
  const { rows } = await client.query<{ pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | null; state: string | null }>(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
      LIMIT 1`,
    [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()],
  );
  const r = rows[0];
  return r ? { pid: r.pid, applicationName: r.application_name, clientAddr: r.client_addr, since: r.backend_start, state: r.state } : undefined;
}

export function describeHolder(h: LockHolder): string {
  const parts = [`pid ${h.pid}`];
  if (h.applicationName) parts.push(`application_name ${h.applicationName}`);
  if (h.clientAddr) parts.push(`from ${h.clientAddr}`);
  // pg_locks has no grant time; the session's start is the closest the catalogs tell.
  if (h.since) parts.push(`session started ${h.since.toISOString()}`);
  return parts.join(', ');
}
