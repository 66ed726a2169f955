// What each command returns: data, never text. main.ts renders it (output/render.ts) as text, a log
// event or the --json document; the library (api.ts) returns it as that document's data.
import type { ApplyResult, Plan } from '../types.js';

/** `up`: what was applied in this run; on a failure also the file that failed. */
export interface UpResult {
  command: 'up';
  plan: Plan;
  applied: ApplyResult[];
  /** The file that failed (rolled back, or stopped partway for a no-transaction file), or null. */
  failed: ApplyResult | null;
  /** Files applied in the database after this run. */
  totalApplied: number;
}

/** `status`: the files compared with the history. */
export interface StatusResult {
  command: 'status';
  plan: Plan;
}

/** `plan` (--dry-run): the same comparison, read as what `up` would apply. */
export interface PlanResult {
  command: 'plan';
  plan: Plan;
}

export interface ValidateResult {
  command: 'validate';
  files: number;
  plan: Plan;
}

export interface CreateResult {
  command: 'create';
  file: string;
  path: string;
}

export interface BaselineResult {
  command: 'baseline';
  recorded: string[];
}

export interface RepairResult {
  command: 'repair';
  dryRun: boolean;
  changes: Array<{ file: string; change: string }>;
}

export interface ImportResult {
  command: 'import';
  from: string;
  /** The tool's name as people write it (`golang-migrate`, `Flyway`). */
  tool: string;
  table: string;
  dryRun: boolean;
  recorded: string[];
  pending: string[];
}

export interface WaitResult {
  command: 'wait';
}

export interface AwaitResult {
  command: 'await';
  applied: number;
}

/**
 * `lint` and a fleet's `up`/`status`/`plan` print their own reports on the CLI's output as they
 * go (a fleet's live progress line; lint's text, JSON or GitHub annotations): the result carries
 * only the outcome line.
 */
export interface PrintedResult<C extends 'lint' | 'fleet' = 'lint' | 'fleet'> {
  command: C;
  outcome: string;
}

/** Adding a command: a member here, a dispatch line in commands/index.ts, a renderer in output/render.ts. */
export type CommandResult = UpResult | StatusResult | PlanResult | ValidateResult | CreateResult | BaselineResult | RepairResult | ImportResult | WaitResult | AwaitResult | PrintedResult<'lint'> | PrintedResult<'fleet'>;
