// Applying files in order. Each file and its history row commit together (one round trip: BEGIN,
// the file, the row, COMMIT, and the session reset travel as one batch; a file over 4 MiB goes in
// parts of about 64 KiB, read from disk as they are sent), or — for no-transaction files — run
// statement by statement between a start marker and the final row.
import type pg from 'pg';
import { sleep, throwIfAborted } from './abort.js';
import type { ConnectionSettings } from './config/types.js';
import { cancelRunningQuery } from './session/cancel.js';
import { connectionLost } from './session/failure.js';
import type { Session } from './session/session.js';
import { InterruptedError, MigrationFailedError, MigratorError, PlanRejectedError, SourceError } from './errors.js';
import { appliedRowSql, isDuplicateRow, isRecordedApplied, markStarted, recordApplied, recordFailure, recordUnfinished, type HistoryTable } from './history.js';
import { isLockLost, lockHeld, lockHeldCheckSql, type MigrationLock } from './lock.js';
import type { Logger } from './logger.js';
import { describeQueryError, formatQueryError, type PgErrorLike } from './pg-errors.js';
import { completedStatements, rollBackUnlessIdle } from './query-state.js';
import { blank, changesSessionOnly } from './statements.js';
import type { ApplyResult, MigrationFile, SqlPart, Statement, TransactionMode } from './types.js';

export interface ApplyOptions {
  session: Session;
  table: HistoryTable;
  connection: ConnectionSettings;
  log: Logger;
  signal: AbortSignal;
  /** Who runs (application_name), noted in a no-transaction file's start marker. */
  runner: string;
  /** MIGRATION_LOCK_TIMEOUT is set: a file that hits it (55P03) is retried. */
  lockTimeoutSet: boolean;
  /** @default 3 */
  lockRetries: number;
  /** The migration lock this session holds: each file checks it is still held before it commits. */
  lock: MigrationLock;
}

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

export async function applyFiles(files: MigrationFile[], options: ApplyOptions): Promise<ApplyResult[]> {
  refuseLockBreakers(files);
  const results: ApplyResult[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    const log = options.log.child({ file: file.name });
    log.info({ event: 'migration.start', mode: file.mode, reason: file.modeReason, checksum: file.checksum }, 'applying migration');
    if (file.partialRisk) log.warn({ event: 'migration.partial_risk', reason: file.modeReason }, 'runs statement by statement outside a transaction: a failure halfway leaves it partly applied');
    const started = performance.now();
    try {
      const mode = await applyWithRetries(file, options, log);
      const durationMs = Math.round(performance.now() - started);
      results.push({ name: file.name, status: 'applied', mode, durationMs, checksum: file.checksum });
      log.info({ event: 'migration.applied', mode, durationMs, checksum: file.checksum }, 'migration applied');
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      throw await fail(file, err, durationMs, results, options, log);
    }
  }
  return results;
}

export async function fail(file: MigrationFile, err: unknown, durationMs: number, results: ApplyResult[], options: ApplyOptions, log: Logger): Promise<Error> {
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

/** Backoff before retrying after MIGRATION_LOCK_TIMEOUT: 1 s doubling to 30 s, jittered 50–100%. */
export function lockRetryDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

async function applyWithRetries(file: MigrationFile, options: ApplyOptions, log: Logger): Promise<TransactionMode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(file, options, log);
    } catch (err) {
      // Safe to retry only when nothing of the file took effect.
      const retryable = err instanceof FileFailure && err.sqlstate === '55P03' && options.lockTimeoutSet && !err.partial;
      if (!retryable || attempt > options.lockRetries) throw err;
      const delayMs = lockRetryDelay(attempt);
      log.warn({ event: 'migration.lock_timeout', attempt, nextDelayMs: Math.round(delayMs) }, 'a lock was not granted within MIGRATION_LOCK_TIMEOUT; rolled back, retrying');
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
 * Whether running the file statement by statement cures `f`: a top-level statement PostgreSQL refuses
 * in a transaction block (25001 from PreventInTransactionBlock, raised by no function: no CONTEXT); a
 * top-level CALL or DO whose procedure commits (2D000); an enum value used in the transaction that
 * added it (55P04). Anything else would fail again outside a transaction, after the statements before
 * it had committed: the clean rollback is kept instead.
 */
function curedOutsideTransaction(f: FileFailure): boolean {
  const e = f.cause as PgErrorLike | undefined;
  if (f.sqlstate === '55P04') return true;
  if (f.sqlstate === '25001') return !e?.where && /cannot run inside a transaction block$/.test(e?.message ?? '');
  if (f.sqlstate === '2D000') return f.statement !== undefined && /^(call|do)\b/i.test(f.statement.text);
  return false;
}

/**
 * The file, the lock check, its history row and COMMIT in one batch, then the session reset. Returns
 * the error of a batch that failed after its COMMIT (the file is applied), else undefined.
 */
async function runInTransaction(file: MigrationFile, options: ApplyOptions): Promise<FileFailure | undefined> {
  const { client } = options.session;
  const wrapped = file.mode === 'wrapped';
  try {
    await sendParts(file, options, {
      before: wrapped ? '' : 'BEGIN;\n',
      after: `${lockHeldCheckSql(options.lock)};\n${appliedRowSql(client, options.table, file)};\nCOMMIT;\n${options.session.resetSql}`,
      // The file's own COMMIT would commit before the history row: the row commits with it instead.
      blank: wrapped ? [file.statementCount - 1] : [],
    });
    return undefined;
  } catch (err) {
    if (await committedAnyway(file, options)) return err as FileFailure;
    throw err;
  }
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

/** What travels with a file's text when it is sent in a transaction. */
export interface Envelope {
  /** Sent with the first part, in the same query: `BEGIN;\n`, or nothing. */
  before: string;
  /** Sent with the last part, in the same query: the history row, COMMIT, the session reset. */
  after: string;
  /** Statements (by their index in the file) sent as spaces: a wrapper's own BEGIN or COMMIT. */
  blank: number[];
}

/**
 * Sends a file's text part by part, `before` with the first part and `after` with the last: a file of
 * one part is one query, one round trip. A large file's parts are read from disk as they are sent,
 * one ahead. Throws FileFailure; the caller rolls back.
 */
export async function sendParts(file: MigrationFile, options: ApplyOptions, envelope: Envelope): Promise<void> {
  const { client } = options.session;
  const completed = completedStatements(client);
  let lead = envelope.before;
  const send = async (part: SqlPart, tail: string): Promise<void> => {
    const text = blankStatements(part, envelope.blank);
    const before = completed();
    try {
      // A signal between two parts of a large file: no query is running to cancel.
      throwIfAborted(options.signal);
      await cancellable(options, () => client.query(`${lead}${text}${tail}`));
    } catch (err) {
      const failing = failingStatement(part, envelope.blank, completed() - before - (lead ? 1 : 0));
      throw toFailure(file, err, { ...part, text }, -lead.length, options, undefined, failing);
    }
    lead = '';
  };
  let held: SqlPart | undefined;
  try {
    for (const part of file.parts()) {
      if (held) await send(held, '');
      held = part;
    }
  } catch (err) {
    throw err instanceof FileFailure ? err : toFailure(file, err, NO_TEXT, 0, options);
  }
  await send(held ?? { ...NO_TEXT, statements: [], index: 0 }, `\n;\n${envelope.after}`);
}

/**
 * The statement of `part` that a failed query was running, from how many statements of the part the
 * server had completed (blanked statements send nothing); undefined when the failure came after the
 * part's statements (our own SQL: the lock check, the history row, COMMIT).
 */
function failingStatement(part: SqlPart, blanked: number[], done: number): Statement | undefined {
  if (done < 0) return undefined;
  let n = 0;
  for (const [i, st] of part.statements.entries()) {
    if (blanked.includes(part.index + i)) continue;
    if (n === done) return st;
    n += 1;
  }
  return undefined;
}

/** The part's text with the statements numbered `indices` (in the file) replaced by spaces. */
function blankStatements(part: SqlPart, indices: number[]): string {
  let text = part.text;
  for (const i of indices) {
    const statement = part.statements[i - part.index];
    if (statement) text = blank(text, statement);
  }
  return text;
}

/** For a failure that no text of the file caused (the file could not be read again, COMMIT). */
export const NO_TEXT: Source = { text: '', line: 1, lead: '' };

/** Text a failure may point into: the file, or a part of it (see SqlPart). */
type Source = Pick<SqlPart, 'text' | 'line' | 'lead'>;

async function runStatements(file: MigrationFile, options: ApplyOptions): Promise<void> {
  const { client } = options.session;
  const started = performance.now();
  if ((await markStarted(client, options.table, file, options.runner)) === 'alreadyApplied') throw appliedMeanwhile(file);
  const progress: Progress = { statementCount: file.statementCount, done: 0 };
  try {
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

const LOCK_LOST_REASON =
  'the migration lock was released while it ran (pg_advisory_unlock_all(), DISCARD ALL or pg_advisory_unlock() with pgshift\'s key, in the file or a function it calls), so another runner may have applied the same file';

/** The file's success row appeared while this run held the lock: the lock was bypassed. */
function appliedMeanwhile(file: MigrationFile): FileFailure {
  return new FileFailure(
    `${file.name}: another runner recorded it as applied while this run was about to apply it: the migration lock was bypassed (runners on different history tables for one schema, or a lock released mid-run); this run did not apply it`,
    undefined,
    false,
    { cause: undefined },
  );
}

async function runPart(file: MigrationFile, part: SqlPart, options: ApplyOptions, progress: Progress): Promise<void> {
  const { client } = options.session;
  for (const statement of part.statements) {
    try {
      throwIfAborted(options.signal);
      await runStatement(statement.text, options);
    } catch (err) {
      await rollBackUnlessIdle(client);
      throw toFailure(file, err, part, statement.start, options, progress, statement);
    }
    if (tookEffect(client, statement.text)) progress.done += 1;
  }
}

const CONCURRENTLY = /\bconcurrently\b/i;

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
 * transactions under the same lock_timeout, so it runs without one.
 */
async function runStatement(text: string, options: ApplyOptions): Promise<void> {
  const { client } = options.session;
  const lift = options.lockTimeoutSet && CONCURRENTLY.test(text);
  if (lift) await client.query('SET lock_timeout = 0');
  await cancellable(options, () => client.query(text));
  if (lift) await client.query('RESET lock_timeout');
}

/** Runs `fn`; if SIGTERM/SIGINT arrives meanwhile, asks the server to cancel the statement. */
export async function cancellable<T>(options: Pick<ApplyOptions, 'session' | 'connection' | 'signal'>, fn: () => Promise<T>): Promise<T> {
  const onAbort = () => void cancelRunningQuery(options.session, options.connection);
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn();
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

/** How far a no-transaction file got: statements that took effect (a failure after one leaves the file partly applied). */
export interface Progress {
  statementCount: number;
  done: number;
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
  if (isLockLost(err)) return `${file.name}: ${LOCK_LOST_REASON}; the file was rolled back, so it did not run twice: remove the call that releases the lock`;
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

/** INVALID indexes (a failed or interrupted CREATE INDEX CONCURRENTLY leaves one behind). */
export async function invalidIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

export function leftoverAdvice(indexes: string[]): string {
  return indexes.map((name) => `INVALID index left behind: ${name}; remove it with: DROP INDEX CONCURRENTLY IF EXISTS ${name};`).join('\n');
}

function withLeftovers(f: FileFailure, indexes: string[]): FileFailure {
  return new FileFailure(`${f.message}\n${leftoverAdvice(indexes)}`, f.sqlstate, f.interrupted, { cause: f.cause, partial: f.partial });
}

/**
 * INVALID indexes this file's CONCURRENTLY statements name (a build that failed, now or in an earlier
 * run). The database is asked first: the file is read again (a large one from disk) only if it has any.
 */
async function leftoverIndexes(client: pg.Client, file: MigrationFile): Promise<string[]> {
  const invalid = await invalidIndexes(client);
  if (invalid.length === 0) return [];
  const names: string[] = [];
  for (const part of file.parts()) for (const st of part.statements) if (CONCURRENTLY.test(st.text)) names.push(...indexNamesIn(st.text));
  if (names.length === 0) return [];
  return invalidAmong(client, names);
}

/**
 * The index names a CONCURRENTLY statement builds or rebuilds, as written (maybe schema-qualified,
 * maybe quoted): `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name`, `REINDEX INDEX
 * CONCURRENTLY name`. PostgreSQL resolves them (to_regclass, with the session's search_path), so a
 * name is compared as the identifier it is, never as a substring of another.
 */
export function indexNamesIn(statement: string): string[] {
  const m = /^\s*(?:create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?|reindex\s+(?:\([^)]*\)\s*)?index\s+concurrently\s+)((?:"(?:[^"]|"")+"|[^\s("]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[^\s("]+))?)/i.exec(statement);
  return m ? [m[1]!.replace(/\s*\.\s*/, '.')] : [];
}

/** Of `names` (as written in SQL), the INVALID indexes, schema-qualified. */
async function invalidAmong(client: pg.Client, names: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT DISTINCT format('%I.%I', n.nspname, c.relname) AS name
       FROM unnest($1::text[]) AS w(name)
       JOIN pg_class c ON c.oid = to_regclass(w.name)
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_index i ON i.indexrelid = c.oid
      WHERE NOT i.indisvalid ORDER BY 1`,
    [names],
  );
  return rows.map((r) => r.name);
}
