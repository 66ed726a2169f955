// Every expected failure is a class here with a `code` and the exit code an orchestrator acts on.
// Only main.ts turns them into the process's exit status.
import type { CommandResult } from './commands/results.js';
import type { ApplyResult } from './types.js';

export { EXIT, type ExitCode } from './exit-codes.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export abstract class MigratorError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  /**
   * What the command had found or done when it failed (the plan it refused, the files applied before
   * one failed): main.ts renders it as the command's result, so `--json` still prints its document.
   * @internal
   */
  partial?: CommandResult;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong command-line usage. */
export class UsageError extends MigratorError {
  readonly code = 'USAGE';
  readonly exitCode = EXIT.usage;
}

/** Invalid configuration; `problems` names each variable and what is wrong, never its value. */
export class ConfigError extends MigratorError {
  readonly code = 'CONFIG';
  readonly exitCode = EXIT.config;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The database could not be reached within DB_WAIT_TIMEOUT, or refused the login. */
export class ConnectError extends MigratorError {
  readonly code = 'CONNECT';
  readonly exitCode = EXIT.unreachable;
}

/** Another runner held the migration lock past LOCK_TIMEOUT (or `await` ran out of AWAIT_TIMEOUT). */
export class LockTimeoutError extends MigratorError {
  readonly code = 'LOCK_TIMEOUT';
  readonly exitCode = EXIT.lockTimeout;
}

/** The migrations folder or a file in it cannot be used as it is. */
export class SourceError extends MigratorError {
  readonly code = 'SOURCE';
  readonly exitCode = EXIT.validation;
}

/** The plan was refused before anything ran: modified, unfinished, missing/outOfOrder under --strict. */
export class PlanRejectedError extends MigratorError {
  readonly code = 'PLAN_REJECTED';
  readonly exitCode = EXIT.validation;
  /** `reported`: each problem was already logged or printed, so the final error line does not repeat them. */
  constructor(
    readonly problems: string[],
    readonly reported = false,
  ) {
    super(problems.join('\n'));
  }
}

/** `pgshift lint` found errors, or LINT=refuse stopped `up` before anything ran (each finding was printed). */
export class LintError extends MigratorError {
  readonly code = 'LINT';
  readonly exitCode = EXIT.validation;
}

/**
 * `status --exit-code` and `await`: not every file is applied as it is. The exit code says which:
 * 1 a file's last attempt failed, 6 a human must act (modified, unfinished, conflict), 7 pending.
 */
export class NotAppliedError extends MigratorError {
  readonly code = 'NOT_APPLIED';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** A migration failed; it was rolled back (or, for a no-transaction file, stopped) and recorded. */
export class MigrationFailedError extends MigratorError {
  readonly code = 'MIGRATION_FAILED';
  readonly exitCode = EXIT.migrationFailed;
  constructor(
    message: string,
    readonly applied: ApplyResult[],
    readonly failed: ApplyResult,
    options?: { cause?: unknown; recorded?: boolean },
  ) {
    super(message, options);
    this.recorded = options?.recorded ?? true;
  }

  /** Whether the failure row was written (a read-only server or a lost session can prevent it). */
  readonly recorded: boolean;
}

/**
 * SIGTERM, SIGINT or SIGHUP arrived (or, in the library, the caller's AbortSignal fired, handled as
 * SIGTERM); the running statement was cancelled and rolled back. Exit 128 + the signal's number, as a
 * shell reports it.
 */
export class InterruptedError extends MigratorError {
  readonly code = 'INTERRUPTED';
  readonly exitCode: ExitCode;
  constructor(
    readonly signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'AbortSignal',
    options?: { cause?: unknown },
  ) {
    super(`interrupted by ${signal}`, options);
    this.exitCode = signal === 'SIGINT' ? EXIT.sigint : signal === 'SIGHUP' ? EXIT.sighup : EXIT.sigterm;
  }
}

/** A fleet target ran past FLEET_TARGET_TIMEOUT: cancelled and rolled back as SIGTERM would; retry later. */
export class TargetTimeoutError extends MigratorError {
  readonly code = 'TARGET_TIMEOUT';
  readonly exitCode = EXIT.lockTimeout;
}

/** Targets of a fleet failed; each was reported. The exit code is the most serious class among them (README "Fleets"). */
export class FleetFailedError extends MigratorError {
  readonly code = 'FLEET_FAILED';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof MigratorError ? err.exitCode : EXIT.internal;
}
