// Comparing files with history. Pure: data in, data out — no client, no logger, no clock.
import { isUnfinished } from './apply/history-rows.js';
import { byName, versionOf } from './source/names.js';
import type { HistoryRow, MigrationFile, Plan, PlanEntry, Policy } from './types.js';

export function buildPlan(files: MigrationFile[], rows: HistoryRow[], policy: Policy): Plan {
  const byFile = new Map(rows.map((r) => [r.filename, r]));
  const onDisk = new Set(files.map((f) => f.name));
  const plan: Plan = { applied: [], pending: [], failed: [], outOfOrder: [], modified: [], missing: [], unfinished: [], renamed: [], conflicts: [], noChecksum: [], otherChecksum: [], toApply: [], problems: [], warnings: [] };
  const newestApplied = rows.filter((r) => r.success).reduce<string | undefined>((max, r) => (max === undefined || byName(r.filename, max) > 0 ? r.filename : max), undefined);
  const elsewhere = appliedElsewhere(rows, onDisk);

  for (const file of files) classify(plan, file, byFile.get(file.name), newestApplied, elsewhere, policy);
  const claimed = new Set([...plan.renamed, ...plan.conflicts].map((e) => e.row!.filename));
  for (const row of rows) {
    if (onDisk.has(row.filename) || claimed.has(row.filename)) continue;
    if (row.success) plan.missing.push({ name: row.filename, status: 'missing', row });
    else if (isUnfinished(row)) plan.unfinished.push({ name: row.filename, status: 'unfinished', row });
  }
  // In application order. Usually that is already the files' order: then the sort (1000 calls of the
  // comparator, before the JIT has warmed up, ~1 ms of a no-op run) is skipped.
  if (!inIdOrder(plan.applied)) plan.applied.sort((a, b) => (a.row?.id ?? 0) - (b.row?.id ?? 0));
  judge(plan, policy);
  if (plan.problems.length === 0) {
    const upTo = policy.upTo;
    plan.toApply = plan.pending.filter((e) => upTo === undefined || byName(e.name, upTo) <= 0).map((e) => e.file!);
  }
  return plan;
}

/**
 * Successful rows whose file is not on disk, by version: a file with the same version but another
 * name is that migration renamed, or a different migration reusing an applied version. Empty (and
 * nothing parsed) on the usual run, where every row has its file.
 */
function appliedElsewhere(rows: HistoryRow[], onDisk: Set<string>): Map<string, HistoryRow> {
  const found = new Map<string, HistoryRow>();
  for (const row of rows) {
    if (!row.success || onDisk.has(row.filename)) continue;
    const version = versionOf(row.filename);
    if (version !== undefined) found.set(version, row);
  }
  return found;
}

function inIdOrder(entries: PlanEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if ((entries[i - 1]!.row?.id ?? 0) > (entries[i]!.row?.id ?? 0)) return false;
  return true;
}

function classify(plan: Plan, file: MigrationFile, row: HistoryRow | undefined, newestApplied: string | undefined, elsewhere: Map<string, HistoryRow>, policy: Policy): void {
  if (row?.success) {
    const as = row.checksum === null ? '' : matchChecksum(file, row.checksum, policy);
    if (as === undefined) {
      plan.modified.push({ name: file.name, status: 'modified', file, row });
      return;
    }
    const entry: PlanEntry = { name: file.name, status: 'applied', file, row, ...(as ? { checksumAs: as } : {}) };
    plan.applied.push(entry);
    if (row.checksum === null) plan.noChecksum.push(entry);
    else if (as) plan.otherChecksum.push(entry);
    return;
  }
  if (row && isUnfinished(row)) {
    plan.unfinished.push({ name: file.name, status: 'unfinished', file, row });
    return;
  }
  const other = elsewhere.size > 0 ? elsewhere.get(file.version) : undefined;
  if (other) {
    renamedOrConflict(plan, file, other, policy);
    return;
  }
  const outOfOrder = newestApplied !== undefined && byName(file.name, newestApplied) < 0;
  const entry: PlanEntry = { name: file.name, status: outOfOrder ? 'outOfOrder' : row ? 'failed' : 'pending', file, ...(row ? { row } : {}) };
  plan.pending.push(entry);
  if (row) plan.failed.push(entry);
  if (outOfOrder) plan.outOfOrder.push(entry);
}

/** A file whose version is applied under another name: the same content is that migration renamed. */
function renamedOrConflict(plan: Plan, file: MigrationFile, row: HistoryRow, policy: Policy): void {
  const as = row.checksum === null ? undefined : matchChecksum(file, row.checksum, policy);
  if (as === undefined) {
    plan.conflicts.push({ name: file.name, status: 'conflict', file, row });
    return;
  }
  const entry: PlanEntry = { name: file.name, status: 'renamed', file, row, ...(as ? { checksumAs: as } : {}) };
  plan.applied.push(entry);
  plan.renamed.push(entry);
}

/**
 * How a recorded checksum matches the file: '' as pgshift computes it (or the earlier script did:
 * the raw bytes), a variant's description, or undefined when it does not match.
 */
function matchChecksum(file: MigrationFile, recorded: string, policy: Policy): string | undefined {
  if (recorded === file.checksum || recorded === file.rawChecksum) return '';
  const lower = recorded.toLowerCase();
  return policy.variants?.get(file.name)?.find((v) => v.checksum === lower)?.how;
}

function judge(plan: Plan, policy: Policy): void {
  for (const e of plan.modified) plan.problems.push(modifiedProblem(e, policy));
  for (const e of plan.conflicts) plan.problems.push(conflictProblem(e));
  for (const e of plan.unfinished) plan.problems.push(unfinishedProblem(e));
  for (const e of plan.renamed) {
    const text = `renamed: ${e.name} has the version and content of ${e.row!.filename}, which is recorded as applied`;
    const fix = `run \`pgshift repair ${e.name}\` to record the new name`;
    if (policy.strict) plan.problems.push(`${text}; refused by --strict: ${fix}`);
    else plan.warnings.push(`${text}: it counts as applied and is not run again; ${fix}`);
  }
  for (const e of plan.missing) {
    const text = `missing: ${e.name} is recorded as applied but is not in the migrations folder (an older image on a newer database?)`;
    (policy.strict ? plan.problems : plan.warnings).push(policy.strict ? `${text}; refused by --strict` : `${text}; expected while an older image runs, otherwise restore the file from version control`);
  }
  for (const e of plan.outOfOrder) {
    const text = `outOfOrder: ${e.name} is pending but sorts before the newest applied migration`;
    (policy.strict ? plan.problems : plan.warnings).push(policy.strict ? `${text}; refused by --strict` : `${text}; applying it anyway`);
  }
  if (plan.noChecksum.length) {
    plan.warnings.push(
      `no checksum recorded: ${names(plan.noChecksum)} ${plan.noChecksum.length === 1 ? 'has a history row' : 'have history rows'} without a checksum (written before checksums were kept), so an edit to ${plan.noChecksum.length === 1 ? 'it' : 'them'} goes unnoticed; once you have checked the files are as applied, run \`pgshift repair\` to record their checksums`,
    );
  }
  if (plan.otherChecksum.length) {
    plan.warnings.push(
      `checksum recorded another way: ${plan.otherChecksum.map((e) => `${e.name} (${e.checksumAs})`).join(', ')}: the same content, accepted; run \`pgshift repair\` to record pgshift's checksum (sha256 of the text with a leading BOM removed and CRLF → LF)`,
    );
  }
}

const COMPARED = 'the sha256 of its text (leading BOM removed, CRLF → LF) and of its raw bytes';
const COMPARED_ALL = `${COMPARED}, with CRLF line ends, with a BOM, and the md5 of each`;

function modifiedProblem(e: PlanEntry, policy: Policy): string {
  const compared = policy.variants?.has(e.name) ? COMPARED_ALL : COMPARED;
  return (
    `modified: ${e.name} was applied with checksum ${short(e.row?.checksum)} but the file now has ${short(e.file?.checksum)} (compared: ${compared}); ` +
    `restore the file as it was applied (from version control), or if the edit is intended and already reflected in the database run \`pgshift repair ${e.name}\``
  );
}

function conflictProblem(e: PlanEntry): string {
  const row = e.row!;
  const own = `give ${e.name} a version of its own (\`pgshift create NAME\`, then move its SQL there)`;
  if (row.checksum === null) {
    return (
      `conflict: ${e.name} has version ${e.file!.version}, which is applied as ${row.filename} with no checksum recorded, so it cannot be told whether ${e.name} is that migration renamed; ` +
      `a version is applied once. If it is the same migration, run \`pgshift repair ${e.name}\` to record the new name; if not, restore ${row.filename} and ${own}`
    );
  }
  return (
    `conflict: ${e.name} has version ${e.file!.version}, which is applied as ${row.filename} with other content (checksum ${short(row.checksum)} recorded, ${short(e.file!.checksum)} in the file); ` +
    `a version is applied once, so it is not run: restore ${row.filename} as it was applied, and ${own}`
  );
}

function unfinishedProblem(e: PlanEntry): string {
  return (
    `unfinished: ${e.name} is a no-transaction file whose run stopped midway (${excerpt(e.row?.errorMessage ?? '')}); some of its statements may have taken effect. ` +
    `Check the database, complete or undo them by hand, then run \`pgshift repair ${e.name}\` to clear the row (the file is applied again on the next run), or \`pgshift baseline --to ${e.name}\` if it is complete`
  );
}

/** A recorded message on one line (its lines joined by "; "), cut at a word boundary. */
function excerpt(message: string, max = 300): string {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut} …`;
}

function names(entries: PlanEntry[], max = 5): string {
  const shown = entries.slice(0, max).map((e) => e.name);
  return entries.length > max ? `${shown.join(', ')} and ${entries.length - max} more` : shown.join(', ');
}

function short(checksum: string | null | undefined): string {
  return checksum ? checksum.slice(0, 12) : 'none';
}
