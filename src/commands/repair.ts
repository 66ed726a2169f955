// `repair [FILE]`: reconcile the history with the folder after a human decided so — accept edited
// checksums, record renames, clear failed and unfinished rows. `--dry-run` writes nothing.
import type { Session } from '../session/session.js';
import { SourceError } from '../errors.js';
import type { HistoryTable } from '../apply/history.js';
import { acceptChecksum, deleteRow, renameRow } from '../apply/history-rows.js';
import type { HistoryRow, MigrationFile, Plan, PlanEntry } from '../types.js';
import type { Context } from './context.js';
import { planOf, readOnlyRows } from './planning.js';
import type { RepairResult } from './results.js';
import { readFiles, withMigrationLock, withSession } from './session.js';

/** One change `repair` makes: the file, what it was and what it becomes, and the write. */
interface Repair {
  file: string;
  change: string;
  write(client: Session['client'], t: HistoryTable): Promise<void>;
}

export async function repair(ctx: Context): Promise<RepairResult> {
  const files = await readFiles(ctx);
  const only = ctx.args.file;
  const chosen = (rows: HistoryRow[]): Repair[] => {
    const plan = planOf(files, rows, { strict: false });
    const all = repairsOf(plan, only);
    const picked = only === undefined ? all : all.filter((r) => r.file === only);
    if (only !== undefined && picked.length === 0) refuseRepair(ctx, only, files, rows, plan);
    return picked;
  };
  const dry = ctx.args.dryRun === true;
  // A dry run reads the history as it is (creating nothing) and needs no lock: it writes nothing.
  const changes = await withSession(ctx, (session) =>
    dry
      ? readOnlyRows(ctx, session).then(chosen)
      : withMigrationLock(ctx, session, async (t, rows) => {
          const todo = chosen(rows);
          for (const r of todo) await r.write(session.client, t);
          return todo;
        }),
  );
  for (const c of changes) ctx.log.info({ event: dry ? 'repair.would' : 'repair.changed', file: c.file }, `${dry ? '(dry run) ' : ''}${c.file}: ${c.change}`);
  if (changes.length === 0) ctx.log.info({ event: 'repair.none' }, only === undefined ? 'nothing to repair: every applied file matches its history row' : `${only}: nothing to repair`);
  return { command: 'repair', dryRun: dry, changes: changes.map(({ file, change }) => ({ file, change })) };
}

/** Every change repair would make to reconcile the history with the folder, file by file. */
function repairsOf(plan: Plan, only: string | undefined): Repair[] {
  const short = (c: string | null | undefined) => (c ? c.slice(0, 12) : 'none');
  const accept = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => acceptChecksum(c, t, e.name, e.file!.checksum) });
  const rename = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => renameRow(c, t, e.row!.filename, e.name, e.file!.checksum) });
  const remove = (e: PlanEntry, change: string): Repair => ({ file: e.name, change, write: (c, t) => deleteRow(c, t, e.name) });
  return [
    ...plan.modified.map((e) => accept(e, `checksum ${short(e.row?.checksum)} → ${short(e.file!.checksum)} accepted`)),
    ...plan.otherChecksum.map((e) => accept(e, `checksum ${short(e.row?.checksum)} (${e.checksumAs}) → ${short(e.file!.checksum)} recorded; the same content`)),
    ...plan.noChecksum.map((e) => accept(e, `no checksum recorded → ${short(e.file!.checksum)} recorded`)),
    ...plan.renamed.map((e) => rename(e, `recorded under its new name (was ${e.row!.filename}; same version and content)`)),
    // Without a checksum nothing proves a rename: only a person naming the file decides that.
    ...plan.conflicts.filter((e) => e.row!.checksum === null && e.name === only).map((e) => rename(e, `recorded under its new name (was ${e.row!.filename}, which had no checksum), as asked`)),
    ...plan.failed.map((e) => remove(e, 'failed row removed; the file is pending again')),
    ...plan.unfinished.map((e) => remove(e, 'unfinished row removed; the file is pending again')),
  ];
}

/** `repair FILE` with nothing to do for FILE: exit 6 when FILE is unknown or cannot be repaired. */
function refuseRepair(ctx: Context, only: string, files: MigrationFile[], rows: HistoryRow[], plan: Plan): void {
  if (!files.some((f) => f.name === only) && !rows.some((r) => r.filename === only)) {
    throw new SourceError(`repair ${only}: no such file in ${ctx.config.migrationsDir} and no history row by that name; see \`pgshift --list\``);
  }
  const conflict = plan.conflicts.find((e) => e.name === only);
  if (conflict) throw new SourceError(`repair ${only}: not repaired: ${plan.problems.find((p) => p.startsWith(`conflict: ${only} `)) ?? 'its version is applied under another name with other content'}`);
}
