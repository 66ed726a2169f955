// `up`: runs on every pod start, and usually nothing is pending (docs/PERFORMANCE.md). So connecting
// starts first and the folder is read while the session opens, the lock is taken and the history is
// read: the run waits for the slower of the two, not for both. Files are lexed only once the plan
// shows which are not applied as they are.
import { applyFiles } from '../apply/apply.js';
import { applicationName } from '../session/setup.js';
import type { Session } from '../session/session.js';
import { ConnectError, LockTimeoutError, MigrationFailedError } from '../errors.js';
import type { HistoryTable } from '../apply/history.js';
import type { MigrationLock } from '../apply/lock.js';
import { checkContent, followSessionStrings, loadMigrations } from '../source/load.js';
import type { ApplyResult, HistoryRow, MigrationFile, Plan } from '../types.js';
import type { Context } from './context.js';
import { logWarnings, planOf, policyOf, rejectIfProblems, resolveTo, withLeftovers, withPartial } from './planning.js';
import type { UpResult } from './results.js';
import { abandonable, logLoaded, openSession, withMigrationLock, withSession } from './session.js';

export async function up(ctx: Context): Promise<UpResult> {
  const run = abandonable(ctx);
  // Connecting starts first: the server's fork and the login overlap the reading of the folder.
  const opening = openSession(run.ctx);
  const reading = readFolder(ctx);
  // A folder that cannot be read stops the connecting (or the waiting for the lock) at once.
  reading.catch((err: unknown) => run.abandon(err));
  try {
    return await withSession(run.ctx, (session) => withMigrationLock(run.ctx, session, async (t, rows, lock) => applyPending(ctx, session, t, lock, await planFor(ctx, session, await reading, rows))), opening);
  } catch (err) {
    // As if the folder had been read and every file lexed before connecting: a folder that cannot be
    // applied (exit 6) wins over an unreachable database (4) or a lock held too long (5).
    const files = await reading;
    if (err instanceof ConnectError || err instanceof LockTimeoutError) checkContent(ctx.config.migrationsDir, files);
    throw err;
  }
}

async function readFolder(ctx: Context): Promise<MigrationFile[]> {
  const files = logLoaded(ctx, await loadMigrations(ctx.config.migrationsDir));
  resolveTo(ctx, files);
  return files;
}

/** The plan under the lock; refused (exit 6) with a problem, or with a lexer finding in a file not applied as it is. */
async function planFor(ctx: Context, session: Session, files: MigrationFile[], rows: HistoryRow[]): Promise<Plan> {
  followSessionStrings(files, session.standardConformingStrings);
  const plan = await withLeftovers(session, planOf(files, rows, policyOf(ctx, files)));
  // Applied files ran already: only the others are lexed for findings (exit 6) and warnings.
  const applied = new Set(plan.applied.map((e) => e.name));
  for (const w of checkContent(ctx.config.migrationsDir, files.filter((f) => !applied.has(f.name)))) ctx.log.warn({ event: 'source.warning' }, w);
  logWarnings(ctx, plan);
  rejectIfProblems(ctx, plan, { command: 'up', plan, applied: [], failed: null, totalApplied: plan.applied.length });
  // LINT=warn|refuse: the parser is loaded only then, never on the default or the no-op path.
  if (ctx.config.lint !== 'off' && plan.toApply.length) await (await import('../lint/command.js')).lintBeforeUp(ctx, session, plan.toApply);
  return plan;
}

async function applyPending(ctx: Context, session: Session, t: HistoryTable, lock: MigrationLock, plan: Plan): Promise<UpResult> {
  const before = plan.applied.length;
  const later = plan.pending.length - plan.toApply.length;
  if (ctx.args.to !== undefined && later > 0) ctx.log.info({ event: 'run.to', to: ctx.args.to, leftPending: later }, `--to ${ctx.args.to}: ${later} later pending file(s) left pending`);
  if (plan.toApply.length) ctx.log.info({ event: 'run.start', pending: plan.toApply.length }, 'applying pending migrations');
  let applied: ApplyResult[];
  try {
    applied = await applyFiles(plan.toApply, {
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
    if (!(err instanceof MigrationFailedError)) throw err;
    const totalApplied = before + err.applied.length;
    ctx.log.info({ event: 'run.summary', applied: err.applied.length, failed: 1, totalApplied }, 'run finished with a failure');
    throw withPartial(err, { command: 'up', plan, applied: err.applied, failed: err.failed, totalApplied });
  }
  const totalApplied = before + applied.length;
  ctx.log.info({ event: 'run.summary', applied: applied.length, failed: 0, totalApplied }, applied.length ? 'migrations applied' : 'database is up to date');
  return { command: 'up', plan, applied, failed: null, totalApplied };
}
