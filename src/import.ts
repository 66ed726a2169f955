// `pgshift import --from TOOL`: what another migration tool recorded as applied is recorded in
// pgshift's history, with today's checksums, without running any SQL and without changing the
// other tool's table. Each tool's history is read by its own reader (src/tools/), which matches its
// rows to the files in MIGRATIONS_DIR by that tool's version rules and reports, instead of
// guessing, whatever is not clean: a failed or unfinished migration, a version without a file, a
// checksum the tool kept that the file no longer has.
import type pg from 'pg';
import { findHistories, toolName, type FoundHistory, type Tool } from './detect.js';
import { PlanRejectedError, UsageError } from './errors.js';
import type { HistoryTable } from './apply/history.js';
import { readDbmate } from './tools/dbmate.js';
import { readDiesel } from './tools/diesel.js';
import { readFlyway } from './tools/flyway.js';
import { readGolangMigrate } from './tools/golang-migrate.js';
import { readGoose } from './tools/goose.js';
import { readGraphileMigrate } from './tools/graphile-migrate.js';
import { readNodePgMigrate } from './tools/node-pg-migrate.js';
import { readPostgrator } from './tools/postgrator.js';
import { readPrisma } from './tools/prisma.js';
import { readSqitch } from './tools/sqitch.js';
import type { ToolReader, ToolReading } from './tools/reader.js';

const READERS: Partial<Record<Tool, ToolReader>> = {
  flyway: readFlyway,
  'golang-migrate': readGolangMigrate,
  dbmate: readDbmate,
  goose: readGoose,
  prisma: readPrisma,
  diesel: readDiesel,
  'node-pg-migrate': readNodePgMigrate,
  sqitch: readSqitch,
  postgrator: readPostgrator,
  'graphile-migrate': readGraphileMigrate,
};

export const IMPORTABLE = Object.keys(READERS) as Tool[];

/** The reader for `--from TOOL`, or a UsageError naming the tools there are. */
export function readerFor(from: string): ToolReader {
  const reader = READERS[from as Tool];
  if (!reader) throw new UsageError(`--from ${from}: pgshift imports the history of ${IMPORTABLE.join(', ')}`);
  return reader;
}

/** The one history table of `tool` in the database (one catalog query). */
export async function findToolHistory(client: pg.Client, tool: Tool): Promise<FoundHistory> {
  const all = await findHistories(client);
  const mine = all.filter((f) => f.tool === tool);
  if (mine.length === 1) return mine[0]!;
  if (mine.length === 0) {
    const others = all.length ? `; found: ${all.map((f) => `${f.schema}.${f.table} (${toolName(f.tool)})`).join(', ')}` : '';
    throw new PlanRejectedError([`import --from ${tool}: no ${toolName(tool)} history table in this database${others}`]);
  }
  throw new PlanRejectedError([`import --from ${tool}: ${mine.length} ${toolName(tool)} history tables (${mine.map((f) => `${f.schema}.${f.table}`).join(', ')}); import needs exactly one`]);
}

/** Stops the import, recording nothing, when the other tool's history is not clean. */
export function rejectUnclean(tool: Tool, t: HistoryTable, reading: ToolReading): void {
  if (reading.problems.length === 0) return;
  throw new PlanRejectedError([
    `import --from ${tool}: ${t.display} cannot be imported as it is; nothing was recorded:\n${reading.problems.map((p) => `  - ${p}`).join('\n')}`,
  ]);
}
