// The commands that only read: `status`, `plan` (--dry-run) and `validate`. They create nothing and
// take no lock.
import { PlanRejectedError } from '../errors.js';
import type { MigrationFile } from '../types.js';
import type { Context } from './context.js';
import { logWarnings, notAppliedError, readOnlyPlan, rejectIfProblems, withPartial } from './planning.js';
import type { PlanResult, StatusResult, ValidateResult } from './results.js';
import { withFilesAndSession } from './session.js';

export async function status(ctx: Context): Promise<StatusResult> {
  const plan = await withFilesAndSession(ctx, (session, files) => readOnlyPlan(ctx, session, files));
  const result: StatusResult = { command: 'status', plan };
  if (ctx.args.exitCode) {
    const notApplied = notAppliedError(plan);
    if (notApplied) throw withPartial(notApplied, result);
  }
  return result;
}

export async function dryRun(ctx: Context): Promise<PlanResult> {
  const plan = await withFilesAndSession(ctx, (session, files) => readOnlyPlan(ctx, session, files));
  const result: PlanResult = { command: 'plan', plan };
  if (plan.problems.length) throw withPartial(new PlanRejectedError(plan.problems, true), result);
  return result;
}

export async function validate(ctx: Context): Promise<ValidateResult> {
  let files: MigrationFile[] = [];
  const plan = await withFilesAndSession(ctx, (session, read) => readOnlyPlan(ctx, session, (files = read)));
  logWarnings(ctx, plan);
  const result: ValidateResult = { command: 'validate', files: files.length, plan };
  rejectIfProblems(ctx, plan, result);
  ctx.log.info({ event: 'validate.ok', files: files.length, pending: plan.pending.length }, 'valid');
  return result;
}
