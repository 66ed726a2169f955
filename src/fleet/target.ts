// One fleet target as one complete pgshift run (wait → lock → history → apply), in-process, through
// the same command code a single run uses. runTarget is the one place the fleet calls into the
// commands: it hands them a derived config, a logger that names the target, and an output that
// keeps the command's --json document to read the result from instead of printing it.
import type { FleetContext as Context, RunOne } from './context.js';
import type { Config, ConnectionSettings } from '../config/types.js';
import { exitCodeOf, MigratorError, TargetTimeoutError, type ExitCode } from '../errors.js';
import type { Output } from '../logger.js';
import type { FleetTarget } from './settings.js';


/** `behind` (status, plan): files are pending, failed or in question there. */
export type TargetStatus = 'applied' | 'upToDate' | 'behind' | 'failed' | 'interrupted' | 'notStarted';

/** What the fleet keeps of a target: a few fields, never its log (memory stays flat in the number of targets). */
export interface TargetResult {
  target: string;
  status: TargetStatus;
  /** `up`: files applied by this run. */
  applied?: number;
  /** Files applied in total (up), or the applied count read (status, plan). */
  totalApplied?: number;
  /** status/plan: the newest applied file, pending and failed counts, problems. */
  latest?: string | null;
  pending?: number;
  failedFiles?: number;
  problems?: number;
  exitCode?: ExitCode;
  code?: string;
  error?: string;
  durationMs?: number;
}

type Doc = Record<string, unknown> & { plan?: PlanDoc; applied?: unknown[]; totalApplied?: number };
type PlanDoc = { applied: Array<{ file: string }>; pending: unknown[]; failed: unknown[]; toApply: unknown[]; problems: unknown[] };

const MAX_ERROR_CHARS = 600;

/**
 * Runs the command for one target. `signal` is the fleet's (SIGTERM); the target's deadline aborts
 * only this target, with a TargetTimeoutError, exactly as SIGTERM would: the running statement is
 * cancelled, the transaction rolled back, the lock released.
 */
export async function runTarget(ctx: Context, target: FleetTarget<ConnectionSettings>, runOne: RunOne, timeoutMs: number | undefined): Promise<TargetResult> {
  const started = Date.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new TargetTimeoutError(`${target.name}: still running after FLEET_TARGET_TIMEOUT (${Math.round(timeoutMs / 1000)}s); cancelled and rolled back`)), timeoutMs);
  const captured: { doc?: string } = {};
  const log = ctx.log.child({ target: target.name }, ctx.out.textMode ? { level: quieter(ctx.log.level) } : {});
  const one: Context = {
    config: targetConfig(ctx.config, target),
    args: { ...ctx.args, format: 'json' },
    out: captureOutput(ctx.out, log, captured),
    log,
    signal: controller.signal,
  };
  try {
    await runOne(one);
    return { target: target.name, ...resultOf(ctx.args.command, captured.doc), durationMs: Date.now() - started };
  } catch (thrown) {
    // The deadline aborts the run as SIGTERM would; whatever the command made of the cancel, the target timed out.
    const timedOut = !ctx.signal.aborted && controller.signal.reason instanceof TargetTimeoutError;
    const err: unknown = timedOut ? controller.signal.reason : thrown;
    const interrupted = ctx.signal.aborted;
    const known = err instanceof MigratorError;
    const message = known ? err.message : `internal error (a bug; please report it): ${String((err as Error)?.stack ?? err)}`;
    return {
      target: target.name,
      ...resultOf(ctx.args.command, captured.doc),
      status: interrupted ? 'interrupted' : 'failed',
      exitCode: exitCodeOf(err),
      code: known ? err.code : 'INTERNAL',
      error: message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message,
      durationMs: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
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

function captureOutput(out: Output, log: Output['log'], captured: { doc?: string }): Output {
  return {
    ...out,
    log,
    print: (text) => void (captured.doc = text),
    printed: () => captured.doc !== undefined,
    textMode: false,
    live: false,
  };
}

function resultOf(command: string, doc: string | undefined): Omit<TargetResult, 'target'> {
  const parsed = doc === undefined ? undefined : (JSON.parse(doc) as Doc);
  if (command === 'up') {
    const applied = Array.isArray(parsed?.applied) ? parsed.applied.length : 0;
    return { status: applied > 0 ? 'applied' : 'upToDate', applied, totalApplied: parsed?.totalApplied };
  }
  const plan = parsed?.plan;
  if (!plan) return { status: 'upToDate' };
  const count = command === 'plan' ? plan.toApply.length : plan.pending.length;
  const behind = count + plan.failed.length + plan.problems.length > 0;
  return {
    status: behind ? 'behind' : 'upToDate',
    totalApplied: plan.applied.length,
    latest: plan.applied.at(-1)?.file ?? null,
    pending: count,
    failedFiles: plan.failed.length,
    problems: plan.problems.length,
  };
}
