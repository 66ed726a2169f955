// The library face: `import { up, status, plan, validate } from 'pgshift'`. The same commands as the
// CLI, with the same settings (by their environment variable names, passed as an object) and the same
// results (the data of the --json documents). It never touches `process`: no exit, no signal
// handlers, no environment read unless the caller passes `env: process.env`; it logs only through
// the caller's logger; failures are thrown as MigratorError subclasses carrying the CLI's exit code.
import type { CliArgs } from './cli/parse.js';
import { followSignal } from './abort.js';
import { runCommand } from './commands/index.js';
import type { CommandResult, PlanResult, StatusResult, UpResult, ValidateResult } from './commands/results.js';
import { loadConfig } from './config/load.js';
import { InterruptedError } from './errors.js';
import { documentOf, resultJson, type ApplyResultJson, type PlanJson } from './output/json.js';
import type { LogTarget } from './output/log-target.js';
import { createForwardingLogger } from './output/logger.js';

export { ConfigError, ConnectError, EXIT, InterruptedError, LockTimeoutError, MigrationFailedError, MigratorError, NotAppliedError, PlanRejectedError, SourceError, UsageError, type ExitCode } from './errors.js';
export type { ApplyResultJson, EntryJson, PlanJson } from './output/json.js';
export type { LogTarget } from './output/log-target.js';
export type { ApplyResult, ApplyStatus, Status, TransactionMode } from './types.js';

export interface Options {
  /**
   * The settings, by the names of the CLI's environment variables (README "Configuration"):
   * `DATABASE_URL` (or `POSTGRES_*`/`PG*`), `MIGRATIONS_DIR`, `MIGRATIONS_TABLE`, `LOCK_TIMEOUT`, …
   * Nothing else is read: pass `{ ...process.env, MIGRATIONS_DIR: 'db' }` to use the process's.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Cancels the run as SIGTERM does: the running statement is cancelled and rolled back, the lock released; throws InterruptedError. */
  signal?: AbortSignal;
  /** Receives the CLI's log events as (fields, message); pino's logger fits. @default none (silent) */
  logger?: LogTarget;
  /** missing, out-of-order and renamed files are errors (exit 6). @default false */
  strict?: boolean;
}

export interface UpOptions extends Options {
  /** Apply pending files up to and including this one (a version or a file name). @default all */
  to?: string;
  /** All pending files in one transaction, all or nothing. @default false */
  singleTransaction?: boolean;
}

/** What `up` applied. A refused plan throws PlanRejectedError; a failed file MigrationFailedError (with `applied` and `failed`). */
export interface UpReport {
  applied: ApplyResultJson[];
  /** Files applied in the database after this run. */
  totalApplied: number;
  warnings: string[];
}

/** Applies every pending file, under the migration lock: `pgshift up`. */
export async function up(options: UpOptions): Promise<UpReport> {
  const result = await run<UpResult>(options, { command: 'up', to: options.to, singleTransaction: options.singleTransaction || undefined });
  return { applied: result.applied.map(resultJson), totalApplied: result.totalApplied, warnings: result.plan.warnings };
}

/** The files compared with the history, creating nothing: `pgshift status --json`'s `plan`. Problems are in `problems`, not thrown. */
export async function status(options: Options): Promise<PlanJson> {
  return documentOf(await run<StatusResult>(options, { command: 'status' })).plan;
}

/** What `up` would apply, in order; throws PlanRejectedError when it would refuse: `pgshift plan`. */
export async function plan(options: Options & Pick<UpOptions, 'to'>): Promise<PlanJson> {
  return documentOf(await run<PlanResult>(options, { command: 'plan', to: options.to })).plan;
}

/** Checks the folder against the history; throws PlanRejectedError (or SourceError) on a problem: `pgshift validate`. */
export async function validate(options: Options): Promise<{ files: number; plan: PlanJson }> {
  return documentOf(await run<ValidateResult>(options, { command: 'validate' }));
}

async function run<R extends CommandResult>(options: Options, args: Partial<CliArgs> & Pick<CliArgs, 'command'>): Promise<R> {
  const config = loadConfig(options.env);
  const log = createForwardingLogger(config, options.logger);
  const { controller, release } = followSignal(options.signal, (reason) => new InterruptedError('AbortSignal', { cause: reason }));
  try {
    const cli: CliArgs = { format: 'human', strict: options.strict ?? false, ...args };
    return (await runCommand({ config, args: cli, log, signal: controller.signal })) as R;
  } finally {
    release();
  }
}
