// Command name → entry. Adding a command: a line here, its result in results.ts, its renderer in
// output/render.ts, its flags in cli/parse.ts.
import type { Command } from '../cli/parse.js';
import { baseline } from './baseline.js';
import type { Context } from './context.js';
import { create } from './create.js';
import { importHistory } from './import.js';
import { dryRun, status, validate } from './inspect.js';
import { repair } from './repair.js';
import type { CommandResult } from './results.js';
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
};

export function runCommand(ctx: Context): Promise<CommandResult> {
  for (const w of ctx.config.warnings) ctx.log.warn({ event: 'config.warning' }, w);
  const { command } = ctx.args;
  if (command === 'help' || command === 'version') throw new Error(`no handler for ${command}`);
  return ENTRIES[command](ctx);
}
