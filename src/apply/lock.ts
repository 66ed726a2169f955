// The migration lock: a session-level advisory lock, taken by polling pg_try_advisory_lock in short
// statements. Never a blocking pg_advisory_lock: a waiter blocked inside a statement holds a
// snapshot, and CREATE INDEX CONCURRENTLY in the holder would then wait for the waiter forever.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { sleep, throwIfAborted } from '../abort.js';
import { LockTimeoutError } from '../errors.js';
import type { Logger } from '../output/logger.js';

const POLL_MS = 500;
const REPORT_EVERY_MS = 10_000;

/**
 * The lock key: the schema and table of the history, so two apps sharing one database (each with its
 * own history table) don't block each other. The database is not part of the key: PostgreSQL scopes
 * advisory locks to the database the session is in, so runners that name one database differently
 * (a PgBouncer alias, another DATABASE_URL spelling) still take the same lock.
 */
export function lockKey(schema: string, table: string): bigint {
  return keyOf(`pgshift\0${schema}.${table}`);
}

/**
 * The key earlier versions took, which hashed the database name as configured. Taken as well, so a
 * runner of an earlier version started during an upgrade still excludes this one and the reverse.
 */
export function legacyLockKey(configuredDatabase: string, schema: string, table: string): bigint {
  return keyOf(`pgshift\0${configuredDatabase}\0${schema}.${table}`);
}

function keyOf(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

/** The lock a runner takes: its key, and the earlier versions' key taken together with it. */
export interface MigrationLock {
  key: bigint;
  legacyKey: bigint;
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

export async function acquireLock(client: pg.Client, lock: MigrationLock, options: LockOptions): Promise<void> {
  const started = Date.now();
  let lastReport = -Infinity;
  for (;;) {
    throwIfAborted(options.signal);
    if (await tryLock(client, lock)) {
      options.log.info({ event: 'lock.acquired', lock: options.name, waitedMs: Date.now() - started }, 'migration lock acquired');
      return;
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      const holder = await findHolder(client, lock);
      throw new LockTimeoutError(
        `another runner held the migration lock for longer than LOCK_TIMEOUT (${Math.round(options.timeoutMs / 1000)}s)${holder ? `: ${describeHolder(holder)}` : ''}; retry later, or raise LOCK_TIMEOUT above your longest migration`,
      );
    }
    if (Date.now() - lastReport >= REPORT_EVERY_MS) {
      lastReport = Date.now();
      const holder = await findHolder(client, lock);
      options.log.warn({ event: 'lock.wait', lock: options.name, waitedMs: waited, holder: holder ?? undefined }, holder ? `waiting for the migration lock held by ${describeHolder(holder)}` : 'waiting for the migration lock');
    }
    await sleep(Math.min(POLL_MS, options.timeoutMs - waited), options.signal);
  }
}

/** Must run on the same session as acquireLock. */
export async function releaseLock(client: pg.Client, lock: MigrationLock): Promise<void> {
  // The key was taken twice (tryLock).
  await client.query('SELECT pg_advisory_unlock($1::bigint), pg_advisory_unlock($1::bigint), pg_advisory_unlock($2::bigint)', [lock.key.toString(), lock.legacyKey.toString()]);
}

/** Runs `fn` under the lock; the lock is released on every path (and dies with the session anyway). */
export async function withLock<T>(client: pg.Client, lock: MigrationLock, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  await acquireLock(client, lock, options);
  try {
    return await fn();
  } finally {
    await releaseLock(client, lock).catch((err: unknown) => options.log.warn({ event: 'lock.release.failed', err }, 'could not release the migration lock; it ends with the session'));
  }
}

/**
 * Both keys or neither, in one statement: the legacy key is tried only once the key is held, and the
 * key is let go again when the legacy key is not free, so no runner ever waits holding half. The key
 * is then taken a second time (a session holding a lock is always granted it again): see
 * lockHeldCheckSql, which needs the count at two.
 */
async function tryLock(client: pg.Client, lock: MigrationLock): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT CASE WHEN NOT pg_try_advisory_lock($1::bigint) THEN false
                 WHEN pg_try_advisory_lock($2::bigint) THEN pg_try_advisory_lock($1::bigint)
                 ELSE NOT pg_advisory_unlock($1::bigint) END AS locked`,
    [lock.key.toString(), lock.legacyKey.toString()],
  );
  return rows[0]?.locked === true;
}

/**
 * A statement for a migration's own transaction that fails (and so rolls the file back) unless this
 * session still holds the lock: a migration that released it (pg_advisory_unlock_all(), DISCARD ALL in
 * a function) must not commit while another runner may be applying the same files. The failure is a
 * cast of a text that names the cause, so no procedural language is needed; CASE evaluates its
 * branches in order, and neither the functions (volatile) nor the text (not a constant) are worked
 * out before the conditions have decided.
 *
 * The test is the lock's own count, not pg_locks: reading pg_locks copies the whole lock table (every
 * backend's slots) and cost more server time than the rest of a small file's batch. The session holds
 * the key twice (tryLock), so giving it back once succeeds exactly when the session still holds it,
 * and leaves it held; taking it again restores the count. After a release the session did not see
 * (the count at zero) the unlock says false; should something have given back one of the two, the
 * lock is free for a moment and the re-take fails if another runner took it meanwhile — either way
 * the file rolls back instead of committing without the lock.
 */
export function lockHeldCheckSql(lock: MigrationLock): string {
  const key = lock.key.toString();
  const lost = `(${LOCK_LOST_MARKER} || pg_catalog.pg_backend_pid())::int`;
  return `SELECT CASE WHEN NOT pg_catalog.pg_advisory_unlock(${key}::bigint) THEN ${lost} WHEN NOT pg_catalog.pg_try_advisory_lock(${key}::bigint) THEN ${lost} ELSE 0 END`;
}

const LOCK_LOST_TEXT = 'pgshift: the migration lock is no longer held by backend ';
const LOCK_LOST_MARKER = `'${LOCK_LOST_TEXT}'`;

/** Whether a query error is lockHeldCheckSql's failure. */
export function isLockLost(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '22P02' && (e.message ?? '').includes(LOCK_LOST_TEXT);
}

/** Whether this session still holds the lock (a no-transaction file checks it after each statement). */
export async function lockHeld(client: pg.Client, lock: MigrationLock): Promise<boolean> {
  const [hi, lo] = halves(lock.key);
  const { rows } = await client.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()
        AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid) AS held`,
    [hi, lo],
  );
  return rows[0]?.held === true;
}

/** Who holds the lock (either key): pg_locks (a bigint key is classid = high half, objid = low half, objsubid 1). */
export async function findHolder(client: pg.Client, lock: MigrationLock): Promise<LockHolder | undefined> {
  const [hi, lo] = halves(lock.key);
  const [legacyHi, legacyLo] = halves(lock.legacyKey);
  const { rows } = await client.query<{ pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | null; state: string | null }>(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (l.classid, l.objid) IN (($1::bigint::oid, $2::bigint::oid), ($3::bigint::oid, $4::bigint::oid))
        AND l.pid <> pg_backend_pid()
      LIMIT 1`,
    [hi, lo, legacyHi, legacyLo],
  );
  const r = rows[0];
  return r ? { pid: r.pid, applicationName: r.application_name, clientAddr: r.client_addr, since: r.backend_start, state: r.state } : undefined;
}

/** A bigint key as pg_locks shows it: classid (high 32 bits) and objid (low 32 bits). */
function halves(key: bigint): [string, string] {
  const unsigned = BigInt.asUintN(64, key);
  return [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()];
}

export function describeHolder(h: LockHolder): string {
  const parts = [`pid ${h.pid}`];
  if (h.applicationName) parts.push(`application_name ${h.applicationName}`);
  if (h.clientAddr) parts.push(`from ${h.clientAddr}`);
  // pg_locks has no grant time; the session's start is the closest the catalogs tell.
  if (h.since) parts.push(`session started ${h.since.toISOString()}`);
  return parts.join(', ');
}
