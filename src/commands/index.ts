// Command name → entry. Adding a command: a line here, its result in results.ts, its renderer in
// output/render.ts, its flags in cli/parse.ts.
import type { Command } from '../cli/parse.js';
import { baseline } from './baseline.js';
import type { Context } from './context.js';
import { create } from './create.js';
import { importHistory } from './import.js';
import { dryRun, status, validate } from './inspect.js';
import { repair } from './repair.js';
import { UsageError } from '../errors.js';
import { runFleet } from '../fleet/run.js';
import { readOnlyPlan } from './planning.js';
import type { CommandResult, FleetResult, LintResult } from './results.js';
import { up } from './up.js';
import { awaitApplied, waitOnly } from './wait.js';

export type { Context } from './context.js';
export type { CommandResult } from './results.js';

const ENTRIES: Record<Exclude<Command, 'help' | 'version'>, (ctx: Context) => Promise<CommandResult>> = {
  up,
  status,
  plan: dryRun,
  validate,
  create,
  baseline,
  repair,
  import: importHistory,
  wait: waitOnly,
  await: awaitApplied,
  lint,
};

export function runCommand(ctx: Context): Promise<CommandResult> {
  for (const w of ctx.config.warnings) ctx.log.warn({ event: 'config.warning' }, w);
  const { command } = ctx.args;
  if (command === 'help' || command === 'version') throw new Error(`no handler for ${command}`);
  if (ctx.config.fleet) return fleet(ctx);
  return ENTRIES[command](ctx);
}

/**
 * `up`, `status`, `plan` over every FLEET_* target (src/fleet/); each target runs the entry above.
 * CLI only: its live progress line needs the CLI's output.
 */
function fleet(ctx: Context): Promise<FleetResult> {
  if (!ctx.out) throw new UsageError("fleets run from the CLI; the library runs one database's up, status, plan and validate");
  return runFleet({ ...ctx, out: ctx.out }, (one) => runCommand(one));
}

/** `pgshift lint` (src/lint/, loaded only here: it brings PostgreSQL's parser). */
async function lint(ctx: Context): Promise<LintResult> {
  const { lint: run } = await import('../lint/command.js');
  return run(ctx, (session, files) => readOnlyPlan(ctx, session, files));
}
