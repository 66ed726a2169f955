// The history table: the only SQL that touches it. Identifiers are quoted with escapeIdentifier;
// values travel as $n parameters — except in the success row that rides in the migration's own
// batch (one round trip per file), where they are quoted by the driver's escapeLiteral.
import type pg from 'pg';
import { classify, importCommand, toolName } from './detect.js';
import { ConfigError, LockTimeoutError, PlanRejectedError } from './errors.js';
import { rollBackUnlessIdle } from './query-state.js';
import { UNFINISHED_PREFIX, type HistoryRow, type MigrationFile } from './types.js';

export interface HistoryTable {
  schema: string;
  table: string;
  /** `"schema"."table"`, quoted. */
  sql: string;
  /** `schema.table`, for messages. */
  display: string;
}

/** A no-transaction file's row while it runs; left behind when the runner dies midway. */

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

/**
 * Creates the table, or adopts an existing one (adding only missing columns). Call under the lock. The
 * DDL waits at most `waitMs` for a lock on the schema or table.
 */
export async function ensureHistoryTable(client: pg.Client, t: HistoryTable, waitMs = 0, whenMissing: WhenMissing = createIt): Promise<EnsureOutcome & { table: HistoryTable }> {
  const found = await describeTable(client, t);
  if (!found.columns) {
    const chosen = await whenMissing(t);
    if (chosen !== t) return ensureHistoryTable(client, chosen, waitMs);
    await createTable(client, t, found.schemaExists, waitMs);
    return { status: 'created', table: t };
  }
  const columns = found.columns;
  if (!columns.includes('filename')) throw notHistory(t, columns);
  const missing = COLUMNS.filter(([name]) => !columns.includes(name));
  if (missing.length) {
    const adds = missing.map(([name, definition]) => `ADD COLUMN IF NOT EXISTS ${name} ${definition.replace(' UNIQUE', '').replace(' PRIMARY KEY', '')}`);
    await inTransaction(client, waitMs, [`ALTER TABLE ${t.sql} ${adds.join(', ')}`]);
  }
  return missing.length ? { status: 'adopted', addedColumns: missing.map(([n]) => n), table: t } : { status: 'exists', table: t };
}

/**
 * CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent CREATE SCHEMA of the same name (two apps
 * sharing the history schema, each under its own lock): the loser gets a unique violation or
 * "already exists". The schema is then there, so the creation is tried once more.
 */
async function createTable(client: pg.Client, t: HistoryTable, schemaExists: boolean, waitMs: number): Promise<void> {
  const ddl = [`CREATE TABLE IF NOT EXISTS ${t.sql} (\n  ${COLUMNS.map(([n, d]) => `${n} ${d}`).join(',\n  ')}\n)`];
  if (!schemaExists) ddl.unshift(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(t.schema)}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(client, waitMs, ddl);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42501') throw cannotCreate(t, err as Error);
      if ((code === '23505' || code === '42P06' || code === '42P07') && attempt === 1) continue;
      throw err;
    }
  }
}

/** `statements` in one transaction whose lock waits end after `waitMs` (0: the session's setting). */
async function inTransaction(client: pg.Client, waitMs: number, statements: string[]): Promise<unknown> {
  const bound = waitMs > 0 ? `SET LOCAL lock_timeout = ${Math.round(waitMs)};\n` : '';
  try {
    return await client.query(`BEGIN;\n${bound}${statements.join(';\n')};\nCOMMIT`);
  } catch (err) {
    await rollBackUnlessIdle(client);
    throw err;
  }
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
export async function openHistory(client: pg.Client, t: HistoryTable, waitMs = 0, whenMissing?: WhenMissing): Promise<EnsureOutcome & HistoryRead & { table: HistoryTable }> {
  try {
    return { status: 'exists', table: t, ...(await readBounded(client, t, waitMs)) };
  } catch (err) {
    if (!NOT_THERE_YET.has((err as { code?: string }).code ?? '')) throw await historyError(client, t, err, waitMs);
  }
  try {
    const ensured = await ensureHistoryTable(client, t, waitMs, whenMissing);
    return { ...ensured, ...(await readBounded(client, ensured.table, waitMs)) };
  } catch (err) {
    throw await historyError(client, t, err, waitMs);
  }
}

export interface HistoryRead {
  rows: HistoryRow[];
  /** Rows with no filename (a hand-edited or foreign table): ignored, since they name no file. */
  unnamed: number;
}

/** The read in a transaction whose lock wait ends after `waitMs` (another session may hold the table). */
async function readBounded(client: pg.Client, t: HistoryTable, waitMs: number): Promise<HistoryRead> {
  const results = (await inTransaction(client, waitMs, [historyQuery(t)])) as Array<{ rows: Array<{ history: string | null }> }>;
  return parseHistory(results.find((r) => r.rows?.[0] && 'history' in r.rows[0])?.rows[0]?.history ?? null);
}

/** What a person can act on, for errors of the history table's read or creation. */
async function historyError(client: pg.Client, t: HistoryTable, err: unknown, waitMs: number): Promise<unknown> {
  const code = (err as { code?: string }).code;
  if (code === '42501') {
    return new ConfigError([
      `MIGRATIONS_SCHEMA/MIGRATIONS_TABLE: the role may not use the history table ${t.display} (${(err as Error).message}); GRANT USAGE ON SCHEMA ${t.schema} and SELECT, INSERT, DELETE ON ${t.display} to it, or point MIGRATIONS_SCHEMA at a schema it owns`,
    ]);
  }
  if (code === '55P03') {
    const holders = await tableLockHolders(client, t).catch(() => '');
    return new LockTimeoutError(
      `the history table ${t.display} stayed locked by another session for longer than ${Math.round(waitMs / 1000)}s (LOCK_TIMEOUT)${holders ? `: ${holders}` : ''}; nothing was applied. Retry later, or end that session`,
      { cause: err },
    );
  }
  return err;
}

/** Sessions holding a lock on the history table, for the lock-timeout message. */
async function tableLockHolders(client: pg.Client, t: HistoryTable): Promise<string> {
  const { rows } = await client.query<{ who: string }>(
    `SELECT format('pid %s (%s, application_name %s)', l.pid, l.mode, coalesce(nullif(a.application_name, ''), 'none')) AS who
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.relation = to_regclass($1) AND l.granted AND l.pid <> pg_backend_pid()`,
    [t.sql],
  );
  return rows.map((r) => r.who).join('; ');
}

/**
 * invalid_schema_name, undefined_table, undefined_column; and insufficient_privilege, which is what a
 * role without USAGE on the schema gets for a table that is not there: ensureHistoryTable then says
 * what to grant (exit 3), and a table that is there but not readable fails its second read as before.
 */
const NOT_THERE_YET = new Set(['3F000', '42P01', '42703', '42501']);

/** One history row as readHistory's query sends it: [id, filename, applied_at, checksum, execution_time_ms, success, error_message]. */
type RawRow = [number | null, string | null, string | null, string | null, number | null, boolean, string | null];

/**
 * All rows, oldest first. `columns` are the table's columns when it may be an older table not yet
 * adopted (read-only commands don't alter it): what it lacks reads as NULL (success as true). The
 * rows travel as one JSON text, which the client parses in a fraction of the time that 1000 rows
 * of seven fields take through the driver's row parser (docs/PERFORMANCE.md).
 */
export async function readHistory(client: pg.Client, t: HistoryTable, columns?: string[]): Promise<HistoryRow[]> {
  const { rows } = await client.query<{ history: string | null }>(historyQuery(t, columns));
  return parseHistory(rows[0]?.history ?? null).rows;
}

function historyQuery(t: HistoryTable, columns?: string[]): string {
  const has = (c: string) => !columns || columns.includes(c);
  const pick = (c: string, expr: string, missing: string) => (has(c) ? expr : missing);
  const fields = [
    pick('id', 'id', 'NULL::int'),
    'filename',
    // TIMESTAMP without time zone, written by NOW() in the session's TimeZone: read back in it, as RFC 3339 UTC.
    pick('applied_at', `to_char(applied_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'NULL::text'),
    pick('checksum', 'checksum', 'NULL::text'),
    pick('execution_time_ms', 'execution_time_ms', 'NULL::int'),
    pick('success', 'success', 'true'),
    pick('error_message', 'error_message', 'NULL::text'),
  ];
  return `SELECT json_agg(json_build_array(${fields.join(', ')}) ORDER BY ${has('id') ? 'id' : 'filename'})::text AS history FROM ${t.sql}`;
}

function parseHistory(text: string | null): HistoryRead {
  const raw = JSON.parse(text ?? '[]') as RawRow[];
  const rows: HistoryRow[] = [];
  let unnamed = 0;
  for (const [i, [id, filename, appliedAt, checksum, executionTimeMs, success, errorMessage]] of raw.entries()) {
    if (filename === null) unnamed += 1;
    else rows.push({ id: id ?? i + 1, filename, appliedAt: appliedAt ?? '', checksum, executionTimeMs, success, errorMessage });
  }
  return { rows, unnamed };
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
 * Only an earlier failed attempt's row is replaced: a success row already there means another runner
 * applied the file meanwhile (the lock was bypassed), and the INSERT then trips the filename's UNIQUE
 * constraint, so this transaction — the file's second run — rolls back instead of hiding it.
 * The row is written as the role that logged in, whatever role the file switched to.
 */
export function appliedRowSql(client: pg.Client, t: HistoryTable, file: MigrationFile): string {
  const name = client.escapeLiteral(file.name);
  return [
    AS_LOGIN_ROLE_LOCAL,
    `DELETE FROM ${t.sql} WHERE filename = ${name} AND NOT success`,
    `INSERT INTO ${t.sql} (filename, checksum, execution_time_ms, success, error_message) VALUES (${name}, ${client.escapeLiteral(file.checksum)}, (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::int, true, NULL)`,
  ].join(';\n');
}

/** Inside a transaction: back to the role that logged in until it ends (a file may have SET ROLE). */
const AS_LOGIN_ROLE_LOCAL = 'SET LOCAL SESSION AUTHORIZATION DEFAULT;\nSET LOCAL ROLE NONE';

/** Whether the history's UNIQUE filename constraint refused a second success row (see appliedRowSql). */
export function isDuplicateRow(err: unknown, t: HistoryTable): boolean {
  const e = err as { code?: string; table?: string; schema?: string };
  return e?.code === '23505' && e.table === t.table && (e.schema === undefined || e.schema === t.schema);
}

/**
 * Whether `file` has a success row with its checksum: after an error whose moment is unknown (a cancel
 * or a lost reply around COMMIT), this is what the database says committed.
 */
export async function isRecordedApplied(client: pg.Client, t: HistoryTable, file: MigrationFile): Promise<boolean> {
  const { rows } = await client.query<{ applied: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.sql} WHERE filename = $1 AND success AND checksum = $2) AS applied`, [file.name, file.checksum]);
  return rows[0]?.applied === true;
}

/**
 * Writes the file's failure, start-marker or finish row in its own short transaction, read-write and
 * as the role that logged in (the file may have switched role or made the session read-only). A
 * failed or unfinished row is replaced; a success row never is: `success` false leaves it alone and
 * reports that the file is in fact applied; `success` true trips the UNIQUE constraint.
 */
async function writeRow(client: pg.Client, t: HistoryTable, name: string, checksum: string, ms: number | null, success: boolean, message: string | null): Promise<'written' | 'alreadyApplied'> {
  await client.query(`BEGIN READ WRITE;\n${AS_LOGIN_ROLE_LOCAL}`);
  try {
    await client.query(`DELETE FROM ${t.sql} WHERE filename = $1 AND NOT success`, [name]);
    const { rowCount } = await client.query(
      `INSERT INTO ${t.sql} (filename, checksum, execution_time_ms, success, error_message)
       SELECT $1::text, $2::text, $3::int, $4::boolean, $5::text WHERE $4::boolean OR NOT EXISTS (SELECT 1 FROM ${t.sql} WHERE filename = $1::text AND success)`,
      [name, checksum, ms, success, message],
    );
    await client.query('COMMIT');
    return rowCount === 1 ? 'written' : 'alreadyApplied';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Records a failed attempt; 'alreadyApplied' when the file's success row is there (it committed after all). */
export function recordFailure(client: pg.Client, t: HistoryTable, file: MigrationFile, message: string, ms: number): Promise<'written' | 'alreadyApplied'> {
  return writeRow(client, t, file.name, file.checksum, Math.round(ms), false, message);
}

export async function recordApplied(client: pg.Client, t: HistoryTable, file: MigrationFile, ms: number | null): Promise<void> {
  await writeRow(client, t, file.name, file.checksum, ms === null ? null : Math.round(ms), true, null);
}

/** A no-transaction file that stopped partway: some statements took effect. Refused until repaired. */
export function recordUnfinished(client: pg.Client, t: HistoryTable, file: MigrationFile, message: string, ms: number): Promise<'written' | 'alreadyApplied'> {
  return writeRow(client, t, file.name, file.checksum, Math.round(ms), false, `${UNFINISHED_PREFIX}stopped partway; ${message}`);
}

/** Marks a no-transaction file as started, before its first statement runs; 'alreadyApplied' when another runner applied it. */
export function markStarted(client: pg.Client, t: HistoryTable, file: MigrationFile, by: string): Promise<'written' | 'alreadyApplied'> {
  const note = `${UNFINISHED_PREFIX}no-transaction file started at ${new Date().toISOString()} by ${by} and did not finish`;
  return writeRow(client, t, file.name, file.checksum, null, false, note);
}


/** repair: accept the file's current checksum for an applied row. */
export async function acceptChecksum(client: pg.Client, t: HistoryTable, name: string, checksum: string): Promise<void> {
  await client.query(`UPDATE ${t.sql} SET checksum = $2 WHERE filename = $1 AND success`, [name, checksum]);
}

/**
 * repair: record an applied row under the file's new name (the same version, renamed), with the
 * file's checksum. A failed row of the new name goes: that attempt is superseded by the applied one.
 */
export async function renameRow(client: pg.Client, t: HistoryTable, from: string, to: string, checksum: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`DELETE FROM ${t.sql} WHERE filename = $1 AND NOT success`, [to]);
    await client.query(`UPDATE ${t.sql} SET filename = $2, checksum = $3 WHERE filename = $1 AND success`, [from, to, checksum]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
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
