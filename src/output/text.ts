// The human report of `status` and `plan`: pure string builders. Their lines are a contract:
// people and scripts grep them (README "Output").
import type { Plan, PlanEntry } from '../types.js';
import { PLAIN, type Style } from './style.js';

/** `2025-10-18 19:53:41 UTC`: to the second, in UTC as --json has it. */
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
  section('Applied Migrations:', plan.applied, (e) => `  ${s.green('✓')} ${e.status === 'renamed' ? noted(e, e.name) : `${e.name} ${s.dim(`(${e.row ? formatTime(e.row.appliedAt) : '?'})`)}${appliedMark(e, s)}`}`);
  section('Modified Migrations:', plan.modified, (e) => `  ${s.red('!')} ${noted(e, `${e.name} ${s.dim('(checksum differs from the applied file; see `pgshift repair`)')}`)}`);
  section('Conflicting Migrations:', plan.conflicts, (e) => `  ${s.red('!')} ${noted(e, `${e.name} ${s.dim(`(its version is applied as ${e.row!.filename} with ${e.row!.checksum === null ? 'no checksum recorded' : 'other content'})`)}`)}`);
  section('Unfinished Migrations:', plan.unfinished, (e) => `  ${s.red('!')} ${noted(e, `${e.name} ${s.dim(`(${describeEntry(e)})`)}`)}`);
  section('Missing Migrations:', plan.missing, (e) => `  ${s.yellow('?')} ${noted(e, `${e.name} ${s.dim('(in history, not on disk)')}`)}`);
  section('Failed Migrations:', plan.failed, (e) => `  ${s.red('✗')} ${e.name} ${s.dim(`(${describeEntry(e)})`)}`);
  section('Pending Migrations:', plan.pending, (e) => `  • ${e.status === 'outOfOrder' ? noted(e, `${e.name}${s.yellow(' (out of order)')}`) : e.name}`);
  const parts = [`${plan.applied.length} applied`, `${plan.pending.length} pending`];
  if (plan.failed.length) parts.push(`${plan.failed.length} failed`);
  if (plan.modified.length) parts.push(`${plan.modified.length} modified`);
  if (plan.missing.length) parts.push(`${plan.missing.length} missing`);
  if (plan.unfinished.length) parts.push(`${plan.unfinished.length} unfinished`);
  if (plan.conflicts.length) parts.push(`${plan.conflicts.length} in conflict`);
  lines.push(`Total: ${parts.join(', ')}`);
  lines.push(...renderProblems({ warnings, problems }, s));
  return lines.join('\n') + '\n';
}

/** What an applied line adds when its content is not checked. */
function appliedMark(e: PlanEntry, s: Style): string {
  return e.row?.checksum === null ? s.yellow(' (no checksum recorded: content not checked)') : '';
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
