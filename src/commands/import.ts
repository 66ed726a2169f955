// `import --from TOOL`: the orchestration; reading other tools' histories is src/import.ts's.
import { ConfigError } from '../errors.js';
import { toolName, type Tool } from '../detect.js';
import { historyColumns, historyTable, readHistory, type HistoryTable } from '../apply/history.js';
import { recordImported } from '../apply/history-rows.js';
import { findToolHistory, readerFor, rejectUnclean } from '../import.js';
import type { HistoryRow } from '../types.js';
import type { Context } from './context.js';
import type { ImportResult } from './results.js';
import { readFiles, withMigrationLock, withSession } from './session.js';

/**
 * `import --from TOOL`: the files the other tool applied are recorded as applied, under the lock, in
 * one transaction; nothing runs and the other tool's table is only read. `--dry-run` records nothing
 * and creates nothing.
 */
export async function importHistory(ctx: Context): Promise<ImportResult> {
  const read = readerFor(ctx.args.from!);
  const tool = ctx.args.from as Tool;
  const files = await readFiles(ctx);
  const { theirs, imported, pending } = await withSession(ctx, async (session) => {
    const found = await findToolHistory(session.client, tool);
    if (!found.readable) throw new ConfigError([`import: the role may not read ${found.schema}.${found.table}; GRANT USAGE ON SCHEMA ${found.schema} and SELECT ON ${found.schema}.${found.table} to it`]);
    const theirs = historyTable(session.client, found.schema, found.table);
    // Read and judged before pgshift's history is created or locked: an unclean history changes nothing.
    const reading = await read(session.client, theirs, files);
    rejectUnclean(tool, theirs, reading);
    const carryOver = async (rows: HistoryRow[], t?: HistoryTable) => {
      const done = new Set(rows.filter((r) => r.success).map((r) => r.filename));
      const imported = reading.imported.filter((i) => !done.has(i.file.name));
      if (t) await recordImported(session.client, t, imported);
      const all = new Set([...done, ...reading.imported.map((i) => i.file.name)]);
      return { theirs, imported, pending: files.filter((f) => !all.has(f.name)) };
    };
    if (ctx.args.dryRun) {
      const t = historyTable(session.client, ctx.config.schema, ctx.config.table);
      const columns = await historyColumns(session.client, t);
      return carryOver(columns ? await readHistory(session.client, t, columns) : []);
    }
    return withMigrationLock(ctx, session, (t, rows) => carryOver(rows, t), true);
  });
  const verb = ctx.args.dryRun ? 'would record as applied without running' : 'recorded as applied without running';
  for (const i of imported) ctx.log.info({ event: 'import.recorded', file: i.file.name, checksum: i.file.checksum, dryRun: ctx.args.dryRun === true }, `${verb}: ${i.file.name}`);
  for (const f of pending) ctx.log.info({ event: 'import.pending', file: f.name }, `not applied by ${toolName(tool)}, pending: ${f.name}`);
  return { command: 'import', from: tool, tool: toolName(tool), table: theirs.display, dryRun: ctx.args.dryRun === true, recorded: imported.map((i) => i.file.name), pending: pending.map((f) => f.name) };
}
