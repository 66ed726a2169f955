// Pure string builders for what people and machines read: the human report (the same lines the
// earlier script printed), the text rendering of log events, and the --json documents.
import type { ApplyResult, Plan, PlanEntry } from './types.js';

export const SCHEMA_VERSION = 1;

export interface Style {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const ESC = String.fromCharCode(27);
const paint = (code: string) => (s: string) => `${ESC}[${code}m${s}${ESC}[0m`;
export const COLOR: Style = { green: paint('32'), red: paint('31'), yellow: paint('33'), dim: paint('2'), bold: paint('1') };
export const PLAIN: Style = { green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

/** `2025-10-18 19:53:41 UTC`: the earlier script's shape, to the second, in UTC as --json has it. */
export function formatTime(appliedAt: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(appliedAt) ? `${appliedAt.slice(0, 10)} ${appliedAt.slice(11, 19)} UTC` : appliedAt;
}

function describeEntry(e: PlanEntry): string {
  return e.row?.errorMessage?.split('\n')[0] ?? '';
}

export function renderStatus(plan: Plan, s: Style = PLAIN): string {
  const lines: string[] = [];
  // Each file is listed once: a warning or problem about it becomes its line, the rest follow the total.
  const warnings = [...plan.warnings];
  const problems = [...plan.problems];
  const noted = (e: PlanEntry, otherwise: string) => takeNote(problems, e) ?? takeNote(warnings, e) ?? otherwise;
  const section = (title: string, entries: PlanEntry[], line: (e: PlanEntry) => string) => {
    if (entries.length === 0) return;
    lines.push(s.bold(title));
    for (const e of entries) lines.push(line(e));
  };
  section('Applied Migrations:', plan.applied, (e) => `  ${s.green('✓')} ${e.name} ${s.dim(`(${e.row ? formatTime(e.row.appliedAt) : '?'})`)}`);
  section('Modified Migrations:', plan.modified, (e) => `  ${s.red('!')} ${noted(e, `${e.name} ${s.dim('(checksum differs from the applied file; see `pgshift repair`)')}`)}`);
  section('Unfinished Migrations:', plan.unfinished, (e) => `  ${s.red('!')} ${noted(e, `${e.name} ${s.dim(`(${describeEntry(e)})`)}`)}`);
  section('Missing Migrations:', plan.missing, (e) => `  ${s.yellow('?')} ${noted(e, `${e.name} ${s.dim('(in history, not on disk)')}`)}`);
  section('Failed Migrations:', plan.failed, (e) => `  ${s.red('✗')} ${e.name} ${s.dim(`(${describeEntry(e)})`)}`);
  section('Pending Migrations:', plan.pending, (e) => `  • ${e.status === 'outOfOrder' ? noted(e, `${e.name}${s.yellow(' (out of order)')}`) : e.name}`);
  const parts = [`${plan.applied.length} applied`, `${plan.pending.length} pending`];
  if (plan.failed.length) parts.push(`${plan.failed.length} failed`);
  if (plan.modified.length) parts.push(`${plan.modified.length} modified`);
  if (plan.missing.length) parts.push(`${plan.missing.length} missing`);
  if (plan.unfinished.length) parts.push(`${plan.unfinished.length} unfinished`);
  lines.push(`Total: ${parts.join(', ')}`);
  lines.push(...renderProblems({ warnings, problems }, s));
  return lines.join('\n') + '\n';
}

/** The plan's warning or problem about this entry (`<status>: <name> …`, as plan.ts words them), without its prefix; taken so it is printed once. */
function takeNote(notes: string[], e: PlanEntry): string | undefined {
  const prefix = `${e.status}: ${e.name} `;
  const i = notes.findIndex((n) => n.startsWith(prefix));
  if (i === -1) return undefined;
  return notes.splice(i, 1)[0]!.slice(e.status.length + 2).replace(/\n/g, '\n    ');
}

export function renderPlan(plan: Plan, s: Style = PLAIN): string {
  const lines: string[] = [];
  if (plan.toApply.length === 0 && plan.problems.length === 0) {
    lines.push(`${s.green('✓')} No pending migrations - database is up to date`);
    lines.push(`  (${plan.applied.length} migrations already applied)`);
  } else if (plan.toApply.length > 0) {
    lines.push(`Would apply ${plan.toApply.length} pending migration(s), in this order:`);
    plan.toApply.forEach((f, i) => {
      lines.push(`  ${i + 1}. ${f.name}  ${s.dim(`[${f.mode}: ${f.modeReason}]`)}`);
      if (f.partialRisk) lines.push(`     ${s.yellow('⚠ a failure halfway leaves this file partly applied')}`);
    });
    lines.push(s.dim('(dry run: nothing was applied)'));
  }
  lines.push(...renderProblems(plan, s));
  return lines.join('\n') + '\n';
}

function renderProblems(plan: Pick<Plan, 'warnings' | 'problems'>, s: Style): string[] {
  return [...plan.warnings.map((w) => `${s.yellow('⚠')} ${w}`), ...plan.problems.map((p) => `${s.red('✗')} ${p}`)];
}

// --- text rendering of log events ------------------------------------------------------------

export interface LogEvent {
  level: number;
  msg?: string;
  event?: string;
  [key: string]: unknown;
}

const LEVEL_WARN = 40;
const LEVEL_ERROR = 50;
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'event', 'app', 'version', 'pid', 'hostname', 'err']);

/** How a log event reads on a terminal; report-shaped for the events the earlier script printed. */
export function renderEvent(e: LogEvent, s: Style = PLAIN): string {
  switch (e.event) {
    case 'run.start':
      return `Applying ${String(e.pending)} pending migration(s)...`;
    case 'migration.start':
      return `  Applying: ${String(e.file)}`;
    case 'migration.applied':
      return `  ${s.green('✓')} Applied in ${String(e.durationMs)}ms`;
    case 'run.summary':
      return renderSummary(e, s);
  }
  const fields = Object.entries(e)
    .filter(([k, v]) => !HIDDEN_KEYS.has(k) && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  // The title often repeats the error's first line; say it once.
  const fullErr = errorText(e.err);
  const [firstLine = '', ...restLines] = fullErr.split('\n');
  const errText = e.msg && firstLine.replace(/:$/, '') === e.msg ? restLines.join('\n') : fullErr;
  // Info lines stay short on a terminal; warnings and errors carry their fields.
  const body = [e.msg ?? '', fields && e.level >= LEVEL_WARN ? s.dim(fields) : ''].filter(Boolean).join('  ');
  if (e.level >= LEVEL_ERROR) return `${s.red('✗')} ${body}${errText ? `\n${indent(errText)}` : ''}`;
  if (e.level >= LEVEL_WARN) return `${s.yellow('⚠')} ${body}${errText ? `\n${indent(errText)}` : ''}`;
  return s.dim(body);
}

function errorText(err: unknown): string {
  if (!err || typeof err !== 'object') return '';
  const m = (err as { message?: unknown }).message;
  return typeof m === 'string' ? m : '';
}

function indent(t: string): string {
  return t
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function renderSummary(e: LogEvent, s: Style): string {
  const applied = Number(e.applied ?? 0);
  const failed = Number(e.failed ?? 0);
  const total = Number(e.totalApplied ?? 0);
  if (applied === 0 && failed === 0) {
    return `${s.green('✓')} No pending migrations - database is up to date\n  (${total} migrations already applied)`;
  }
  const lines = [s.bold('Migration Summary'), `  Success: ${applied}`];
  if (failed) lines.push(`  ${s.red(`Failed: ${failed}`)}`);
  lines.push(`  Total applied: ${total} migrations`);
  return lines.join('\n');
}

// --- --json documents ------------------------------------------------------------------------

function entryJson(e: PlanEntry) {
  return {
    file: e.name,
    status: e.status,
    appliedAt: e.row?.success ? e.row.appliedAt : undefined,
    checksum: e.file?.checksum ?? e.row?.checksum ?? undefined,
    appliedChecksum: e.status === 'modified' ? (e.row?.checksum ?? undefined) : undefined,
    executionTimeMs: e.row?.executionTimeMs ?? undefined,
    mode: e.file?.mode,
    error: e.row && !e.row.success ? (e.row.errorMessage ?? undefined) : undefined,
  };
}

export function planJson(plan: Plan) {
  return {
    applied: plan.applied.map(entryJson),
    pending: plan.pending.map(entryJson),
    failed: plan.failed.map(entryJson),
    outOfOrder: plan.outOfOrder.map(entryJson),
    modified: plan.modified.map(entryJson),
    missing: plan.missing.map(entryJson),
    unfinished: plan.unfinished.map(entryJson),
    toApply: plan.toApply.map((f) => ({ file: f.name, mode: f.mode, reason: f.modeReason, partialRisk: f.partialRisk, checksum: f.checksum })),
    warnings: plan.warnings,
    problems: plan.problems,
  };
}

export function resultJson(r: ApplyResult) {
  return { file: r.name, status: r.status, mode: r.mode, durationMs: r.durationMs, checksum: r.checksum, error: r.error };
}

/** The one document --json prints on stdout. */
export function renderJson(command: string, ok: boolean, data: Record<string, unknown>): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, command, ok, ...data }, null, 2) + '\n';
}
