// `up`, `status` and `plan` over a fleet (README "Fleets"): the targets are listed (and this
// shard's taken), then run at most FLEET_CONCURRENCY at a time, each a complete pgshift run with
// its own lock and history. Every target is tried unless --fail-fast or a failed canary stops new
// starts; SIGTERM cancels the running ones and starts nothing more. The exit code is the most
// serious class among the failures (FAILURE_ORDER).
import type { FleetContext as Context, RunOne } from './context.js';
import type { ConnectionSettings } from '../config/types.js';
import { EXIT, FleetFailedError, UsageError, type ExitCode } from '../errors.js';
import { listTargets } from './targets.js';
import { takeShard } from './shard.js';
import { runTarget } from './target.js';
import type { FleetResult, TargetResult } from '../commands/results.js';
import type { FleetTarget } from './settings.js';
import { createProgress, logSummary } from './progress.js';

/** Most serious first: a bug, then what a human must fix, then what a retry may heal. */
export const FAILURE_ORDER: readonly ExitCode[] = [EXIT.internal, EXIT.validation, EXIT.migrationFailed, EXIT.config, EXIT.sigterm, EXIT.sigint, EXIT.sighup, EXIT.lockTimeout, EXIT.unreachable, EXIT.pending];

const FLEET_COMMANDS = ['up', 'status', 'plan'];

/** The fleet's result; when a target failed, thrown as a FleetFailedError carrying it (`partial`). */
export async function runFleet(ctx: Context, runOne: RunOne): Promise<FleetResult> {
  const fleet = ctx.config.fleet!;
  if (!FLEET_COMMANDS.includes(ctx.args.command)) throw new UsageError(`\`${ctx.args.command}\` does not run over a fleet; with FLEET_* set, use up, status or plan (unset FLEET_* to run it on one database)`);
  const all = await listTargets(ctx);
  const targets = takeShard(all, fleet.shard, fleet.shards);
  const canary = Math.min(ctx.args.canary ?? fleet.canary, targets.length);
  const failFast = ctx.args.failFast === true || fleet.failFast;
  ctx.log.info(
    { event: 'fleet.start', targets: targets.length, listed: all.length, shard: fleet.shard, shards: fleet.shards, concurrency: fleet.concurrency, canary, failFast },
    `${ctx.args.command} over ${targets.length} target(s)${fleet.shards > 1 ? ` (shard ${fleet.shard} of ${fleet.shards}: ${all.length} listed)` : ''}, ${fleet.concurrency} at a time`,
  );
  const results = await runAll(ctx, targets, runOne, { canary, failFast });
  const failed = failure(results, ctx.signal);
  const result: FleetResult = { command: 'fleet', ran: ctx.args.command, targets: results, exitCode: failed?.exitCode ?? EXIT.ok };
  logSummary(ctx, result);
  if (!failed) return result;
  failed.partial = result;
  throw failed;
}

interface Policy {
  canary: number;
  failFast: boolean;
}

/** Every target's result in list order; targets never started stay `notStarted`. */
async function runAll(ctx: Context, targets: FleetTarget<ConnectionSettings>[], runOne: RunOne, policy: Policy): Promise<TargetResult[]> {
  const fleet = ctx.config.fleet!;
  const results: TargetResult[] = targets.map((t) => ({ target: t.name, status: 'notStarted' }));
  const progress = createProgress(ctx, targets.length);
  let stop = false;
  const runRange = async (from: number, to: number) => {
    let next = from;
    const worker = async () => {
      while (!stop && !ctx.signal.aborted && next < to) {
        const i = next++;
        progress.started();
        const result = await runTarget(ctx, targets[i]!, runOne, fleet.targetTimeoutMs);
        results[i] = result;
        progress.finished(result);
        if (result.status === 'failed' && policy.failFast && !stop) {
          stop = true;
          ctx.log.warn({ event: 'fleet.stopping', reason: 'fail-fast', target: result.target }, `${result.target} failed: starting no more targets (--fail-fast)`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(fleet.concurrency, to - from) }, worker));
  };
  try {
    if (policy.canary > 0) {
      ctx.log.info({ event: 'fleet.canary', targets: policy.canary }, `canary: the first ${policy.canary} target(s) first`);
      await runRange(0, policy.canary);
      if (results.slice(0, policy.canary).some((r) => r.status === 'failed') && !stop) {
        stop = true;
        ctx.log.warn({ event: 'fleet.stopping', reason: 'canary' }, 'a canary target failed: the release stops here; no other target was started');
      }
    }
    await runRange(policy.canary, targets.length);
  } finally {
    progress.end();
  }
  return results;
}

/** The error the run ends with, or undefined when every target succeeded. */
function failure(results: TargetResult[], signal: AbortSignal): FleetFailedError | undefined {
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'interrupted');
  if (failed.length === 0 && signal.aborted) {
    const reason = signal.reason as { exitCode?: ExitCode; message?: string };
    return new FleetFailedError(`${reason.message ?? 'interrupted'}; ${results.filter((r) => r.status === 'notStarted').length} target(s) not started (untouched)`, reason.exitCode ?? EXIT.sigterm);
  }
  if (failed.length === 0) return undefined;
  const rank = (code: ExitCode | undefined) => {
    const i = FAILURE_ORDER.indexOf(code ?? EXIT.internal);
    return i === -1 ? FAILURE_ORDER.length : i;
  };
  const worst = failed.reduce((a, b) => (rank(b.exitCode) < rank(a.exitCode) ? b : a));
  const notStarted = results.filter((r) => r.status === 'notStarted').length;
  const interrupted = results.filter((r) => r.status === 'interrupted').length;
  const parts = [`${failed.length - interrupted} of ${results.length} target(s) failed`];
  if (interrupted) parts.push(`${interrupted} interrupted (rolled back)`);
  if (notStarted) parts.push(`${notStarted} not started (untouched)`);
  return new FleetFailedError(`${parts.join(', ')}; the most serious: ${worst.target} (exit ${worst.exitCode}): ${(worst.error ?? '').split('\n')[0]}`, worst.exitCode ?? EXIT.internal);
}
