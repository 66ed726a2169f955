// The history table: the only SQL that touches it. Identifiers are quoted with escapeIdentifier;
// values travel as $n parameters — except in the success row that rides in the migration's own
// batch (one round trip per file), where they are quoted by the driver's escapeLiteral.
import type pg from 'pg';
import { classify, importCommand, toolName } from './detect.js';
import { ConfigError, PlanRejectedError } from './errors.js';
import type { HistoryRow, MigrationFile } from './types.js';

export interface HistoryTable {
  schema: string;
  table: string;
  /** `"schema"."table"`, quoted. */
  sql: string;
  /** `schema.table`, for messages. */
  display: string;
}

/** A no-transaction file's row while it runs; left behind when the runner dies midway. */
export const UNFINISHED_PREFIX = 'unfinished: ';

const COLUMNS: Array<[name: string, definition: string]> = [
  ['id', 'SERIAL PRIMARY KEY'],
  ['filename', 'VARCHAR(255) NOT NULL UNIQUE'],
  ['applied_at', 'TIMESTAMP NOT NULL DEFAULT NOW()'],
  ['checksum', 'VARCHAR(64)'],
  ['execution_time_ms', 'INTEGER'],
  ['success', 'BOOLEAN NOT NULL DEFAULT TRUE'],
  ['error_message', 'TEXT'],
];

export function historyTable(client: pg.Client, schema: string, table: string): HistoryTable {
  return { schema, table, sql: `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`, display: `${schema}.${table}` };
}

export type EnsureOutcome = { status: 'created' } | { status: 'exists' } | { status: 'adopted'; addedColumns: string[] };

/**
 * Decides, when the table does not exist, whether to create it (returns the same table) or to use
 * another history table found in the database (detect.ts); it may throw to stop the run.
 */
export type WhenMissing = (t: HistoryTable) => Promise<HistoryTable>;

const createIt: WhenMissing = async (t) => t;

/** Creates the table, or adopts an existing one (adding only missing columns). Call under the lock. */
export async function ensureHistoryTable(client: pg.Client, t: HistoryTable, whenMissing: WhenMissing = createIt): Promise<EnsureOutcome & { table: HistoryTable }> {
  const found = await describeTable(client, t);
  if (!found.columns) {
    const chosen = await whenMissing(t);
    if (chosen !== t) return ensureHistoryTable(client, chosen);
    try {
      if (!found.schemaExists) await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(t.schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.sql} (\n  ${COLUMNS.map(([n, d]) => `${n} ${d}`).join(',\n  ')}\n)`);
    } catch (err) {
      throw (err as { code?: string }).code === '42501' ? cannotCreate(t, err as Error) : err;
    }
    return { status: 'created', table: t };
  }
  const columns = found.columns;
  if (!columns.includes('filename')) throw notHistory(t, columns);
  const missing = COLUMNS.filter(([name]) => !columns.includes(name));
  for (const [name, definition] of missing) {
    const def = definition.replace(' UNIQUE', '').replace(' PRIMARY KEY', '');
    await client.query(`ALTER TABLE ${t.sql} ADD COLUMN IF NOT EXISTS ${name} ${def}`);
  }
  return missing.length ? { status: 'adopted', addedColumns: missing.map(([n]) => n), table: t } : { status: 'exists', table: t };
}

/** A least-privilege role without CREATE where the history table goes: a configuration problem (exit 3). */
function cannotCreate(t: HistoryTable, err: Error): ConfigError {
  return new ConfigError([
    `MIGRATIONS_SCHEMA: cannot create the history table ${t.display} (${err.message}); set MIGRATIONS_SCHEMA to a schema the role owns, or GRANT CREATE ON SCHEMA ${t.schema} TO the role`,
  ]);
}

/**
 * Under the lock: the history, in one query on every run after the first. The table is read as it
 * should be; only when that fails because the schema, the table or a column is not there yet (or
 * may not be seen) is it created or adopted (ensureHistoryTable) and read again. The failed read
 * leaves an ERROR line in the server's log on a database's first run.
 */
export async function openHistory(client: pg.Client, t: HistoryTable, whenMissing?: WhenMissing): Promise<EnsureOutcome & { table: HistoryTable; rows: HistoryRow[] }> {
  try {
    return { status: 'exists', table: t, rows: await readHistory(client, t) };
  } catch (err) {
    if (!NOT_THERE_YET.has((err as { code?: string }).code ?? '')) throw err;
  }
  const ensured = await ensureHistoryTable(client, t, whenMissing);
  return { ...ensured, rows: await readHistory(client, ensured.table) };
}

/**
 * invalid_schema_name, undefined_table, undefined_column; and insufficient_privilege, which is what a
 * role without USAGE on the schema gets for a table that is not there: ensureHistoryTable then says
 * what to grant (exit 3), and a table that is there but not readable fails its second read as before.
 */
const NOT_THERE_YET = new Set(['3F000', '42P01', '42703', '42501']);

/** One history row as readHistory's query sends it: [id, filename, applied_at, checksum, execution_time_ms, success, error_message]. */
type RawRow = [number | null, string, string | null, string | null, number | null, boolean, string | null];

/**
 * All rows, oldest first. `columns` are the table's columns when it may be an older table not yet
 * adopted (read-only commands don't alter it): what it lacks reads as NULL (success as true). The
 * rows travel as one JSON text, which the client parses in a fraction of the time that 1000 rows
 * of seven fields take through the driver's row parser (docs/PERFORMANCE.md).
 */
export async function readHistory(client: pg.Client, t: HistoryTable, columns?: string[]): Promise<HistoryRow[]> {
  const has = (c: string) => !columns || columns.includes(c);
  const pick = (c: string, expr: string, missing: string) => (has(c) ? expr : missing);
  const fields = [
    pick('id', 'id', 'NULL::int'),
    'filename',
    pick('applied_at', 'applied_at::text', 'NULL::text'),
    pick('checksum', 'checksum', 'NULL::text'),
    pick('execution_time_ms', 'execution_time_ms', 'NULL::int'),
    pick('success', 'success', 'true'),
    pick('error_message', 'error_message', 'NULL::text'),
  ];
  const { rows } = await client.query<{ history: string | null }>(
    `SELECT json_agg(json_build_array(${fields.join(', ')}) ORDER BY ${has('id') ? 'id' : 'filename'})::text AS history FROM ${t.sql}`,
  );
  const raw = JSON.parse(rows[0]?.history ?? '[]') as RawRow[];
  return raw.map(([id, filename, appliedAt, checksum, executionTimeMs, success, errorMessage], i) => ({
    id: id ?? i + 1,
    filename,
    appliedAt: appliedAt ?? '',
    checksum,
    executionTimeMs,
    success,
    errorMessage,
  }));
}

/** The table's columns, or undefined when it does not exist yet (status, plan, validate, await read without creating it). */
export async function historyColumns(client: pg.Client, t: HistoryTable): Promise<string[] | undefined> {
  const { columns } = await describeTable(client, t);
  if (columns && !columns.includes('filename')) throw notHistory(t, columns);
  return columns;
}

/** Whether the schema exists, and the table's columns (undefined: no such table). One query. */
async function describeTable(client: pg.Client, t: HistoryTable): Promise<{ schemaExists: boolean; columns: string[] | undefined }> {
  const { rows } = await client.query<{ schema_exists: boolean; columns: string[] | null }>(
    `SELECT n.oid IS NOT NULL AS schema_exists,
            (SELECT array_agg(a.attname::text) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM (SELECT 1) one
       LEFT JOIN pg_namespace n ON n.nspname = $1
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [t.schema, t.table],
  );
  return { schemaExists: rows[0]?.schema_exists === true, columns: rows[0]?.columns ?? undefined };
}

/** Another tool's history under pgshift's name (golang-migrate's and dbmate's `schema_migrations`) gets the command that carries it over. */
function notHistory(t: HistoryTable, columns: string[]): PlanRejectedError {
  const tool = classify(t.schema, t.table, columns);
  if (tool) {
    const found = { schema: t.schema, table: t.table, tool, readable: true };
    return new PlanRejectedError([`${t.display} is ${toolName(tool)}'s history table (columns ${columns.join(', ')}), not pgshift's; nothing was applied; to carry its applied migrations over without running them, run: ${importCommand(found, t.display)}`]);
  }
  return new PlanRejectedError([`${t.display} exists but has no filename column: it is not a migration history table; set MIGRATIONS_SCHEMA/MIGRATIONS_TABLE to another name`]);
}

/**
 * SQL that records `file` as applied, for the migration's own transaction batch. The execution time
 * is measured by the server: from the batch's arrival (statement_timestamp) to this statement.
 */
export function appliedRowSql(client: pg.Client, t: HistoryTable, file: MigrationFile): string {
  const name = client.escapeLiteral(file.name);
  return [
    `DELETE FROM ${t.sql} WHERE filename = ${name}`,
    `INSERT INTO ${t.sql} (filename, checksum, execution_time_ms, success, error_message) VALUES (${name}, ${client.escapeLiteral(file.checksum)}, (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::int, true, NULL)`,
  ].join(';\n');
}

/** Replaces the file's row in its own short transaction (failure, start marker, or finish). */
async function writeRow(client: pg.Client, t: HistoryTable, name: string, checksum: string, ms: number | null, success: boolean, message: string | null): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`DELETE FROM ${t.sql} WHERE filename = $1`, [name]);
    await client.query(`INSERT INTO ${t.sql} (filename, checksum, execution_time_ms, success, error_message) VALUES ($1, $2, $3, $4, $5)`, [name, checksum, ms, success, message]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export function recordFailure(client: pg.Client, t: HistoryTable, file: MigrationFile, message: string, ms: number): Promise<void> {
  return writeRow(client, t, file.name, file.checksum, Math.round(ms), false, message);
}

export function recordApplied(client: pg.Client, t: HistoryTable, file: MigrationFile, ms: number | null): Promise<void> {
  return writeRow(client, t, file.name, file.checksum, ms === null ? null : Math.round(ms), true, null);
}

/** A no-transaction file that stopped partway: some statements took effect. Refused until repaired. */
export function recordUnfinished(client: pg.Client, t: HistoryTable, file: MigrationFile, message: string, ms: number): Promise<void> {
  return writeRow(client, t, file.name, file.checksum, Math.round(ms), false, `${UNFINISHED_PREFIX}stopped partway; ${message}`);
}

/** Marks a no-transaction file as started, before its first statement runs. */
export function markStarted(client: pg.Client, t: HistoryTable, file: MigrationFile, by: string): Promise<void> {
  const note = `${UNFINISHED_PREFIX}no-transaction file started at ${new Date().toISOString()} by ${by} and did not finish`;
  return writeRow(client, t, file.name, file.checksum, null, false, note);
}

export function isUnfinished(row: HistoryRow): boolean {
  return !row.success && (row.errorMessage ?? '').startsWith(UNFINISHED_PREFIX);
}

/** repair: accept the file's current checksum for an applied row. */
export async function acceptChecksum(client: pg.Client, t: HistoryTable, name: string, checksum: string): Promise<void> {
  await client.query(`UPDATE ${t.sql} SET checksum = $2 WHERE filename = $1 AND success`, [name, checksum]);
}

/** repair: forget a failed or unfinished attempt so the file is pending again. */
export async function deleteRow(client: pg.Client, t: HistoryTable, name: string): Promise<void> {
  await client.query(`DELETE FROM ${t.sql} WHERE filename = $1 AND NOT success`, [name]);
}

/**
 * import: records files another tool applied, in one transaction (all or none), with their checksums
 * of today and the other tool's time where it kept one. Files already applied here are left alone; a
 * failed attempt here gives way to the other tool's success.
 */
export async function recordImported(client: pg.Client, t: HistoryTable, files: Array<{ file: MigrationFile; appliedAt: string | null }>): Promise<void> {
  if (files.length === 0) return;
  const params = [files.map((f) => f.file.name), files.map((f) => f.file.checksum), files.map((f) => f.appliedAt)];
  await client.query('BEGIN');
  try {
    await client.query(`DELETE FROM ${t.sql} WHERE filename = ANY($1::text[]) AND NOT success`, [params[0]]);
    await client.query(
      `INSERT INTO ${t.sql} (filename, checksum, applied_at, execution_time_ms, success, error_message)
       SELECT f.name, f.checksum, COALESCE(f.applied_at::timestamptz, NOW()), NULL, true, NULL
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS f(name, checksum, applied_at, n)
        WHERE NOT EXISTS (SELECT 1 FROM ${t.sql} h WHERE h.filename = f.name)
        ORDER BY f.n`,
      params,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
