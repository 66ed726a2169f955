// What each command returns: data, never text. main.ts renders it (output/render.ts) as text, a log
// event or the --json document; the library (api.ts) returns it as that document's data.
import type { Finding, Summary } from '../lint/finding.js';
import type { ExitCode } from '../exit-codes.js';
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

/** `lint`: the findings (graded by table size when a database was at hand), and what was linted. */
export interface LintResult {
  command: 'lint';
  findings: Finding[];
  summary: Summary;
}

/** `up`, `status` or `plan` over a fleet: every target's result in list order, and the run's exit code. */
export interface FleetResult {
  command: 'fleet';
  /** The command each target ran. */
  ran: string;
  targets: TargetResult[];
  /** The most serious class among the targets' failures (fleet/run.ts FAILURE_ORDER); 0 when none failed. */
  exitCode: ExitCode;
}

/** The --json document's `fleet` member: targets counted by outcome, and for status and plan by their latest applied file. */
export type FleetSummary = { targets: number; versions?: Record<string, number> } & Partial<Record<TargetStatus, number>>;

/** `behind` (status, plan): files are pending, failed or in question there. */
export type TargetStatus = 'applied' | 'upToDate' | 'behind' | 'failed' | 'interrupted' | 'notStarted';

/** What a fleet keeps of a target: a few fields, never its log (memory stays flat in the number of targets). */
export interface TargetResult {
  target: string;
  status: TargetStatus;
  /** `up`: files applied by this run. */
  applied?: number;
  /** Files applied in total (up), or the applied count read (status, plan). */
  totalApplied?: number;
  /** status/plan: the newest applied file, pending and failed counts, problems. */
  latest?: string | null;
  pending?: number;
  failedFiles?: number;
  problems?: number;
  exitCode?: ExitCode;
  code?: string;
  error?: string;
  durationMs?: number;
}

/** Adding a command: a member here, a dispatch line in commands/index.ts, a renderer in output/render.ts. */
export type CommandResult = UpResult | StatusResult | PlanResult | ValidateResult | CreateResult | BaselineResult | RepairResult | ImportResult | WaitResult | AwaitResult | LintResult | FleetResult;
