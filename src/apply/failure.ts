// What went wrong in a file, said so a person can act on it, and recorded in the history: a failed
// row (retried next run), an unfinished one (a no-transaction file that stopped partway: refused
// until repaired), or nothing when the session is gone or the file committed after all.
import { connectionLost } from '../session/failure.js';
import { InterruptedError, MigrationFailedError, MigratorError, SourceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeQueryError, formatQueryError, type PgErrorLike } from '../pg-errors.js';
import type { ApplyResult, MigrationFile, SqlPart, Statement } from '../types.js';
import { isDuplicateRow, isRecordedApplied, recordFailure, recordUnfinished } from './history-rows.js';
import type { ApplyOptions } from './options.js';
import { isLockLost } from './lock.js';
import { rollBackUnlessIdle } from './query-state.js';

/** A failure inside one file, with what to record and report. */
export class FileFailure extends Error {
  /** Statements of a no-transaction file had already taken effect: the file is partly applied. */
  readonly partial: boolean;
  /** The file's statement that failed, when known (undefined: our own SQL around it, or COMMIT). */
  readonly statement: Statement | undefined;
  constructor(
    message: string,
    readonly sqlstate: string | undefined,
    readonly interrupted: boolean,
    options: { cause: unknown; partial?: boolean; statement?: Statement },
  ) {
    super(message, options);
    this.partial = options.partial ?? false;
    this.statement = options.statement;
  }
}

/** How far a no-transaction file got: statements that took effect (a failure after one leaves the file partly applied). */
export interface Progress {
  statementCount: number;
  done: number;
}

/** Text a failure may point into: the file, or a part of it (see SqlPart). */
export type Source = Pick<SqlPart, 'text' | 'line' | 'lead'>;

/** For a failure that no text of the file caused (the file could not be read again, COMMIT). */
export const NO_TEXT: Source = { text: '', line: 1, lead: '' };

export const LOCK_LOST_REASON =
  'the migration lock was released while it ran (pg_advisory_unlock_all(), DISCARD ALL or pg_advisory_unlock() with pgshift\'s key, in the file or a function it calls), so another runner may have applied the same file';

/**
 * Records `err` (a FileFailure of `file`) and returns the error the run ends with. Anything else is
 * returned as it is: nothing of the file is known to have run.
 */
export async function recordFailed(file: MigrationFile, err: unknown, durationMs: number, results: ApplyResult[], options: ApplyOptions, log: Logger): Promise<Error> {
  if (!(err instanceof FileFailure)) return err as Error;
  // The session is gone: nothing can be recorded, and running again later heals it (exit 4, not 1).
  const lost = err.interrupted ? undefined : connectionLost(err.cause, `applying ${file.name}`);
  if (lost) {
    log.error({ event: 'migration.connection_lost', durationMs, err: { message: lost.message } }, 'lost the database connection during the migration');
    return lost;
  }
  const failed: ApplyResult = { name: file.name, status: 'failed', mode: file.mode, durationMs, checksum: file.checksum, error: err.message };
  // A partly applied file must not be re-run blindly from its first statement: it stays unfinished
  // (the next run refuses with the remedy) instead of failed (retried).
  const record = err.partial ? recordUnfinished : recordFailure;
  const written = await record(options.session.client, options.table, file, err.message, durationMs).catch((e: unknown) => {
    log.error({ event: 'history.write.failed', err: e }, 'could not record the failure in the history table');
    return 'notWritten' as const;
  });
  if (written === 'alreadyApplied') {
    log.error({ event: 'migration.recorded_applied', durationMs }, 'the failure was not recorded: the history shows this file applied (it committed before the error); it will not run again');
  }
  if (err.interrupted && options.signal.reason instanceof InterruptedError) {
    log.warn({ event: 'migration.interrupted', durationMs, partial: err.partial }, err.partial ? 'migration interrupted; the statements before the interrupted one stay applied: recorded as unfinished' : 'migration interrupted and rolled back');
    return options.signal.reason;
  }
  // A file that changed on disk while it was sent: rolled back, and a problem of the folder (exit 6).
  if (err.cause instanceof SourceError) return err.cause;
  log.error({ event: 'migration.failed', durationMs, sqlstate: err.sqlstate, line: err.statement?.line, err: { message: err.message } }, 'migration failed');
  return new MigrationFailedError(`${file.name} failed:\n${err.message}`, results, failed, { cause: err.cause, recorded: written === 'written' });
}

/**
 * After a failed batch: whether the file committed all the same. Still in the transaction, it did not
 * (rolled back here). Idle, either COMMIT itself failed, or a statement after it did — a cancel that
 * reached the server during COMMIT fires in the session reset — and only the database can tell which:
 * the file's success row is there exactly when its transaction committed. The reset then runs again.
 */
export async function committedAnyway(file: MigrationFile, options: ApplyOptions): Promise<boolean> {
  const { client } = options.session;
  if (!(await rollBackUnlessIdle(client))) return false;
  const applied = await isRecordedApplied(client, options.table, file).catch(() => false);
  if (applied) await client.query(options.session.resetSql);
  return applied;
}

/**
 * Whether running the file statement by statement cures `f`: a top-level statement PostgreSQL refuses
 * in a transaction block (25001 from PreventInTransactionBlock, raised by no function: no CONTEXT); a
 * top-level CALL or DO whose procedure commits (2D000); an enum value used in the transaction that
 * added it (55P04). Anything else would fail again outside a transaction, after the statements before
 * it had committed: the clean rollback is kept instead.
 */
export function curedOutsideTransaction(f: FileFailure): boolean {
  const e = f.cause as PgErrorLike | undefined;
  if (f.sqlstate === '55P04') return true;
  if (f.sqlstate === '25001') return !e?.where && /cannot run inside a transaction block$/.test(e?.message ?? '');
  if (f.sqlstate === '2D000') return f.statement !== undefined && /^(call|do)\b/i.test(f.statement.text);
  return false;
}

/** MIGRATION_LOCK_TIMEOUT (55P03) rolled back everything of the attempt: safe to run it again. */
export function lockTimedOut(f: FileFailure, options: ApplyOptions): boolean {
  return f.sqlstate === '55P03' && options.lockTimeoutMs !== undefined && !f.partial && !f.interrupted;
}

/** The file's success row appeared while this run held the lock: the lock was bypassed. */
export function appliedMeanwhile(file: MigrationFile): FileFailure {
  return new FileFailure(
    `${file.name}: another runner recorded it as applied while this run was about to apply it: the migration lock was bypassed (runners on different history tables for one schema, or a lock released mid-run); this run did not apply it`,
    undefined,
    false,
    { cause: undefined },
  );
}

/**
 * The failure to record and report for `err`, raised by text sent from `source` (the file or a part
 * of it, whose first line is the file's line `source.line`) starting at offset `base`.
 */
export function toFailure(file: MigrationFile, err: unknown, source: Source, base: number, options: ApplyOptions, progress?: Progress, statement?: Statement): FileFailure {
  const partial = (progress?.done ?? 0) > 0;
  const where = partial ? `\n${progress?.done} of ${progress?.statementCount} statements had taken effect before this one` : '';
  // The file changed on disk, or could not be read again, while it was applied.
  if (err instanceof SourceError) return new FileFailure(`${err.message}${where}`, undefined, false, { cause: err, partial });
  if (err instanceof MigratorError) return new FileFailure(`${err.message}${where}`, undefined, true, { cause: err, partial });
  const e = err as PgErrorLike;
  const interrupted = options.signal.aborted;
  const ours = ourFailure(file, err, options, statement);
  if (ours && !interrupted) return new FileFailure(`${ours}${where}`, e.code, false, { cause: err, partial });
  const report = describeQueryError(e, source.text, base, source, options.session.positionsInBytes, statement);
  if (e.code === '25001' && file.mode === 'no-transaction') {
    report.hint = 'the file already runs statement by statement; remove the BEGIN … COMMIT around this statement: it cannot run inside a transaction block';
  }
  const text = interrupted ? `interrupted by ${signalName(options)}: ${e.message}` : formatQueryError(file.name, report);
  return new FileFailure(`${text}${where}`, e.code, interrupted, { cause: err, partial, ...(statement ? { statement } : {}) });
}

/** A failure of the SQL pgshift adds around a file (lock check, history row), said in its own words. */
function ourFailure(file: MigrationFile, err: unknown, options: ApplyOptions, statement: Statement | undefined): string | undefined {
  if (isLockLost(err)) {
    // In the one transaction the lock is checked once, before COMMIT: any of its files may have released it.
    if (options.singleTransaction) return `--single-transaction: ${LOCK_LOST_REASON}; every file of the transaction was rolled back, so none ran twice: remove the call that releases the lock`;
    return `${file.name}: ${LOCK_LOST_REASON}; the file was rolled back, so it did not run twice: remove the call that releases the lock`;
  }
  if (isDuplicateRow(err, options.table)) {
    return `${file.name}: another runner applied it while this run was applying it too: the migration lock was bypassed; this run's transaction was rolled back, so the file ran once (check how two runners got past the lock: DISCARD ALL or pg_advisory_unlock_all() in a migration, or a pooler in transaction mode)`;
  }
  const code = (err as PgErrorLike).code;
  if (code === '25006' && statement === undefined && file.mode === 'wrapped') {
    return `${file.name}: its own BEGIN opens a READ ONLY transaction, in which its history row cannot be written; the file was rolled back: remove READ ONLY from its BEGIN (a migration writes)`;
  }
  return undefined;
}

function signalName(options: ApplyOptions): string {
  return options.signal.reason instanceof InterruptedError ? options.signal.reason.signal : 'signal';
}
