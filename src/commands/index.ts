// Command name → entry. Adding a command: a line here, its result in results.ts, its renderer in
// output/render.ts, its flags in cli/parse.ts.
import type { Command } from '../cli/parse.js';
import { baseline } from './baseline.js';
import type { Context } from './context.js';
import { create } from './create.js';
import { importHistory } from './import.js';
import { dryRun, status, validate } from './inspect.js';
import { repair } from './repair.js';
import { FleetFailedError, LintError, UsageError } from '../errors.js';
import { runFleet } from '../fleet/run.js';
import { readOnlyPlan, withPartial } from './planning.js';
import type { CommandResult, PrintedResult } from './results.js';
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

/** `up`, `status`, `plan` over every FLEET_* target (src/fleet/); each target runs the entry above. */
async function fleet(ctx: Context): Promise<PrintedResult<'fleet'>> {
  const out = printingOutput(ctx, 'fleets');
  try {
    return { command: 'fleet', outcome: await runFleet({ ...ctx, out }, (one) => runCommand(one)) };
  } catch (err) {
    // Thrown once the fleet's report is printed: it is the run's result, not another document.
    throw err instanceof FleetFailedError ? withPartial(err, { command: 'fleet', outcome: '' }) : err;
  }
}

/** `pgshift lint` (src/lint/, loaded only here: it brings PostgreSQL's parser). */
async function lint(ctx: Context): Promise<PrintedResult<'lint'>> {
  const out = printingOutput(ctx, 'lint');
  const { lint: run } = await import('../lint/command.js');
  try {
    return { command: 'lint', outcome: await run({ ...ctx, out }, (session, files) => readOnlyPlan(ctx, session, files)) };
  } catch (err) {
    throw err instanceof LintError ? withPartial(err, { command: 'lint', outcome: '' }) : err;
  }
}

function printingOutput(ctx: Context, what: string): NonNullable<Context['out']> {
  if (!ctx.out) throw new UsageError(`${what} run from the CLI; the library runs one database's up, status, plan and validate`);
  return ctx.out;
}
