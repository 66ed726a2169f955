// History tables already in the database: pgshift's own elsewhere, the earlier script's
// kb.schema_migrations, and those of other migration tools. Asked only when the configured history
// table does not exist, so that a first run never starts a fresh history over an existing one (and
// re-applies every migration); the run that finds its table never pays for this query.
import type pg from 'pg';
import { ConfigError, PlanRejectedError } from './errors.js';

export type Tool =
  | 'earlier-script'
  | 'pgshift'
  | 'flyway'
  | 'golang-migrate'
  | 'dbmate'
  | 'goose'
  | 'prisma'
  | 'diesel'
  | 'node-pg-migrate'
  | 'sqitch'
  | 'postgrator'
  | 'graphile-migrate';

/** A table recognised as a migration history. */
export interface FoundHistory {
  schema: string;
  table: string;
  tool: Tool;
  /** The role may read it (USAGE on the schema, SELECT on the table). */
  readable: boolean;
}

/** The columns pgshift's history has (history.ts); the earlier script's table has these or fewer. */
const PGSHIFT_COLUMNS = ['id', 'filename', 'applied_at', 'checksum', 'execution_time_ms', 'success', 'error_message'];

/** Each tool's table name (its default) and the columns that tell it apart from a table that only shares the name. */
const SIGNATURES: Array<{ tool: Tool; schema?: string; table: string; columns: string[]; only?: true }> = [
  { tool: 'flyway', table: 'flyway_schema_history', columns: ['installed_rank', 'version', 'script', 'checksum', 'success'] },
  { tool: 'golang-migrate', table: 'schema_migrations', columns: ['version', 'dirty'], only: true },
  { tool: 'dbmate', table: 'schema_migrations', columns: ['version'], only: true },
  { tool: 'goose', table: 'goose_db_version', columns: ['version_id', 'is_applied'] },
  { tool: 'prisma', table: '_prisma_migrations', columns: ['migration_name', 'checksum', 'finished_at', 'rolled_back_at'] },
  { tool: 'diesel', table: '__diesel_schema_migrations', columns: ['version', 'run_on'], only: true },
  { tool: 'node-pg-migrate', table: 'pgmigrations', columns: ['id', 'name', 'run_on'], only: true },
  { tool: 'sqitch', schema: 'sqitch', table: 'changes', columns: ['change_id', 'change', 'project', 'script_hash'] },
  { tool: 'postgrator', table: 'schemaversion', columns: ['version', 'name', 'md5'] },
  { tool: 'graphile-migrate', schema: 'graphile_migrate', table: 'migrations', columns: ['hash', 'previous_hash', 'filename'] },
];

const TOOL_NAMES: Record<Tool, string> = {
  'earlier-script': 'the earlier script',
  pgshift: 'pgshift',
  flyway: 'Flyway',
  'golang-migrate': 'golang-migrate',
  dbmate: 'dbmate',
  goose: 'goose',
  prisma: 'Prisma Migrate',
  diesel: 'diesel',
  'node-pg-migrate': 'node-pg-migrate',
  sqitch: 'sqitch',
  postgrator: 'postgrator',
  'graphile-migrate': 'graphile-migrate',
};

export function toolName(tool: Tool): string {
  return TOOL_NAMES[tool];
}

/**
 * Which history a table is, from its schema, name and columns; undefined for a table that merely
 * shares a name (a `schema_migrations` with other columns). pgshift's shape is told by its columns
 * whatever its name; in `kb.schema_migrations` it is the earlier script's table.
 */
export function classify(schema: string, table: string, columns: string[]): Tool | undefined {
  if (columns.includes('filename') && columns.includes('applied_at') && columns.every((c) => PGSHIFT_COLUMNS.includes(c))) {
    return schema === 'kb' && table === 'schema_migrations' ? 'earlier-script' : 'pgshift';
  }
  const signature = SIGNATURES.find(
    (s) => s.table === table && (s.schema === undefined || s.schema === schema) && s.columns.every((c) => columns.includes(c)) && (!s.only || columns.length === s.columns.length),
  );
  return signature?.tool;
}

/**
 * One catalog query: every table named as a known tool names its history, or with pgshift's
 * `filename` and `applied_at` columns. The catalogs are readable by every role, so a table in a
 * schema the role may not use is found too (and reported as such).
 */
export async function findHistories(client: pg.Client): Promise<FoundHistory[]> {
  const { rows } = await client.query<{ schema: string; table: string; columns: string[]; readable: boolean }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns,
            has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS readable
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
        AND (c.relname = ANY($1::text[])
             OR (EXISTS (SELECT 1 FROM pg_attribute f WHERE f.attrelid = c.oid AND f.attname = 'filename' AND NOT f.attisdropped)
                 AND EXISTS (SELECT 1 FROM pg_attribute f WHERE f.attrelid = c.oid AND f.attname = 'applied_at' AND NOT f.attisdropped)))
      GROUP BY n.oid, n.nspname, c.oid, c.relname
      ORDER BY n.nspname, c.relname`,
    [[...new Set(SIGNATURES.map((s) => s.table))]],
  );
  const found: FoundHistory[] = [];
  for (const r of rows) {
    const tool = classify(r.schema, r.table, r.columns);
    if (tool) found.push({ schema: r.schema, table: r.table, tool, readable: r.readable });
  }
  return found;
}

/** What the run does with the history tables found when the configured one does not exist. */
export type HistoryChoice = { action: 'create'; warnings: string[] } | { action: 'use'; found: FoundHistory };

export interface ChoiceSettings {
  /** The configured table, `schema.table`. */
  display: string;
  history: 'found' | 'set' | 'new' | 'tenant';
}

/**
 * A fresh history is started only when nothing is found, or when HISTORY=new says so. The earlier
 * script's table is used when it is the only history and the table was not named; anything else
 * stops the run before anything is applied, with the setting or the command that resolves it.
 */
export function chooseHistory(found: FoundHistory[], settings: ChoiceSettings): HistoryChoice {
  // A fleet's schema target (src/fleet/): histories in other schemas are other tenants'.
  if (settings.history === 'tenant') return chooseHistory(found.filter((f) => settings.display.startsWith(`${f.schema}.`)), { ...settings, history: 'set' });
  if (found.length === 0) return { action: 'create', warnings: [] };
  if (settings.history === 'new') {
    return { action: 'create', warnings: [`HISTORY=new: starting a new history ${settings.display} although ${found.map(describe).join(', ')} exists`] };
  }
  const only = found.length === 1 ? found[0]! : undefined;
  if (only?.tool === 'earlier-script' && settings.history === 'found') {
    if (!only.readable) throw unreadable(only);
    return { action: 'use', found: only };
  }
  throw new PlanRejectedError([refusal(found, settings)]);
}

function describe(f: FoundHistory): string {
  return `${f.schema}.${f.table} (${toolName(f.tool)}'s history)`;
}

function refusal(found: FoundHistory[], settings: ChoiceSettings): string {
  const lines = [`the history table ${settings.display} does not exist, but the database holds ${found.length === 1 ? 'a migration history' : `${found.length} migration histories`}: ${found.map(describe).join(', ')}; nothing was applied`];
  for (const f of found) lines.push(`  ${f.schema}.${f.table}: ${remedy(f)}`);
  lines.push('  to start a new, empty history anyway (every file in MIGRATIONS_DIR is then applied), set HISTORY=new for this run');
  return lines.join('\n');
}

/** The one thing to do to carry on from this table. */
export function remedy(f: FoundHistory): string {
  const grant = f.readable ? '' : ` (the role may not read it: GRANT USAGE ON SCHEMA ${f.schema} and SELECT ON ${f.schema}.${f.table} to it first)`;
  if (f.tool === 'earlier-script' || f.tool === 'pgshift') return `to keep using it, set ${schemaSetting(f)}${grant}`;
  return `to carry its applied migrations over without running them, run: ${importCommand(f)}${grant}`;
}

function schemaSetting(f: FoundHistory): string {
  const table = f.table === 'schema_migrations' ? '' : ` MIGRATIONS_TABLE=${quoteIfNeeded(f.table)}`;
  return `MIGRATIONS_SCHEMA=${quoteIfNeeded(f.schema)}${table}`;
}

/** As MIGRATIONS_SCHEMA/MIGRATIONS_TABLE read it: upper case only in double quotes (config.ts). */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `'"${name}"'`;
}

/**
 * `pgshift import --from TOOL`. A tool whose table is `schema_migrations` in the schema pgshift
 * would use holds pgshift's default name, so pgshift's history then needs a name of its own.
 */
export function importCommand(f: FoundHistory, pgshiftTable = 'public.schema_migrations'): string {
  const clash = `${f.schema}.${f.table}` === pgshiftTable;
  return `${clash ? 'MIGRATIONS_TABLE=pgshift_migrations ' : ''}pgshift import --from ${f.tool}${clash ? ' (and keep MIGRATIONS_TABLE=pgshift_migrations set wherever pgshift runs)' : ''}`;
}

function unreadable(f: FoundHistory): ConfigError {
  return new ConfigError([
    `history: ${describe(f)} exists but the role may not read it; GRANT USAGE ON SCHEMA ${f.schema} and SELECT, INSERT, UPDATE, DELETE ON ${f.schema}.${f.table} to the role, or set HISTORY=new to start a new history (every file is then applied again)`,
  ]);
}
