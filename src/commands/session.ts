// The steps every command that talks to the database shares: open the session, take the migration
// lock, open (or find) the history table. Order: connect → lock → ensure history table → read.
import { followSignal, throwIfAborted } from '../abort.js';
import { cancellable } from '../apply/send.js';
import { connect } from '../session/connect.js';
import { connectionLost } from '../session/failure.js';
import { closeSession, type Session } from '../session/session.js';
import { describeTarget } from '../session/target.js';
import { requireWritable } from '../session/writable.js';
import { ConnectError } from '../errors.js';
import { chooseHistory, findHistories } from '../detect.js';
import { historyTable, openHistory, type EnsureOutcome, type HistoryTable } from '../apply/history.js';
import { acquireLock, legacyLockKey, lockKey, releaseLock, withLock, type MigrationLock } from '../apply/lock.js';
import { checkContent, followSessionStrings, loadMigrations, type LoadResult } from '../source/load.js';
import type { HistoryRow, MigrationFile } from '../types.js';
import type { Context } from './context.js';

export async function readFiles(ctx: Context): Promise<MigrationFile[]> {
  return logLoaded(ctx, await loadMigrations(ctx.config.migrationsDir, { lex: 'now' }));
}

/**
 * withSession for commands that read every file: connecting starts first and the folder is read
 * while the session opens (as up() does); the files are lexed from the session's
 * standard_conforming_strings (a database or role may set it off). Content problems still win over
 * an unreachable database (exit 6, not 4).
 */
export async function withFilesAndSession<T>(ctx: Context, fn: (session: Session, files: MigrationFile[]) => Promise<T>): Promise<T> {
  const dir = ctx.config.migrationsDir;
  const run = abandonable(ctx);
  const opening = openSession(run.ctx);
  let files: MigrationFile[];
  try {
    files = logLoaded(ctx, await loadMigrations(dir, { lex: 'later' }));
  } catch (err) {
    // A folder that cannot be read stops the connecting at once.
    run.abandon(err);
    await opening.then(closeSession, () => undefined);
    throw err;
  }
  try {
    return await withSession(
      run.ctx,
      (session) => {
        followSessionStrings(files, session.standardConformingStrings);
        for (const w of checkContent(dir, files)) ctx.log.warn({ event: 'source.warning' }, w);
        return fn(session, files);
      },
      opening,
    );
  } catch (err) {
    if (err instanceof ConnectError) checkContent(dir, files);
    throw err;
  }
}

/** `ctx` with a signal that also aborts when abandon() is called (SIGTERM/SIGINT still abort it too). */
export function abandonable(ctx: Context): { ctx: Context; abandon(reason: unknown): void } {
  const { controller } = followSignal(ctx.signal);
  return { ctx: { ...ctx, signal: controller.signal }, abandon: (reason) => controller.abort(reason) };
}

export function logLoaded(ctx: Context, { files, warnings, ignored }: LoadResult): MigrationFile[] {
  for (const w of warnings) ctx.log.warn({ event: 'source.warning' }, w);
  if (ignored.length) ctx.log.info({ event: 'source.ignored', count: ignored.length }, `ignoring ${ignored.length} .down.sql file(s): pgshift applies forward only`);
  if (files.length === 0) ctx.log.warn({ event: 'source.empty', dir: ctx.config.migrationsDir }, 'no migration files found');
  return files;
}

/** Says where it connects, then starts connecting (the session is withSession's to close). */
export function openSession(ctx: Context): Promise<Session> {
  const c = ctx.config.connection;
  ctx.log.info(
    { event: 'config', source: c.source, host: c.host, port: c.port, database: c.database, user: c.user, sslmode: c.sslmode, passwordFile: c.passwordFile, migrationsDir: ctx.config.migrationsDir, table: `${ctx.config.schema}.${ctx.config.table}` },
    `connecting to ${describeTarget(c)} (from ${c.source})`,
  );
  for (const w of c.warnings) ctx.log.warn({ event: 'config.warning' }, w);
  if (c.ignored.length) ctx.log.warn({ event: 'config.ignored', ignored: c.ignored.join(',') }, 'DATABASE_URL wins; ignoring the other connection variables that are set');
  return connect(ctx.config, ctx.log, ctx.signal);
}

/** Runs fn on a session (opened here, or the one `opening` is opening) and closes it whatever happens. */
export async function withSession<T>(ctx: Context, fn: (session: Session) => Promise<T>, opening: Promise<Session> = openSession(ctx)): Promise<T> {
  const session = await opening;
  ctx.log.debug({ event: 'db.connected', pid: session.pid, serverVersion: session.serverVersion }, 'connected');
  try {
    return await fn(session);
  } catch (err) {
    throw connectionLost(err, `running ${ctx.args.command}`) ?? err;
  } finally {
    closeSession(session);
  }
}

/**
 * Under the lock, with the history table in shape and its rows read (one query when it already is).
 * `create`: a missing table is created without looking for other histories (import is the command
 * that carries one over).
 */
export async function withMigrationLock<T>(ctx: Context, session: Session, fn: (t: HistoryTable, rows: HistoryRow[], lock: MigrationLock) => Promise<T>, create = false): Promise<T> {
  requireWritable(session, ctx.config);
  const t = historyTable(session.client, ctx.config.schema, ctx.config.table);
  const lock = migrationLock(ctx, ctx.config.schema, ctx.config.table);
  return withLock(session.client, lock, { timeoutMs: ctx.config.lockTimeoutMs, signal: ctx.signal, log: ctx.log, name: lock.key.toString() }, async () => {
    const taken: MigrationLock[] = [];
    try {
      const whenMissing = create ? undefined : (missing: HistoryTable) => historyInstead(ctx, session, missing, taken);
      // A read that waits for a lock on the table is bounded by LOCK_TIMEOUT and cancelled by SIGTERM.
      const opened = await cancellable({ session, connection: ctx.config.connection, signal: ctx.signal }, () => openHistory(session.client, t, ctx.config.lockTimeoutMs, whenMissing)).catch((err: unknown) => {
        throwIfAborted(ctx.signal);
        throw err;
      });
      logOpened(ctx, opened);
      if (opened.unnamed) ctx.log.warn({ event: 'history.unnamed_rows', table: opened.table.display, count: opened.unnamed }, `${opened.table.display} has ${opened.unnamed} row(s) without a filename; they name no file and are ignored (delete them to silence this)`);
      throwIfAborted(ctx.signal);
      return await fn(opened.table, opened.rows, lock);
    } finally {
      for (const l of taken) await releaseLock(session.client, l).catch((err: unknown) => ctx.log.warn({ event: 'lock.release.failed', err }, 'could not release the migration lock; it ends with the session'));
    }
  });
}

export function migrationLock(ctx: Context, schema: string, table: string): MigrationLock {
  return { key: lockKey(schema, table), legacyKey: legacyLockKey(ctx.config.connection.database, schema, table) };
}

/**
 * The configured table does not exist: the history found elsewhere, or the configured table to
 * create (detect.ts decides). A table used instead is also locked under its own keys, which are the
 * ones a runner naming it in MIGRATIONS_SCHEMA takes: two runners never apply into it at once.
 */
async function historyInstead(ctx: Context, session: Session, t: HistoryTable, taken: MigrationLock[]): Promise<HistoryTable> {
  const choice = chooseHistory(await findHistories(session.client), { display: t.display, history: ctx.config.history });
  if (choice.action === 'create') {
    for (const w of choice.warnings) ctx.log.warn({ event: 'history.new' }, w);
    return t;
  }
  const { schema, table } = choice.found;
  const lock = migrationLock(ctx, schema, table);
  // One "migration lock acquired" line per run: waiting for this one is still reported.
  await acquireLock(session.client, lock, { timeoutMs: ctx.config.lockTimeoutMs, signal: ctx.signal, log: ctx.log.child({}, { level: 'warn' }), name: lock.key.toString() });
  taken.push(lock);
  return historyTable(session.client, schema, table);
}

function logOpened(ctx: Context, opened: EnsureOutcome & { table: HistoryTable }): void {
  const t = opened.table;
  const added = 'addedColumns' in opened ? { addedColumns: opened.addedColumns.join(',') } : {};
  if (t.schema !== ctx.config.schema || t.table !== ctx.config.table) {
    ctx.log.info({ event: 'history.adopted', table: t.display, by: 'earlier-script', ...added }, `history table ${t.display} adopted (written by the earlier script)`);
  } else if (opened.status !== 'exists') {
    ctx.log.info({ event: `history.${opened.status}`, table: t.display, ...added }, `history table ${t.display} ${opened.status}`);
  }
}
