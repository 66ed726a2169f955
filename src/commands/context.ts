// What a command's entry receives. Commands log events as they happen and return their result;
// they never print (rendering is output/render.ts's, for main.ts) and never touch `process`.
import type { CliArgs } from '../cli/parse.js';
import type { Config } from '../config/types.js';
import type { Logger, Output } from '../output/logger.js';

export interface Context {
  config: Config;
  args: CliArgs;
  log: Logger;
  /** Aborted by SIGTERM/SIGINT/SIGHUP (main.ts) or the caller's AbortSignal (api.ts). */
  signal: AbortSignal;
  /** The CLI's output, for the commands that print as they go (lint, fleets); the library has none. */
  out?: Output;
}
