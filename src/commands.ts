// One function per command: the run as a list of named steps.
// Order for `up`: read files → connect → lock → ensure history table → plan → apply → unlock.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, throwIfAborted } from './abort.js';
import { applyFiles } from './apply/apply.js';
import { invalidIndexes, leftoverAdvice } from './apply/indexes.js';
import { cancellable } from './apply/send.js';
import type { CliArgs } from './cli.js';
import type { Config } from './config/types.js';
import { connect } from './session/connect.js';
import { connectionLost } from './session/failure.js';
import { closeSession, type Session } from './session/session.js';
import { applicationName } from './session/setup.js';
import { describeTarget } from './session/target.js';
import { requireWritable } from './session/writable.js';
import { ConfigError, ConnectError, EXIT, LockTimeoutError, MigrationFailedError, NotAppliedError, PlanRejectedError, SourceError } from './errors.js';
import { chooseHistory, findHistories, toolName, type Tool } from './detect.js';
import { findToolHistory, readerFor, rejectUnclean } from './import.js';
import { historyColumns, historyTable, openHistory, readHistory, type EnsureOutcome, type HistoryTable } from './apply/history.js';
import { acceptChecksum, deleteRow, recordApplied, recordImported, renameRow } from './apply/history-rows.js';
import { acquireLock, findHolder, legacyLockKey, lockKey, releaseLock, withLock, type MigrationLock } from './apply/lock.js';
import type { Logger, Output } from './logger.js';
import { runFleet } from './fleet/run.js';
import { buildPlan } from './plan.js';
import { planJson, renderJson, renderPlan, renderStatus, resultJson } from './report.js';
import { checkContent, followSessionStrings, loadMigrations, type LoadResult } from './source/load.js';
import { byName } from './source/names.js';
import type { ApplyResult, HistoryRow, MigrationFile, Plan, PlanEntry, Policy } from './types.js';
import { checksumVariants } from './source/variants.js';

export interface Context {
  config: Config;
  args: CliArgs;
  out: Output;
  log: Logger;
  signal: AbortSignal;
}

/** The one-line outcome (for TERMINATION_LOG) of a command that succeeded. */
export type Outcome = string;

export async function runCommand(ctx: Context): Promise<Outcome> {
  for (const w of ctx.config.warnings) ctx.log.warn({ event: 'config.warning' }, w);
  if (ctx.config.fleet) return runFleet(ctx, runCommand);
  switch (ctx.args.command) {
    case 'up':
      return up(ctx);
    case 'status':
      return status(ctx);
    case 'plan':
      return dryRun(ctx);
    case 'validate':
      return validate(ctx);
    case 'create':
      return create(ctx);
    case 'baseline':
      return baseline(ctx);
    case 'repair':
      return repair(ctx);
    case 'import':
      return importHistory(ctx);
    case 'wait':
      return waitOnly(ctx);
    case 'await':
      return awaitApplied(ctx);
    case 'lint':
      return (await import('./lint/command.js')).lint(ctx, (session, files) => readOnlyPlan(ctx, session, files));
    default:
      throw new Error(`no handler for ${ctx.args.command}`);
  }
}

// --- shared steps ------------------------------------------------------------------------------

async function readFiles(ctx: Context): Promise<MigrationFile[]> {
  return logLoaded(ctx, await loadMigrations(ctx.config.migrationsDir, { lex: 'now' }));
}

/**
 * withSession for commands that read every file: the files are lexed from the session's
 * standard_conforming_strings, as up() does (a database or role may set it off). Content problems
 * still win over an unreachable database (exit 6, not 4).
 */
async function withFilesAndSession<T>(ctx: Context, fn: (session: Session, files: MigrationFile[]) => Promise<T>): Promise<T> {
  const dir = ctx.config.migrationsDir;
  const files = logLoaded(ctx, await loadMigrations(dir));
  try {
    return await withSession(ctx, (session) => {
      followSessionStrings(files, session.standardConformingStrings);
      for (const w of checkContent(dir, files)) ctx.log.warn({ event: 'source.warning' }, w);
      return fn(session, files);
    });
  } catch (err) {
    if (err instanceof ConnectError) checkContent(dir, files);
    throw err;
  }
}

function logLoaded(ctx: Context, { files, warnings, ignored }: LoadResult): MigrationFile[] {
  for (const w of warnings) ctx.log.warn({ event: 'source.warning' }, w);
  if (ignored.length) ctx.log.info({ event: 'source.ignored', count: ignored.length }, `ignoring ${ignored.length} .down.sql file(s): pgshift applies forward only`);
  if (files.length === 0) ctx.log.warn({ event: 'source.empty', dir: ctx.config.migrationsDir }, 'no migration files found');
  return files;
}

function logTarget(ctx: Context): void {
  const c = ctx.config.connection;
  ctx.log.info(
    { event: 'config', source: c.source, host: c.host, port: c.port, database: c.database, user: c.user, sslmode: c.sslmode, passwordFile: c.passwordFile, migrationsDir: ctx.config.migrationsDir, table: `${ctx.config.schema}.${ctx.config.table}` },
    `connecting to ${describeTarget(c)} (from ${c.source})`,
  );
  for (const w of c.warnings) ctx.log.warn({ event: 'config.warning' }, w);
  if (c.ignored.length) ctx.log.warn({ event: 'config.ignored', ignored: c.ignored.join(',') }, 'DATABASE_URL wins; ignoring the other connection variables that are set');
}

async function withSession<T>(ctx: Context, fn: (session: Session) => Promise<T>): Promise<T> {
  logTarget(ctx);
  const session = await connect(ctx.config, ctx.log, ctx.signal);
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
async function withMigrationLock<T>(ctx: Context, session: Session, fn: (t: HistoryTable, rows: HistoryRow[], lock: MigrationLock) => Promise<T>, create = false): Promise<T> {
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

function migrationLock(ctx: Context, schema: string, table: string): MigrationLock {
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

/** Reads history without creating anything (status, plan, validate, await, repair --dry-run). */
async function readOnlyPlan(ctx: Context, session: Session, files: MigrationFile[], policy: Policy = policyOf(ctx, files)): Promise<Plan> {
  return enrich(session, planOf(files, await readOnlyRows(ctx, session), policy));
}

/** The history's rows, creating nothing; a history found elsewhere is read as `up` would use it. */
async function readOnlyRows(ctx: Context, session: Session): Promise<HistoryRow[]> {
  const configured = historyTable(session.client, ctx.config.schema, ctx.config.table);
  let t = configured;
  let columns = await historyColumns(session.client, t);
  if (!columns) {
    const choice = chooseHistory(await findHistories(session.client), { display: t.display, history: ctx.config.history });
    if (choice.action === 'use') {
      t = historyTable(session.client, choice.found.schema, choice.found.table);
      columns = await historyColumns(session.client, t);
      ctx.log.info({ event: 'history.found', table: t.display, by: 'earlier-script' }, `reading history table ${t.display} (written by the earlier script)`);
    }
  }
  return columns ? await readHistory(session.client, t, columns) : [];
}

function policyOf(ctx: Context, files: MigrationFile[]): Policy {
  const upTo = ctx.args.command === 'baseline' ? undefined : resolveTo(ctx, files);
  return upTo === undefined ? { strict: ctx.args.strict } : { strict: ctx.args.strict, upTo };
}

/**
 * The plan; for files whose recorded checksum matched neither of their own (modified, or a version
 * applied under another name), again with the other ways the same content may have been checksummed.
 * Those files are read once more from disk; a run where everything matches reads nothing.
 */
function planOf(files: MigrationFile[], rows: HistoryRow[], policy: Policy): Plan {
  const plan = buildPlan(files, rows, policy);
  const suspects = [...plan.modified, ...plan.conflicts.filter((e) => e.row?.checksum !== null)];
  if (suspects.length === 0) return plan;
  const variants = new Map(suspects.map((e) => [e.name, checksumVariants(e.file!)] as const).filter(([, v]) => v.length > 0));
  return variants.size ? buildPlan(files, rows, { ...policy, variants }) : plan;
}

/** `--to`: a file name or a version in the folder, as the file's name; exit 6 for one that is not there. */
function resolveTo(ctx: Context, files: MigrationFile[]): string | undefined {
  const to = ctx.args.to;
  if (to === undefined) return undefined;
  const file = files.find((f) => f.name === to) ?? files.find((f) => f.version === to);
  if (file) return file.name;
  const range = files.length ? `; its versions run from ${files[0]!.version} to ${files[files.length - 1]!.version}` : '';
  throw new SourceError(`--to ${to}: no file in ${ctx.config.migrationsDir} has that name or version${range}; see \`pgshift --list\``);
}

/** Adds what only the database can tell: INVALID indexes left behind by an unfinished file. */
async function enrich(session: Session, plan: Plan): Promise<Plan> {
  if (plan.unfinished.length === 0) return plan;
  const leftovers = await invalidIndexes(session.client);
  if (leftovers.length) plan.problems.push(leftoverAdvice(leftovers));
  return plan;
}

function printJson(ctx: Context, ok: boolean, data: Record<string, unknown>): void {
  if (ctx.args.format === 'json') ctx.out.print(renderJson(ctx.args.command, ok, data));
}

function logWarnings(ctx: Context, plan: Plan): void {
  for (const w of plan.warnings) ctx.log.warn({ event: 'plan.warning' }, w);
}

function rejectIfProblems(ctx: Context, plan: Plan): void {
  if (plan.problems.length === 0) return;
  for (const p of plan.problems) ctx.log.error({ event: 'plan.rejected' }, p);
  throw new PlanRejectedError(plan.problems, true);
}

// --- commands ----------------------------------------------------------------------------------

/**
 * `up` runs on every pod start, and usually nothing is pending (docs/PERFORMANCE.md). So connecting
 * starts first, and the folder is read while the session opens, the lock is taken and the history read
 * (the run waits for the slower of the two, not for both); files are lexed only once the plan shows
 * which are not applied as they are (checkNotApplied).
 */
async function up(ctx: Context): Promise<Outcome> {
  const run = abandonable(ctx);
  const folder: { files?: Promise<MigrationFile[]> } = {};
  const applying = withSession(run.ctx, (session) =>
    withMigrationLock(run.ctx, session, async (t, rows, lock) => {
      const files = await folder.files!;
      followSessionStrings(files, session.standardConformingStrings);
      const plan = await enrich(session, planOf(files, rows, policyOf(ctx, files)));
      checkNotApplied(ctx, files, plan);
      logWarnings(ctx, plan);
      if (plan.problems.length) printJson(ctx, false, { plan: planJson(plan) });
      rejectIfProblems(ctx, plan);
      if (ctx.config.lint !== 'off' && plan.toApply.length) await (await import('./lint/command.js')).lintBeforeUp(ctx, session, plan.toApply);
      return applyPlan(ctx, session, t, plan, lock);
    }),
  );
  // Started once the connection attempt is under way: the server's fork and the login overlap with it.
  const reading = (folder.files = loadMigrations(ctx.config.migrationsDir).then((loaded) => {
    const files = logLoaded(ctx, loaded);
    resolveTo(ctx, files);
    return files;
  }));
  // A folder that cannot be read stops the connecting (or the waiting for the lock) at once.
  reading.catch((err: unknown) => run.abandon(err));
  try {
    return await applying;
  } catch (err) {
    // As if the folder had been read and every file lexed before connecting: a folder that cannot be
    // applied (exit 6) wins over an unreachable database (4) or a lock held too long (5).
    const files = await reading;
    if (err instanceof ConnectError || err instanceof LockTimeoutError) checkContent(ctx.config.migrationsDir, files);
    throw err;
  }
}

/** `ctx` with a signal that also aborts when abandon() is called (SIGTERM/SIGINT still abort it too). */
function abandonable(ctx: Context): { ctx: Context; abandon(reason: unknown): void } {
  const controller = new AbortController();
  if (ctx.signal.aborted) controller.abort(ctx.signal.reason);
  else ctx.signal.addEventListener('abort', () => controller.abort(ctx.signal.reason), { once: true });
  return { ctx: { ...ctx, signal: controller.signal }, abandon: (reason) => controller.abort(reason) };
}

/** The lexer's findings (exit 6) and warnings for every file that is not applied as it is: applied files ran already. */
function checkNotApplied(ctx: Context, files: MigrationFile[], plan: Plan): void {
  const applied = new Set(plan.applied.map((e) => e.name));
  const warnings = checkContent(ctx.config.migrationsDir, files.filter((f) => !applied.has(f.name)));
  for (const w of warnings) ctx.log.warn({ event: 'source.warning' }, w);
}

async function applyPlan(ctx: Context, session: Session, t: HistoryTable, plan: Plan, lock: MigrationLock): Promise<Outcome> {
  const before = plan.applied.length;
  const later = plan.pending.length - plan.toApply.length;
  if (ctx.args.to !== undefined && later > 0) ctx.log.info({ event: 'run.to', to: ctx.args.to, leftPending: later }, `--to ${ctx.args.to}: ${later} later pending file(s) left pending`);
  if (plan.toApply.length) ctx.log.info({ event: 'run.start', pending: plan.toApply.length }, 'applying pending migrations');
  let results: ApplyResult[] = [];
  try {
    results = await applyFiles(plan.toApply, {
      session,
      table: t,
      connection: ctx.config.connection,
      log: ctx.log,
      signal: ctx.signal,
      runner: applicationName(ctx.config.hostname),
      lockTimeoutMs: ctx.config.migrationLockTimeoutMs,
      singleTransaction: ctx.args.singleTransaction,
      lockRetries: ctx.config.migrationLockRetries,
      lock,
    });
  } catch (err) {
    if (err instanceof MigrationFailedError) {
      ctx.log.info({ event: 'run.summary', applied: err.applied.length, failed: 1, totalApplied: before + err.applied.length }, 'run finished with a failure');
      printJson(ctx, false, { applied: err.applied.map(resultJson), failed: resultJson(err.failed), totalApplied: before + err.applied.length });
    }
    throw err;
  }
  const total = before + results.length;
  ctx.log.info({ event: 'run.summary', applied: results.length, failed: 0, totalApplied: total }, results.length ? 'migrations applied' : 'database is up to date');
  printJson(ctx, true, { applied: results.map(resultJson), failed: null, totalApplied: total, warnings: plan.warnings });
  return results.length ? `applied ${results.length} migration(s); ${total} applied in total` : `nothing to do; ${total} migrations applied`;
}

async function status(ctx: Context): Promise<Outcome> {
  const plan = await withFilesAndSession(ctx, (session, files) => readOnlyPlan(ctx, session, files));
  if (ctx.args.format === 'json') printJson(ctx, plan.problems.length === 0, { plan: planJson(plan) });
  else if (ctx.out.textMode) ctx.out.print(renderStatus(plan, ctx.out.style));
  else ctx.log.info({ event: 'status', ...planJson(plan) }, 'migration status');
  if (ctx.args.exitCode) {
    const notApplied = notAppliedError(plan);
    if (notApplied) throw notApplied;
  }
  return `${plan.applied.length} applied, ${plan.pending.length} pending`;
}

/**
 * Why not every file is applied as it is, as the exit code a CI gate or readiness check acts on:
 * 6 a human must act, 1 a file's last attempt failed, 7 files are pending; undefined when up to date.
 */
function notAppliedError(plan: Plan): NotAppliedError | undefined {
  if (plan.problems.length) return new NotAppliedError(plan.problems.join('\n'), EXIT.validation);
  if (plan.failed.length) return new NotAppliedError(`failed: ${plan.failed.map((e) => `${e.name} (${firstLine(e.row?.errorMessage)})`).join(', ')}; its last attempt failed and was rolled back: fix the file and run \`pgshift\``, EXIT.migrationFailed);
  if (plan.pending.length) return new NotAppliedError(`pending: ${plan.pending.length} file(s) not applied yet (${plan.pending.map((e) => e.name).join(', ')}); run \`pgshift\``, EXIT.pending);
  return undefined;
}

function firstLine(text: string | null | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300);
}

async function dryRun(ctx: Context): Promise<Outcome> {
  const plan = await withFilesAndSession(ctx, (session, files) => readOnlyPlan(ctx, session, files));
  if (ctx.args.format === 'json') printJson(ctx, plan.problems.length === 0, { plan: planJson(plan) });
  else if (ctx.out.textMode) ctx.out.print(renderPlan(plan, ctx.out.style));
  else ctx.log.info({ event: 'plan', ...planJson(plan) }, 'dry run: nothing applied');
  if (plan.problems.length) throw new PlanRejectedError(plan.problems, true);
  return `dry run: ${plan.toApply.length} would be applied`;
}

async function validate(ctx: Context): Promise<Outcome> {
  let files: MigrationFile[] = [];
  const plan = await withFilesAndSession(ctx, (session, read) => readOnlyPlan(ctx, session, (files = read)));
  logWarnings(ctx, plan);
  printJson(ctx, plan.problems.length === 0, { files: files.length, plan: planJson(plan) });
  rejectIfProblems(ctx, plan);
  ctx.log.info({ event: 'validate.ok', files: files.length, pending: plan.pending.length }, 'valid');
  if (ctx.out.textMode && ctx.args.format !== 'json') return `valid: ${files.length} files, ${plan.pending.length} pending`;
  return `valid: ${files.length} files`;
}

const TEMPLATE = `-- Migration: %NAME%
-- Created: %DATE% (UTC)
--
-- The whole file and its history row run in one transaction; a failure rolls all of it back.
-- Statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, …) are
-- detected and the file then runs statement by statement. To force that, put this on a line of
-- its own among these leading comments:
--   -- pgshift:no-transaction
-- Never edit a migration after it was applied: write a new one.

`;

async function create(ctx: Context): Promise<Outcome> {
  const slug = slugify(ctx.args.name ?? '');
  if (!slug) throw new SourceError(`cannot make a file name of ${JSON.stringify(ctx.args.name)}: use letters and digits, e.g. add_user_preferences`);
  const dir = ctx.config.migrationsDir;
  ensureFolder(ctx, dir);
  const now = new Date();
  const body = TEMPLATE.replace('%NAME%', slug).replace('%DATE%', now.toISOString().slice(0, 19).replace('T', ' '));
  // Another `create` may pick the same version at the same moment: a file that finds another with
  // its version after writing gives way (both may, when they wrote at once) and tries the next one.
  let after = now.getTime() - 1000;
  for (let attempt = 1; ; attempt++) {
    const version = nextVersion(dir, after);
    const name = `${version}_${slug}.sql`;
    const path = join(dir, name);
    try {
      writeFileSync(path, body, { flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(code === 'EEXIST' ? `${path} already exists; not overwritten` : `cannot write ${path} (${code}); check that MIGRATIONS_DIR is a writable folder`, { cause: err });
    }
    if (!stampedEntries(dir).some((e) => e.startsWith(`${version}_`) && e !== name)) {
      ctx.log.info({ event: 'create', path }, `created ${path}`);
      printJson(ctx, true, { file: name, path });
      return `created ${name}`;
    }
    rmSync(path, { force: true });
    if (attempt >= 20) throw new SourceError(`cannot find a free version in ${dir}: other \`pgshift create\` runs keep taking the same one; run it again`);
    after = versionTime(version)!;
    await sleep(Math.random() * 50 * attempt, ctx.signal);
  }
}

function ensureFolder(ctx: Context, dir: string): void {
  try {
    if (mkdirSync(dir, { recursive: true }) !== undefined) ctx.log.info({ event: 'create.folder', dir }, `created the folder ${dir} (MIGRATIONS_DIR)`);
  } catch (err) {
    throw new SourceError(`cannot create the folder ${dir} (${(err as NodeJS.ErrnoException).code}); set MIGRATIONS_DIR to a writable folder`, { cause: err });
  }
}

/**
 * A version (UTC YYYYMMDDHHMMSS) later than `after` (ms) and than every version of that shape
 * already in the folder: the current second, or the second after the newest one when that is taken.
 */
function nextVersion(dir: string, after: number): string {
  let newest = after;
  for (const entry of stampedEntries(dir)) newest = Math.max(newest, versionTime(entry.slice(0, 14)) ?? newest);
  const next = Math.max(Math.floor(Date.now() / 1000) * 1000, Math.floor(newest / 1000) * 1000 + 1000);
  return new Date(next).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Names in the folder that start with a 14-digit version (files, and folders of other tools' layouts). */
function stampedEntries(dir: string): string[] {
  return readdirSync(dir).filter((e) => /^\d{14}_/.test(e));
}

/** The UTC time a 14-digit version stands for; undefined for one that is no real time. */
function versionTime(version: string): number | undefined {
  const [y, mo, d, h, mi, s] = [version.slice(0, 4), version.slice(4, 6), version.slice(6, 8), version.slice(8, 10), version.slice(10, 12), version.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14) === version ? time : undefined;
}

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
}

async function baseline(ctx: Context): Promise<Outcome> {
  const files = await readFiles(ctx);
  const to = resolveTo(ctx, files);
  const chosen = to === undefined ? files : files.filter((f) => byName(f.name, to) <= 0);
  const recorded = await withSession(ctx, (session) =>
    withMigrationLock(ctx, session, async (t, rows) => {
      const done = new Set(rows.filter((r) => r.success).map((r) => r.filename));
      const names: string[] = [];
      for (const f of chosen.filter((file) => !done.has(file.name))) {
        await recordApplied(session.client, t, f, null);
        ctx.log.info({ event: 'baseline.recorded', file: f.name, checksum: f.checksum }, `recorded as applied without running: ${f.name}`);
        names.push(f.name);
      }
      return names;
    }),
  );
  printJson(ctx, true, { recorded });
  return `baseline: recorded ${recorded.length} file(s) as applied`;
}

/** One change `repair` makes: the file, what it was and what it becomes, and the write. */
interface Repair {
  file: string;
  change: string;
  write(client: Session['client'], t: HistoryTable): Promise<void>;
}

async function repair(ctx: Context): Promise<Outcome> {
  const files = await readFiles(ctx);
  const only = ctx.args.file;
  const chosen = (rows: HistoryRow[]): Repair[] => {
    const plan = planOf(files, rows, { strict: false });
    const all = repairsOf(plan, only);
    const picked = only === undefined ? all : all.filter((r) => r.file === only);
    if (only !== undefined && picked.length === 0) refuseRepair(ctx, only, files, rows, plan);
    return picked;
  };
  const dry = ctx.args.dryRun === true;
  // A dry run reads the history as it is (creating nothing) and needs no lock: it writes nothing.
  const changes = await withSession(ctx, (session) =>
    dry
      ? readOnlyRows(ctx, session).then(chosen)
      : withMigrationLock(ctx, session, async (t, rows) => {
          const todo = chosen(rows);
          for (const r of todo) await r.write(session.client, t);
          return todo;
        }),
  );
  for (const c of changes) ctx.log.info({ event: dry ? 'repair.would' : 'repair.changed', file: c.file }, `${dry ? '(dry run) ' : ''}${c.file}: ${c.change}`);
  if (changes.length === 0) ctx.log.info({ event: 'repair.none' }, only === undefined ? 'nothing to repair: every applied file matches its history row' : `${only}: nothing to repair`);
  printJson(ctx, true, { dryRun: dry, changes: changes.map(({ file, change }) => ({ file, change })) });
  return dry ? `repair (dry run): ${changes.length} change(s) would be made; nothing written` : `repair: ${changes.length} change(s)`;
}

/** Every change repair would make to reconcile the history with the folder, file by file. */
function repairsOf(plan: Plan, only: string | undefined): Repair[] {
  const short = (c: string | null | undefined) => (c ? c.slice(0, 12) : 'none');
  const accept = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => acceptChecksum(c, t, e.name, e.file!.checksum) });
  const rename = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => renameRow(c, t, e.row!.filename, e.name, e.file!.checksum) });
  const remove = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => deleteRow(c, t, e.name) });
  return [
    ...plan.modified.map((e) => accept(e, `checksum ${short(e.row?.checksum)} → ${short(e.file!.checksum)} accepted`)),
    ...plan.otherChecksum.map((e) => accept(e, `checksum ${short(e.row?.checksum)} (${e.checksumAs}) → ${short(e.file!.checksum)} recorded; the same content`)),
    ...plan.noChecksum.map((e) => accept(e, `no checksum recorded → ${short(e.file!.checksum)} recorded`)),
    ...plan.renamed.map((e) => rename(e, `recorded under its new name (was ${e.row!.filename}; same version and content)`)),
    // Without a checksum nothing proves a rename: only a person naming the file decides that.
    ...plan.conflicts.filter((e) => e.row!.checksum === null && e.name === only).map((e) => rename(e, `recorded under its new name (was ${e.row!.filename}, which had no checksum), as asked`)),
    ...plan.failed.map((e) => remove(e, 'failed row removed; the file is pending again')),
    ...plan.unfinished.map((e) => remove(e, 'unfinished row removed; the file is pending again')),
  ];
}

/** `repair FILE` with nothing to do for FILE: exit 6 when FILE is unknown or cannot be repaired. */
function refuseRepair(ctx: Context, only: string, files: MigrationFile[], rows: HistoryRow[], plan: Plan): void {
  if (!files.some((f) => f.name === only) && !rows.some((r) => r.filename === only)) {
    throw new SourceError(`repair ${only}: no such file in ${ctx.config.migrationsDir} and no history row by that name; see \`pgshift --list\``);
  }
  const conflict = plan.conflicts.find((e) => e.name === only);
  if (conflict) throw new SourceError(`repair ${only}: not repaired: ${plan.problems.find((p) => p.startsWith(`conflict: ${only} `)) ?? 'its version is applied under another name with other content'}`);
}

/**
 * `import --from TOOL`: the files the other tool applied are recorded as applied, under the lock, in
 * one transaction; nothing runs and the other tool's table is only read. `--dry-run` records nothing
 * and creates nothing.
 */
async function importHistory(ctx: Context): Promise<Outcome> {
  const read = readerFor(ctx.args.from!);
  const tool = ctx.args.from as Tool;
  const files = await readFiles(ctx);
  const { theirs, imported, pending } = await withSession(ctx, async (session) => {
    const found = await findToolHistory(session.client, tool);
    if (!found.readable) throw new ConfigError([`import: the role may not read ${found.schema}.${found.table}; GRANT USAGE ON SCHEMA ${found.schema} and SELECT ON ${found.schema}.${found.table} to it`]);
    const theirs = historyTable(session.client, found.schema, found.table);
    // Read and judged before pgshift's history is created or locked: an unclean history changes nothing.
    const reading = await read(session.client, theirs, files);
    rejectUnclean(tool, theirs, reading);
    const carryOver = async (rows: HistoryRow[], t?: HistoryTable) => {
      const done = new Set(rows.filter((r) => r.success).map((r) => r.filename));
      const imported = reading.imported.filter((i) => !done.has(i.file.name));
      if (t) await recordImported(session.client, t, imported);
      const all = new Set([...done, ...reading.imported.map((i) => i.file.name)]);
      return { theirs, imported, pending: files.filter((f) => !all.has(f.name)) };
    };
    if (ctx.args.dryRun) {
      const t = historyTable(session.client, ctx.config.schema, ctx.config.table);
      const columns = await historyColumns(session.client, t);
      return carryOver(columns ? await readHistory(session.client, t, columns) : []);
    }
    return withMigrationLock(ctx, session, (t, rows) => carryOver(rows, t), true);
  });
  const verb = ctx.args.dryRun ? 'would record as applied without running' : 'recorded as applied without running';
  for (const i of imported) ctx.log.info({ event: 'import.recorded', file: i.file.name, checksum: i.file.checksum, dryRun: ctx.args.dryRun === true }, `${verb}: ${i.file.name}`);
  for (const f of pending) ctx.log.info({ event: 'import.pending', file: f.name }, `not applied by ${toolName(tool)}, pending: ${f.name}`);
  printJson(ctx, true, { from: tool, table: theirs.display, dryRun: ctx.args.dryRun === true, recorded: imported.map((i) => i.file.name), pending: pending.map((f) => f.name) });
  const summary = `${imported.length} file(s) applied by ${toolName(tool)} (${theirs.display})`;
  return ctx.args.dryRun ? `import dry run: would record ${summary}; ${pending.length} pending` : `import: recorded ${summary}; ${pending.length} pending`;
}

async function waitOnly(ctx: Context): Promise<Outcome> {
  await withSession(ctx, async () => undefined);
  ctx.log.info({ event: 'db.ready' }, 'database accepts connections');
  printJson(ctx, true, { ready: true });
  return 'database accepts connections';
}

const AWAIT_POLL_MS = 2000;

async function awaitApplied(ctx: Context): Promise<Outcome> {
  const files = await readFiles(ctx);
  const deadline = Date.now() + ctx.config.awaitTimeoutMs;
  const plan = await withSession(ctx, async (session) => {
    let lastReport = 0;
    for (;;) {
      const current = await readOnlyPlan(ctx, session, files);
      const outstanding = [...current.pending, ...current.modified, ...current.unfinished, ...current.conflicts];
      if (outstanding.length === 0) return current;
      const stuck = await cannotHeal(ctx, session, files, current);
      if (stuck) throw stuck;
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(`migrations still not applied after AWAIT_TIMEOUT (${Math.round(ctx.config.awaitTimeoutMs / 1000)}s): ${outstanding.map((e) => `${e.name} (${e.status})`).join(', ')}; check the migration Job's logs`);
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        ctx.log.info({ event: 'await.waiting', outstanding: outstanding.length, next: outstanding[0]?.name }, 'waiting for migrations to be applied');
      }
      await sleep(Math.min(AWAIT_POLL_MS, deadline - Date.now()), ctx.signal);
      throwIfAborted(ctx.signal);
    }
  });
  ctx.log.info({ event: 'await.done', applied: plan.applied.length }, 'all migrations are applied');
  printJson(ctx, true, { applied: plan.applied.length });
  return `all ${plan.applied.length} migrations applied`;
}

/**
 * Why waiting longer cannot help, or undefined. A modified or conflicting file waits for a person.
 * A failed file whose content has changed since it failed (fixed in place) is the next deploy's to
 * retry: waiting helps. One that failed as it is, or an unfinished row, may still be a runner's work
 * in progress (a retry, a no-transaction file's start marker): it ends the wait only when no runner
 * holds the migration lock and the same rows are still there when read again after looking — so
 * they were not written by a runner that has since finished.
 */
async function cannotHeal(ctx: Context, session: Session, files: MigrationFile[], plan: Plan): Promise<NotAppliedError | undefined> {
  if (plan.modified.length || plan.conflicts.length) return notAppliedError(plan);
  const hopeless = (p: Plan): Plan => ({ ...p, failed: p.failed.filter((e) => e.row?.checksum === e.file?.checksum || e.row?.checksum === e.file?.rawChecksum) });
  const now = hopeless(plan);
  if (now.failed.length === 0 && now.unfinished.length === 0) return undefined;
  if (await findHolder(session.client, migrationLock(ctx, ctx.config.schema, ctx.config.table))) return undefined;
  const again = hopeless(await readOnlyPlan(ctx, session, files));
  const rows = (p: Plan) => [...p.failed, ...p.unfinished].map((e) => `${e.name}\0${e.row?.id}\0${e.row?.errorMessage}`).join('\n');
  return rows(again) === rows(now) ? notAppliedError(again) : undefined;
}
