// Comparing files with history. Pure: data in, data out — no client, no logger, no clock.
import { isUnfinished } from './history.js';
import { byName } from './source.js';
import type { HistoryRow, MigrationFile, Plan, PlanEntry, Policy } from './types.js';

export function buildPlan(files: MigrationFile[], rows: HistoryRow[], policy: Policy): Plan {
  const byFile = new Map(rows.map((r) => [r.filename, r]));
  const onDisk = new Set(files.map((f) => f.name));
  const plan: Plan = { applied: [], pending: [], failed: [], outOfOrder: [], modified: [], missing: [], unfinished: [], toApply: [], problems: [], warnings: [] };
  const newestApplied = rows.filter((r) => r.success).reduce<string | undefined>((max, r) => (max === undefined || byName(r.filename, max) > 0 ? r.filename : max), undefined);

  for (const file of files) classify(plan, file, byFile.get(file.name), newestApplied);
  for (const row of rows) {
    if (onDisk.has(row.filename)) continue;
    if (row.success) plan.missing.push({ name: row.filename, status: 'missing', row });
    else if (isUnfinished(row)) plan.unfinished.push({ name: row.filename, status: 'unfinished', row });
  }
  // In application order. Usually that is already the files' order: then the sort (1000 calls of the
  // comparator, before the JIT has warmed up, ~1 ms of a no-op run) is skipped.
  if (!inIdOrder(plan.applied)) plan.applied.sort((a, b) => (a.row?.id ?? 0) - (b.row?.id ?? 0));
  judge(plan, policy);
  if (plan.problems.length === 0) plan.toApply = plan.pending.map((e) => e.file!);
  return plan;
}

function inIdOrder(entries: PlanEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if ((entries[i - 1]!.row?.id ?? 0) > (entries[i]!.row?.id ?? 0)) return false;
  return true;
}

function classify(plan: Plan, file: MigrationFile, row: HistoryRow | undefined, newestApplied: string | undefined): void {
  if (row?.success) {
    const same = row.checksum === null || row.checksum === file.checksum || row.checksum === file.rawChecksum;
    (same ? plan.applied : plan.modified).push({ name: file.name, status: same ? 'applied' : 'modified', file, row });
    return;
  }
  if (row && isUnfinished(row)) {
    plan.unfinished.push({ name: file.name, status: 'unfinished', file, row });
    return;
  }
  const outOfOrder = newestApplied !== undefined && byName(file.name, newestApplied) < 0;
  const entry: PlanEntry = { name: file.name, status: outOfOrder ? 'outOfOrder' : row ? 'failed' : 'pending', file, ...(row ? { row } : {}) };
  plan.pending.push(entry);
  if (row) plan.failed.push(entry);
  if (outOfOrder) plan.outOfOrder.push(entry);
}

function judge(plan: Plan, policy: Policy): void {
  for (const e of plan.modified) {
    plan.problems.push(
      `modified: ${e.name} was applied with checksum ${short(e.row?.checksum)} but the file now has ${short(e.file?.checksum)}; restore the file, or if the edit is intended and already reflected in the database run \`pgshift repair\``,
    );
  }
  for (const e of plan.unfinished) plan.problems.push(unfinishedProblem(e));
  for (const e of plan.missing) {
    const text = `missing: ${e.name} is recorded as applied but is not in the migrations folder (an older image on a newer database?)`;
    (policy.strict ? plan.problems : plan.warnings).push(policy.strict ? `${text}; refused by --strict` : text);
  }
  for (const e of plan.outOfOrder) {
    const text = `outOfOrder: ${e.name} is pending but sorts before the newest applied migration`;
    (policy.strict ? plan.problems : plan.warnings).push(policy.strict ? `${text}; refused by --strict` : `${text}; applying it anyway`);
  }
}

function unfinishedProblem(e: PlanEntry): string {
  return (
    `unfinished: ${e.name} is a no-transaction file whose run stopped midway (${e.row?.errorMessage?.slice(0, 160) ?? ''}); ` +
    `some of its statements may have taken effect. Check the database, complete or undo them by hand, then run ` +
    `\`pgshift repair\` to clear the row (the file is applied again on the next run), or \`pgshift baseline --to ${e.name}\` if it is complete`
  );
}

function short(checksum: string | null | undefined): string {
  return checksum ? checksum.slice(0, 12) : 'none';
}
