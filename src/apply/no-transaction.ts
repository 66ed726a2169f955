// A file that cannot run in a transaction: statement by statement, each committing on its own,
// between a start marker in the history (left behind, it says the file stopped partway) and the
// final row, written only once the lock is known to be still held and no index was left INVALID.
import type pg from 'pg';
import { throwIfAborted } from '../abort.js';
import { changesSessionOnly } from '../sql/facts.js';
import type { MigrationFile, SqlPart, Statement } from '../types.js';
import { appliedMeanwhile, FileFailure, LOCK_LOST_REASON, NO_TEXT, toFailure, type Progress } from './failure.js';
import { markStarted, recordApplied } from './history-rows.js';
import { buildsConcurrently, leftoverAdvice, leftoverIndexes, withLeftovers } from './indexes.js';
import { lockHeld } from './lock.js';
import { noTransactionLockTimeout, type ApplyOptions } from './options.js';
import { rollBackUnlessIdle } from './query-state.js';
import { cancellable } from './send.js';

export async function runStatements(file: MigrationFile, options: ApplyOptions): Promise<void> {
  const { client } = options.session;
  const started = performance.now();
  if ((await markStarted(client, options.table, file, options.runner)) === 'alreadyApplied') throw appliedMeanwhile(file);
  const progress: Progress = { statementCount: file.statementCount, done: 0 };
  try {
    const lockTimeout = noTransactionLockTimeout(options);
    if (lockTimeout) await client.query(lockTimeout);
    for (const part of file.parts()) await runPart(file, part, options, progress);
  } catch (err) {
    const failure = err instanceof FileFailure ? err : toFailure(file, err, NO_TEXT, 0, options, progress);
    const leftovers = await leftoverIndexes(client, file).catch(() => []);
    throw leftovers.length ? withLeftovers(failure, leftovers) : failure;
  }
  // `CREATE INDEX CONCURRENTLY IF NOT EXISTS` skips an INVALID index a failed run left behind:
  // the file would "succeed" while the index is unusable.
  const leftovers = await leftoverIndexes(client, file);
  if (leftovers.length) {
    throw new FileFailure(`${file.name}: ran to the end, but an index it builds is INVALID\n${leftoverAdvice(leftovers)}`, undefined, false, { cause: undefined, partial: true });
  }
  if (!(await lockHeld(client, options.lock))) {
    throw new FileFailure(`${file.name}: ran to the end, but ${LOCK_LOST_REASON}; its statements could not be undone: check that it ran only once`, undefined, false, { cause: undefined, partial: true });
  }
  // As it started: the history row is written as the role that logged in, with the session's settings.
  await client.query(options.session.resetSql);
  await recordApplied(client, options.table, file, performance.now() - started);
}

async function runPart(file: MigrationFile, part: SqlPart, options: ApplyOptions, progress: Progress): Promise<void> {
  const { client } = options.session;
  for (const statement of part.statements) {
    try {
      throwIfAborted(options.signal);
      await runStatement(statement, options);
    } catch (err) {
      await rollBackUnlessIdle(client);
      throw toFailure(file, err, part, statement.start, options, progress, statement);
    }
    if (tookEffect(client, statement.text)) progress.done += 1;
  }
}

/**
 * Whether a statement that just succeeded left a durable change: it committed (the session is idle,
 * not inside the file's own BEGIN … COMMIT, whose work a failure rolls back) and was not a SET.
 */
function tookEffect(client: pg.Client, text: string): boolean {
  return client.getTransactionStatus?.() === 'I' && !changesSessionOnly(text);
}

/**
 * One statement of a no-transaction file. MIGRATION_LOCK_TIMEOUT guards against queuing traffic
 * behind an ACCESS EXCLUSIVE lock; a CONCURRENTLY build takes no such lock but waits for older
 * transactions under the same lock_timeout, so it runs without one, and the value in effect before
 * it (MIGRATION_LOCK_TIMEOUT, or what the file set) is put back after it.
 */
async function runStatement(statement: Statement, options: ApplyOptions): Promise<void> {
  const { client } = options.session;
  const lift = options.lockTimeoutMs !== undefined && buildsConcurrently(statement);
  const was = lift ? await liftLockTimeout(client) : undefined;
  await cancellable(options, () => client.query(statement.text));
  if (was !== undefined) await client.query(`SELECT set_config('lock_timeout', $1, false)`, [was]);
}

/** Sets lock_timeout to 0 for the session; returns the value it had (read first: OFFSET 0 keeps the subquery apart). */
async function liftLockTimeout(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ was: string }>(`SELECT was, set_config('lock_timeout', '0', false) FROM (SELECT current_setting('lock_timeout') AS was OFFSET 0) s`);
  return rows[0]!.was;
}
