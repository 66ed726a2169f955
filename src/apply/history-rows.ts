// The history table's rows: every write to it. Identifiers are quoted with escapeIdentifier; values
// travel as $n parameters — except in the success row that rides in the migration's own batch (one
// round trip per file), where they are quoted by the driver's escapeLiteral.
import type pg from 'pg';
import type { HistoryTable } from './history.js';
import type { HistoryRow, MigrationFile } from '../types.js';

/** A no-transaction file's row while it runs; left behind when the runner dies midway. */
export const UNFINISHED_PREFIX = 'unfinished: ';

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

export function isUnfinished(row: HistoryRow): boolean {
  return !row.success && (row.errorMessage ?? '').startsWith(UNFINISHED_PREFIX);
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
