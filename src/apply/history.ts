// The history table itself: creating or adopting it, and reading it. Its rows are written only by
// history-rows.ts: between them, the only SQL that touches the table. Identifiers are quoted with
// escapeIdentifier; values travel as $n parameters.
import type pg from 'pg';
import { classify, importCommand, toolName } from '../detect.js';
import { ConfigError, LockTimeoutError, PlanRejectedError } from '../errors.js';
import { rollBackUnlessIdle } from './query-state.js';
import type { HistoryRow } from '../types.js';

export interface HistoryTable {
  schema: string;
  table: string;
  /** `"schema"."table"`, quoted. */
  sql: string;
  /** `schema.table`, for messages. */
  display: string;
}

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
