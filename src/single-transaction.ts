// `pgshift --single-transaction`: every pending file and its history row in ONE transaction (Flyway's
// "group"), so a release's migrations land together or not at all. One round trip per file (the file,
// its history row and the session reset as one batch), BEGIN before the first and COMMIT after the last.
// A file that cannot run inside a transaction is refused before anything runs.
import { sleep, throwIfAborted } from './abort.js';
import { cancellable, committedAnyway, fail, FileFailure, lockRetryDelay, NO_TEXT, sendParts, toFailure, type ApplyOptions } from './apply.js';
import { PlanRejectedError } from './errors.js';
import { appliedRowSql } from './history.js';
import { lockHeldCheckSql } from './lock.js';
import type { Logger } from './output/logger.js';
import type { ApplyResult, MigrationFile } from './types.js';

/** Applies `files` in order inside one transaction; on a failure nothing stays applied and the failure is recorded. */
export async function applyInOneTransaction(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  refuseNoTransaction(files);
  if (files.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await runGroup(files, options);
    } catch (err) {
      // MIGRATION_LOCK_TIMEOUT hit (55P03): everything was rolled back, so the group is retried whole.
      const retryable = err instanceof GroupLockTimeout && attempt <= options.lockRetries;
      if (!retryable) throw err instanceof GroupLockTimeout ? await err.record() : err;
      const delayMs = lockRetryDelay(attempt);
      err.log.warn({ event: 'migration.lock_timeout', attempt, nextDelayMs: Math.round(delayMs) }, 'a lock was not granted within MIGRATION_LOCK_TIMEOUT; the whole transaction was rolled back, retrying');
      await sleep(delayMs, options.signal);
      throwIfAborted(options.signal);
    }
  }
}

/** A no-transaction file cannot join the group; exit 6 before BEGIN, naming the file and why. */
function refuseNoTransaction(files: MigrationFile[]): void {
  const refused = files.filter((f) => f.mode === 'no-transaction');
  if (refused.length === 0) return;
  throw new PlanRejectedError(
    refused.map(
      (f) =>
        `--single-transaction: ${f.name} cannot run inside a transaction (${f.modeReason}); nothing was applied. ` +
        'Run without --single-transaction (each file in its own transaction), or ship that file in a release of its own',
    ),
  );
}

/** A 55P03 inside the group, kept until we know whether the group is retried or the failure recorded. */
class GroupLockTimeout extends Error {
  constructor(
    readonly record: () => Promise<Error>,
    readonly log: Logger,
  ) {
    super('lock timeout');
  }
}

async function runGroup(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  const { client } = options.session;
  const results: ApplyResult[] = [];
  options.log.info({ event: 'group.start', files: files.length }, 'applying all pending migrations in one transaction');
  await client.query('BEGIN');
  for (const file of files) {
    const log = options.log.child({ file: file.name });
    if (options.signal.aborted) {
      // Between two files, as in per-file mode nothing is running and nothing is recorded.
      await client.query('ROLLBACK').catch(() => {});
      if (results.length) log.warn({ event: 'group.rolled_back', rolledBack: results.length }, `interrupted; the ${results.length} migration(s) applied so far in this transaction were rolled back`);
      throwIfAborted(options.signal);
    }
    const started = performance.now();
    try {
      log.info({ event: 'migration.start', mode: file.mode, checksum: file.checksum }, 'applying migration');
      await sendParts(file, options, {
        before: '',
        after: `${lockHeldCheckSql(options.lock)};\n${appliedRowSql(client, options.table, file)};\n${options.session.resetSql}`,
        // Inside the group a wrapper's own BEGIN would only warn, and its COMMIT would end the group.
        blank: file.mode === 'wrapped' ? [0, file.statementCount - 1] : [],
      });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw await groupFailure(file, err, performance.now() - started, results.length, options, log);
    }
    results.push({ name: file.name, status: 'applied', mode: file.mode, durationMs: Math.round(performance.now() - started), checksum: file.checksum });
  }
  await commit(files, results, options);
  for (const r of results) options.log.child({ file: r.name }).info({ event: 'migration.applied', mode: r.mode, durationMs: r.durationMs, checksum: r.checksum }, 'migration applied');
  return results;
}

/**
 * COMMIT can still fail (a deferred constraint): the last file is blamed and everything is rolled
 * back. An error reported around COMMIT (a cancel held while it flushed) may still follow a commit:
 * the database then shows the last file's row, and the group is applied.
 */
async function commit(files: MigrationFile[], results: ApplyResult[], options: ApplyOptions): Promise<void> {
  const last = files[files.length - 1]!;
  const started = performance.now();
  try {
    await cancellable(options, () => options.session.client.query('COMMIT'));
  } catch (err) {
    if (await committedAnyway(last, options)) {
      options.log.warn({ event: 'group.committed', err: { message: (err as Error).message } }, 'an error came after the transaction had committed: every file in it is applied and recorded');
      return;
    }
    throw await groupFailure(last, err, performance.now() - started, results.length - 1, options, options.log.child({ file: last.name }));
  }
}

async function groupFailure(file: MigrationFile, err: unknown, ms: number, before: number, options: ApplyOptions, log: Logger): Promise<Error> {
  const failure = err instanceof FileFailure ? err : toFailure(file, err, NO_TEXT, 0, options);
  if (before > 0) log.warn({ event: 'group.rolled_back', rolledBack: before }, `the ${before} migration(s) before it in this transaction were rolled back too`);
  const record = () => fail(file, failure, Math.round(ms), [], options, log);
  if (failure.sqlstate === '55P03' && options.lockTimeoutSet && !failure.interrupted) return new GroupLockTimeout(record, log);
  return record();
}
