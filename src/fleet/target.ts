// One fleet target as one complete pgshift run (wait → lock → history → apply), in-process, through
// the same command code a single run uses. runTarget is the one place the fleet calls into the
// commands: it hands them a derived config and a logger that names the target, and keeps a few
// fields of the command's result.
import type { FleetContext as Context, RunOne } from './context.js';
import type { Config, ConnectionSettings } from '../config/types.js';
import { exitCodeOf, MigratorError, TargetTimeoutError } from '../errors.js';
import type { CommandResult, TargetResult } from '../commands/results.js';
import type { FleetTarget } from './settings.js';
import { followSignal } from '../abort.js';

const MAX_ERROR_CHARS = 600;

/**
 * Runs the command for one target. `signal` is the fleet's (SIGTERM); the target's deadline aborts
 * only this target, with a TargetTimeoutError, exactly as SIGTERM would: the running statement is
 * cancelled, the transaction rolled back, the lock released.
 */
export async function runTarget(ctx: Context, target: FleetTarget<ConnectionSettings>, runOne: RunOne, timeoutMs: number | undefined): Promise<TargetResult> {
  const started = Date.now();
  const { controller, release } = followSignal(ctx.signal);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new TargetTimeoutError(`${target.name}: still running after FLEET_TARGET_TIMEOUT (${Math.round(timeoutMs / 1000)}s); cancelled and rolled back`)), timeoutMs);
  const log = ctx.log.child({ target: target.name }, ctx.out.textMode ? { level: quieter(ctx.log.level) } : {});
  const one = { config: targetConfig(ctx.config, target), args: ctx.args, log, signal: controller.signal };
  try {
    return { target: target.name, ...resultOf(await runOne(one)), durationMs: Date.now() - started };
  } catch (thrown) {
    // The deadline aborts the run as SIGTERM would; whatever the command made of the cancel, the target timed out.
    const timedOut = !ctx.signal.aborted && controller.signal.reason instanceof TargetTimeoutError;
    const err: unknown = timedOut ? controller.signal.reason : thrown;
    const interrupted = ctx.signal.aborted;
    const known = err instanceof MigratorError;
    const message = known ? err.message : `internal error (a bug; please report it): ${String((err as Error)?.stack ?? err)}`;
    return {
      target: target.name,
      ...resultOf(known ? err.partial : undefined),
      status: interrupted ? 'interrupted' : 'failed',
      exitCode: exitCodeOf(err),
      code: known ? err.code : 'INTERNAL',
      error: message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message,
      durationMs: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
    release();
  }
}

/**
 * The base config with this target's connection, or — for a schema — its history table and lock in
 * that schema and a session whose search_path is the schema, then public. The option is sent at
 * login, so the reset after each file (RESET ALL) returns to it.
 */
export function targetConfig(base: Config, target: FleetTarget<ConnectionSettings>): Config {
  const quiet = { warnings: [], fleet: undefined };
  if (target.connection) return { ...base, ...quiet, connection: target.connection };
  const schema = target.schema!;
  const path = `-c search_path="${schema}",public`;
  const options = base.connection.options ? `${base.connection.options} ${path}` : path;
  return { ...base, ...quiet, schema, history: 'tenant', connection: { ...base.connection, options, warnings: [], ignored: [] } };
}

/** On a terminal a target's info lines would bury the progress line: only its warnings and errors show. */
function quieter(level: string): string {
  return ['error', 'fatal', 'silent'].includes(level) ? level : 'warn';
}

function resultOf(result: CommandResult | undefined): Omit<TargetResult, 'target'> {
  if (result?.command === 'up') {
    const applied = result.applied.length;
    return { status: applied > 0 ? 'applied' : 'upToDate', applied, totalApplied: result.totalApplied };
  }
  if (result?.command !== 'status' && result?.command !== 'plan') return { status: 'upToDate' };
  const { plan } = result;
  const count = result.command === 'plan' ? plan.toApply.length : plan.pending.length;
  const behind = count + plan.failed.length + plan.problems.length > 0;
  return {
    status: behind ? 'behind' : 'upToDate',
    totalApplied: plan.applied.length,
    latest: plan.applied.at(-1)?.name ?? null,
    pending: count,
    failedFiles: plan.failed.length,
    problems: plan.problems.length,
  };
}
