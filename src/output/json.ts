// The --json documents, which are also the library's results (api.ts): plain data, no functions, no
// classes. The document adds `schemaVersion`, `command` and `ok` around a command's data.
import type { CommandResult, FleetSummary, TargetResult } from '../commands/results.js';
import { fleetSummary } from '../fleet/report.js';
import { findingJson } from '../lint/render.js';
import type { ApplyResult, ApplyStatus, Plan, PlanEntry, Status, TransactionMode } from '../types.js';

export const SCHEMA_VERSION = 1;

/** A file (or a history row without one) as `status` and `plan` report it. */
export interface EntryJson {
  file: string;
  status: Status;
  /** RFC 3339 UTC, for applied files. */
  appliedAt?: string;
  checksum?: string;
  /** The checksum recorded in the history, when it differs (modified, conflict). */
  appliedChecksum?: string;
  /** The name the history row has, when it is not the file's (renamed, conflict). */
  recordedAs?: string;
  checksumAs?: string;
  executionTimeMs?: number;
  mode?: TransactionMode;
  /** The last attempt's error (failed, unfinished). */
  error?: string;
}

export interface PlanJson {
  applied: EntryJson[];
  pending: EntryJson[];
  failed: EntryJson[];
  outOfOrder: EntryJson[];
  modified: EntryJson[];
  missing: EntryJson[];
  unfinished: EntryJson[];
  renamed: EntryJson[];
  conflicts: EntryJson[];
  noChecksum: EntryJson[];
  otherChecksum: EntryJson[];
  /** What `up` would apply, in order; empty when there are problems. */
  toApply: Array<{ file: string; mode: TransactionMode; reason: string; partialRisk: boolean; checksum: string }>;
  warnings: string[];
  /** Why `up` would refuse to apply anything (exit 6). */
  problems: string[];
}

/** A file this run applied, or tried to. */
export interface ApplyResultJson {
  file: string;
  status: ApplyStatus;
  mode: TransactionMode;
  durationMs: number;
  checksum: string;
  error?: string;
}

/** `up`: a refused plan is `{ plan }`; otherwise what was applied (and the file that failed). */
export type UpJson = { plan: PlanJson } | { applied: ApplyResultJson[]; failed: ApplyResultJson | null; totalApplied: number; warnings?: string[] };

function entryJson(e: PlanEntry): EntryJson {
  return {
    file: e.name,
    status: e.status,
    appliedAt: e.row?.success ? e.row.appliedAt : undefined,
    checksum: e.file?.checksum ?? e.row?.checksum ?? undefined,
    appliedChecksum: e.status === 'modified' || e.status === 'conflict' ? (e.row?.checksum ?? undefined) : undefined,
    recordedAs: e.row && e.row.filename !== e.name ? e.row.filename : undefined,
    checksumAs: e.checksumAs,
    executionTimeMs: e.row?.executionTimeMs ?? undefined,
    mode: e.file?.mode,
    error: e.row && !e.row.success ? (e.row.errorMessage ?? undefined) : undefined,
  };
}

export function planJson(plan: Plan): PlanJson {
  return {
    applied: plan.applied.map(entryJson),
    pending: plan.pending.map(entryJson),
    failed: plan.failed.map(entryJson),
    outOfOrder: plan.outOfOrder.map(entryJson),
    modified: plan.modified.map(entryJson),
    missing: plan.missing.map(entryJson),
    unfinished: plan.unfinished.map(entryJson),
    renamed: plan.renamed.map(entryJson),
    conflicts: plan.conflicts.map(entryJson),
    noChecksum: plan.noChecksum.map(entryJson),
    otherChecksum: plan.otherChecksum.map(entryJson),
    toApply: plan.toApply.map((f) => ({ file: f.name, mode: f.mode, reason: f.modeReason, partialRisk: f.partialRisk, checksum: f.checksum })),
    warnings: plan.warnings,
    problems: plan.problems,
  };
}

export function resultJson(r: ApplyResult): ApplyResultJson {
  return { file: r.name, status: r.status, mode: r.mode, durationMs: r.durationMs, checksum: r.checksum, error: r.error };
}

/** A command's data as its --json document carries it (without schemaVersion, command, ok). */
export type DocumentOf<R extends CommandResult> = R extends { command: 'up' }
  ? UpJson
  : R extends { command: 'status' | 'plan' }
    ? { plan: PlanJson }
    : R extends { command: 'validate' }
      ? { files: number; plan: PlanJson }
      : R extends { command: 'wait' }
        ? { ready: true }
        : R extends { command: 'lint' }
          ? { files: number; scope: string; database: string; findings: Array<Record<string, unknown>> }
          : R extends { command: 'fleet' }
            ? { fleet: FleetSummary; exitCode: number; targets: TargetResult[] }
            : Omit<R, 'command' | 'tool'>;

export function documentOf<R extends CommandResult>(result: R): DocumentOf<R>;
export function documentOf(r: CommandResult): unknown {
  switch (r.command) {
    case 'up':
      if (r.plan.problems.length) return { plan: planJson(r.plan) };
      if (r.failed) return { applied: r.applied.map(resultJson), failed: resultJson(r.failed), totalApplied: r.totalApplied };
      return { applied: r.applied.map(resultJson), failed: null, totalApplied: r.totalApplied, warnings: r.plan.warnings };
    case 'status':
    case 'plan':
      return { plan: planJson(r.plan) };
    case 'validate':
      return { files: r.files, plan: planJson(r.plan) };
    case 'wait':
      return { ready: true };
    case 'import':
      return { from: r.from, table: r.table, dryRun: r.dryRun, recorded: r.recorded, pending: r.pending };
    case 'lint':
      return { files: r.summary.files, scope: r.summary.scope, database: r.summary.database, findings: r.findings.map(findingJson) };
    case 'fleet':
      return { fleet: fleetSummary(r), exitCode: r.exitCode, targets: r.targets };
    default: {
      const { command: _command, ...data } = r;
      return data;
    }
  }
}

/** The one document --json prints on stdout. */
export function renderJson(command: string, ok: boolean, data: object): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, command, ok, ...data }, null, 2) + '\n';
}
