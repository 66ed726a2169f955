// The history table: the only SQL that touches it. Identifiers are quoted with escapeIdentifier;
// values travel as $n parameters — except in the success row that rides in the migration's own
// batch (one round trip per file), where they are quoted by the driver's escapeLiteral.
import type pg from 'pg';
import { PlanRejectedError } from './errors.js';
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

/** Creates the table, or adopts an existing one (adding only missing columns). Call under the lock. */
export async function ensureHistoryTable(client: pg.Client, t: HistoryTable): Promise<EnsureOutcome> {
  const { rows } = await client.query<{ schema_exists: boolean; columns: string[] | null }>(
    `SELECT n.oid IS NOT NULL AS schema_exists,
            (SELECT array_agg(a.attname::text) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM (SELECT 1) one
       LEFT JOIN pg_namespace n ON n.nspname = $1
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [t.schema, t.table],
  );
  const found = rows[0];
  if (!found?.columns) {
    if (!found?.schema_exists) await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(t.schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.sql} (\n  ${COLUMNS.map(([n, d]) => `${n} ${d}`).join(',\n  ')}\n)`);
    return { status: 'created' };
  }
  if (!found.columns.includes('filename')) {
    throw new PlanRejectedError([`${t.display} exists but has no filename column: it is not a migration history table; set MIGRATIONS_SCHEMA/MIGRATIONS_TABLE to another name`]);
  }
  const missing = COLUMNS.filter(([name]) => !found.columns!.includes(name));
  for (const [name, definition] of missing) {
    const def = definition.replace(' UNIQUE', '').replace(' PRIMARY KEY', '');
    await client.query(`ALTER TABLE ${t.sql} ADD COLUMN IF NOT EXISTS ${name} ${def}`);
  }
  return missing.length ? { status: 'adopted', addedColumns: missing.map(([n]) => n) } : { status: 'exists' };
}

interface RawRow {
  id: number;
  filename: string;
  applied_at: string;
  checksum: string | null;
  execution_time_ms: number | null;
  success: boolean;
  error_message: string | null;
}

export async function readHistory(client: pg.Client, t: HistoryTable): Promise<HistoryRow[]> {
  const { rows } = await client.query<RawRow>(
    `SELECT id, filename, applied_at::text AS applied_at, checksum, execution_time_ms, success, error_message FROM ${t.sql} ORDER BY id`,
  );
  return rows.map((r) => ({
    id: r.id,
    filename: r.filename,
    appliedAt: r.applied_at,
    checksum: r.checksum,
    executionTimeMs: r.execution_time_ms,
    success: r.success,
    errorMessage: r.error_message,
  }));
}

/** Does the table exist yet? (`status`, `await` and `validate` read without creating it.) */
export async function historyExists(client: pg.Client, t: HistoryTable): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [t.sql]);
  return rows[0]?.ok === true;
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
