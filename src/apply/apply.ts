// Applying files in order. Each file and its history row commit together in one batch (BEGIN, the
// file, the lock check, the row, COMMIT: one round trip; a file over 4 MiB goes in parts of about
// 64 KiB, read from disk as they are sent) — or, for no-transaction files, statement by statement
// between a start marker and the final row. With `singleTransaction`, every file and its row in one
// transaction instead (Flyway's "group"), so a release's migrations land together or not at all.
import { sleep, throwIfAborted } from '../abort.js';
import { PlanRejectedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ApplyResult, MigrationFile, TransactionMode } from '../types.js';
import { committedAnyway, curedOutsideTransaction, FileFailure, lockTimedOut, NO_TEXT, recordFailed, toFailure } from './failure.js';
import { appliedRowSql } from './history-rows.js';
import { lockHeldCheckSql } from './lock.js';
import { runStatements } from './no-transaction.js';
import { localLockTimeout, type ApplyOptions } from './options.js';
import { cancellable, sendParts } from './send.js';

export type { ApplyOptions } from './options.js';

/** Applies `files` in order; throws the failure (recorded in the history) of the first that fails. */
export async function applyFiles(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  refuseLockBreakers(files);
  if (!options.singleTransaction) return applyEach(files, options);
  refuseNoTransaction(files);
  return files.length ? applyGroup(files, options) : [];
}

async function applyEach(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    const log = options.log.child({ file: file.name });
    log.info({ event: 'migration.start', mode: file.mode, reason: file.modeReason, checksum: file.checksum }, 'applying migration');
    if (file.partialRisk) log.warn({ event: 'migration.partial_risk', reason: file.modeReason }, 'runs statement by statement outside a transaction: a failure halfway leaves it partly applied');
    const started = performance.now();
    try {
      const mode = await retryingLockTimeouts(() => applyOnce(file, options, log), options, log, 'rolled back');
      const durationMs = Math.round(performance.now() - started);
      results.push({ name: file.name, status: 'applied', mode, durationMs, checksum: file.checksum });
      log.info({ event: 'migration.applied', mode, durationMs, checksum: file.checksum }, 'migration applied');
    } catch (err) {
      throw await recordFailed(file, err, Math.round(performance.now() - started), results, options, log);
    }
  }
  return results;
}

/**
 * Statements that would release the migration lock mid-run (another runner could then apply the same
 * files): refused before anything runs. A function that does it out of sight is caught before COMMIT
 * (lockHeldCheckSql) or, in a no-transaction file, before its history row.
 */
function refuseLockBreakers(files: MigrationFile[]): void {
  const problems: string[] = [];
  for (const file of files) {
    for (const part of file.parts()) {
      for (const st of part.statements) {
        const found = LOCK_BREAKERS.exec(st.text)?.[0];
        if (found) problems.push(`${file.name}:${st.line}: ${found.replace(/\s+/g, ' ').toUpperCase()} would release pgshift's migration lock while it runs, so another runner could apply the same files; remove it (a session-level advisory lock of your own can be released with pg_advisory_unlock(key))`);
      }
    }
  }
  if (problems.length) throw new PlanRejectedError(problems);
}

const LOCK_BREAKERS = /^\s*discard\s+all\b|\bpg_advisory_unlock_all\b/i;

/** A no-transaction file cannot join the one transaction; exit 6 before BEGIN, naming the file and why. */
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

/** Backoff before retrying after MIGRATION_LOCK_TIMEOUT: 1 s doubling to 30 s, jittered 50–100%. */
function lockRetryDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

/**
 * Runs `attempt` — a file, or the one transaction — again when MIGRATION_LOCK_TIMEOUT ended it and it
 * was rolled back whole (lockTimedOut), up to MIGRATION_LOCK_RETRIES times, with backoff. Not
 * p-retry: it throws the abort reason even after an attempt that succeeded, which would report an
 * applied file as interrupted.
 */
async function retryingLockTimeouts<T>(attempt: () => Promise<T>, options: ApplyOptions, fileLog: Logger, what: string): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const failure = err instanceof GroupFailure ? err.failure : err;
      if (!(failure instanceof FileFailure && lockTimedOut(failure, options)) || n > options.lockRetries) throw err;
      const delayMs = lockRetryDelay(n);
      const log = err instanceof GroupFailure ? err.log : fileLog;
      log.warn({ event: 'migration.lock_timeout', attempt: n, nextDelayMs: Math.round(delayMs) }, `a lock was not granted within MIGRATION_LOCK_TIMEOUT; ${what}, retrying`);
      await sleep(delayMs, options.signal);
      throwIfAborted(options.signal);
    }
  }
}

async function applyOnce(file: MigrationFile, options: ApplyOptions, log: Logger): Promise<TransactionMode> {
  if (file.mode === 'no-transaction') {
    await runStatements(file, options);
    return 'no-transaction';
  }
  try {
    const late = await runInTransaction(file, options);
    if (late) log.warn({ event: 'migration.committed', err: { message: late.message } }, 'an error came after the file had committed (a cancel or the session reset): the file is applied and recorded');
    return file.mode;
  } catch (err) {
    // The file was rolled back whole, so running it statement by statement — as psql would — is
    // safe when that is what cures the failure.
    if (file.mode === 'transaction' && err instanceof FileFailure && curedOutsideTransaction(err)) {
      log.warn({ event: 'migration.mode.fallback', sqlstate: err.sqlstate, line: err.statement?.line }, 'rolled back; running the file statement by statement outside a transaction, as psql would');
      await runStatements(file, options);
      return 'no-transaction';
    }
    throw err;
  }
}

/**
 * The file, the lock check, its history row and COMMIT in one batch. A wrapped file's own BEGIN opens
 * the transaction: MIGRATION_LOCK_TIMEOUT's SET LOCAL before it runs in the query's implicit
 * transaction, which that BEGIN turns into the file's. Returns the error of a batch that failed after
 * its COMMIT (the file is applied), else undefined.
 */
async function runInTransaction(file: MigrationFile, options: ApplyOptions): Promise<FileFailure | undefined> {
  const wrapped = file.mode === 'wrapped';
  try {
    await sendParts(file, options, {
      before: [...(wrapped ? [] : ['BEGIN']), ...localLockTimeout(options)],
      after: [lockHeldCheckSql(options.lock), appliedRowSql(options.session.client, options.table, file), 'COMMIT'],
      reset: [options.session.resetSql],
      // The file's own COMMIT would commit before the history row: the row commits with it instead.
      blank: wrapped ? [file.statementCount - 1] : [],
    });
    return undefined;
  } catch (err) {
    if (await committedAnyway(file, options)) return err as FileFailure;
    throw err;
  }
}

/** A file's failure inside the one transaction, kept until the group is retried or the failure recorded. */
class GroupFailure extends Error {
  constructor(
    readonly file: MigrationFile,
    readonly failure: FileFailure,
    readonly durationMs: number,
    readonly log: Logger,
  ) {
    super(failure.message);
  }
}

/** Every file in one transaction; on a failure nothing stays applied and the failure is recorded. */
async function applyGroup(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  try {
    return await retryingLockTimeouts(() => runGroup(files, options), options, options.log, 'the whole transaction was rolled back');
  } catch (err) {
    if (!(err instanceof GroupFailure)) throw err;
    throw await recordFailed(err.file, err.failure, err.durationMs, [], options, err.log);
  }
}

async function runGroup(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  const { client } = options.session;
  const results: ApplyResult[] = [];
  options.log.info({ event: 'group.start', files: files.length }, 'applying all pending migrations in one transaction');
  await client.query(['BEGIN', ...localLockTimeout(options)].join(';\n'));
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
        before: [],
        // The lock is checked once, before COMMIT: nothing of the group is visible before then.
        after: [appliedRowSql(client, options.table, file)],
        // The reset's RESET ALL also ends MIGRATION_LOCK_TIMEOUT's SET LOCAL: it is set again.
        reset: [options.session.resetSql, ...localLockTimeout(options)],
        // Inside the group a wrapper's own BEGIN would only warn, and its COMMIT would end the group.
        blank: file.mode === 'wrapped' ? [0, file.statementCount - 1] : [],
      });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw groupFailure(file, err, performance.now() - started, results.length, options, log);
    }
    results.push({ name: file.name, status: 'applied', mode: file.mode, durationMs: Math.round(performance.now() - started), checksum: file.checksum });
  }
  await commit(files, results, options);
  for (const r of results) options.log.child({ file: r.name }).info({ event: 'migration.applied', mode: r.mode, durationMs: r.durationMs, checksum: r.checksum }, 'migration applied');
  return results;
}

/**
 * The lock check and COMMIT, in one query. COMMIT can still fail (a deferred constraint): the last
 * file is blamed and everything is rolled back. An error reported around COMMIT (a cancel held while
 * it flushed) may still follow a commit: the database then shows the last file's row, and the group
 * is applied.
 */
async function commit(files: MigrationFile[], results: ApplyResult[], options: ApplyOptions): Promise<void> {
  const last = files[files.length - 1]!;
  const started = performance.now();
  try {
    await cancellable(options, () => options.session.client.query(`${lockHeldCheckSql(options.lock)};\nCOMMIT`));
  } catch (err) {
    if (await committedAnyway(last, options)) {
      options.log.warn({ event: 'group.committed', err: { message: (err as Error).message } }, 'an error came after the transaction had committed: every file in it is applied and recorded');
      return;
    }
    throw groupFailure(last, err, performance.now() - started, results.length - 1, options, options.log.child({ file: last.name }));
  }
}

function groupFailure(file: MigrationFile, err: unknown, ms: number, before: number, options: ApplyOptions, log: Logger): GroupFailure {
  const failure = err instanceof FileFailure ? err : toFailure(file, err, NO_TEXT, 0, options);
  if (before > 0) log.warn({ event: 'group.rolled_back', rolledBack: before }, `the ${before} migration(s) before it in this transaction were rolled back too`);
  return new GroupFailure(file, failure, Math.round(ms), log);
}
