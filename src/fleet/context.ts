// What a fleet run is given and hands each target: the commands module's Context, by shape. Spelt
// out here so that the fleet does not import the commands module that dispatches to it.
import type { CliArgs } from '../cli.js';
import type { Config } from '../config/types.js';
import type { Logger, Output } from '../logger.js';

export interface FleetContext {
  config: Config;
  args: CliArgs;
  out: Output;
  log: Logger;
  signal: AbortSignal;
}

/** How the commands module runs one command for one target (runCommand), passed in by it. */
export type RunOne = (ctx: FleetContext) => Promise<string>;
