// From the history's rows and the files to a plan: the steps around the pure planner (plan.ts) that
// need the database or the command line — reading the history without creating anything, the policy
// from the flags, what only the catalog can tell.
import { invalidIndexes, leftoverAdvice } from '../apply/indexes.js';
import type { Session } from '../session/session.js';
import { chooseHistory, findHistories } from '../detect.js';
import { EXIT, MigratorError, NotAppliedError, PlanRejectedError, SourceError } from '../errors.js';
import { historyColumns, historyTable, readHistory } from '../apply/history.js';
import { buildPlan } from '../plan.js';
import type { HistoryRow, MigrationFile, Plan, Policy } from '../types.js';
import { checksumVariants } from '../source/variants.js';
import type { Context } from './context.js';
import type { CommandResult } from './results.js';

/** Reads history without creating anything (status, plan, validate, await, repair --dry-run). */
export async function readOnlyPlan(ctx: Context, session: Session, files: MigrationFile[], policy: Policy = policyOf(ctx, files)): Promise<Plan> {
  return withLeftovers(session, planOf(files, await readOnlyRows(ctx, session), policy));
}

/** The history's rows, creating nothing; a history found elsewhere is read as `up` would use it. */
export async function readOnlyRows(ctx: Context, session: Session): Promise<HistoryRow[]> {
  let t = historyTable(session.client, ctx.config.schema, ctx.config.table);
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

export function policyOf(ctx: Context, files: MigrationFile[]): Policy {
  const upTo = ctx.args.command === 'baseline' ? undefined : resolveTo(ctx, files);
  return upTo === undefined ? { strict: ctx.args.strict } : { strict: ctx.args.strict, upTo };
}

/**
 * The plan; for files whose recorded checksum matched neither of their own (modified, or a version
 * applied under another name), again with the other ways the same content may have been checksummed.
 * Those files are read once more from disk; a run where everything matches reads nothing.
 */
export function planOf(files: MigrationFile[], rows: HistoryRow[], policy: Policy): Plan {
  const plan = buildPlan(files, rows, policy);
  const suspects = [...plan.modified, ...plan.conflicts.filter((e) => e.row?.checksum !== null)];
  if (suspects.length === 0) return plan;
  const variants = new Map(suspects.map((e) => [e.name, checksumVariants(e.file!)] as const).filter(([, v]) => v.length > 0));
  return variants.size ? buildPlan(files, rows, { ...policy, variants }) : plan;
}

/** `--to`: a file name or a version in the folder, as the file's name; exit 6 for one that is not there. */
export function resolveTo(ctx: Context, files: MigrationFile[]): string | undefined {
  const to = ctx.args.to;
  if (to === undefined) return undefined;
  const file = files.find((f) => f.name === to) ?? files.find((f) => f.version === to);
  if (file) return file.name;
  const range = files.length ? `; its versions run from ${files[0]!.version} to ${files[files.length - 1]!.version}` : '';
  throw new SourceError(`--to ${to}: no file in ${ctx.config.migrationsDir} has that name or version${range}; see \`pgshift --list\``);
}

/**
 * What only the database can tell, as one more problem: INVALID indexes left behind by an unfinished
 * file (which already stops the run, so the plan applies nothing either way).
 */
export async function withLeftovers(session: Session, plan: Plan): Promise<Plan> {
  if (plan.unfinished.length === 0) return plan;
  const leftovers = await invalidIndexes(session.client);
  return leftovers.length ? { ...plan, problems: [...plan.problems, leftoverAdvice(leftovers)] } : plan;
}

export function logWarnings(ctx: Context, plan: Plan): void {
  for (const w of plan.warnings) ctx.log.warn({ event: 'plan.warning' }, w);
}

/** Exit 6 before anything runs; `partial` is what the command renders (the plan) on its way out. */
export function rejectIfProblems(ctx: Context, plan: Plan, partial: CommandResult): void {
  if (plan.problems.length === 0) return;
  for (const p of plan.problems) ctx.log.error({ event: 'plan.rejected' }, p);
  throw withPartial(new PlanRejectedError(plan.problems, true), partial);
}

/** The error, carrying what the command had found or done: main renders it as the command's result. */
export function withPartial<E extends MigratorError>(err: E, partial: CommandResult): E {
  err.partial = partial;
  return err;
}

/**
 * Why not every file is applied as it is, as the exit code a CI gate or readiness check acts on:
 * 6 a human must act, 1 a file's last attempt failed, 7 files are pending; undefined when up to date.
 */
export function notAppliedError(plan: Plan): NotAppliedError | undefined {
  if (plan.problems.length) return new NotAppliedError(plan.problems.join('\n'), EXIT.validation);
  if (plan.failed.length) return new NotAppliedError(`failed: ${plan.failed.map((e) => `${e.name} (${firstLine(e.row?.errorMessage)})`).join(', ')}; its last attempt failed and was rolled back: fix the file and run \`pgshift\``, EXIT.migrationFailed);
  if (plan.pending.length) return new NotAppliedError(`pending: ${plan.pending.length} file(s) not applied yet (${plan.pending.map((e) => e.name).join(', ')}); run \`pgshift\``, EXIT.pending);
  return undefined;
}

function firstLine(text: string | null | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300);
}
