// INVALID indexes: what a failed or interrupted CREATE INDEX CONCURRENTLY leaves behind, found so
// a no-transaction file never "succeeds" past one and a failure names the one to drop.
import type pg from 'pg';
import type { MigrationFile, Statement } from '../types.js';
import { FileFailure } from './failure.js';

/** INVALID indexes in the database. */
export async function invalidIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

export function leftoverAdvice(indexes: string[]): string {
  return indexes.map((name) => `INVALID index left behind: ${name}; remove it with: DROP INDEX CONCURRENTLY IF EXISTS ${name};`).join('\n');
}

export function withLeftovers(f: FileFailure, indexes: string[]): FileFailure {
  return new FileFailure(`${f.message}\n${leftoverAdvice(indexes)}`, f.sqlstate, f.interrupted, { cause: f.cause, partial: f.partial });
}

/**
 * INVALID indexes this file's CONCURRENTLY statements name (a build that failed, now or in an earlier
 * run). The database is asked first: the file is read again (a large one from disk) only if it has any.
 */
export async function leftoverIndexes(client: pg.Client, file: MigrationFile): Promise<string[]> {
  const invalid = await invalidIndexes(client);
  if (invalid.length === 0) return [];
  const names: string[] = [];
  for (const part of file.parts()) for (const st of part.statements) if (buildsConcurrently(st)) names.push(...indexNamesIn(st.text));
  if (names.length === 0) return [];
  return invalidAmong(client, names);
}

/**
 * The lexer's decision that PostgreSQL refuses `st` in a transaction block because it is a
 * CONCURRENTLY build, drop or detach: it takes no ACCESS EXCLUSIVE lock, but waits for older
 * transactions, and a failure leaves an INVALID index behind.
 */
export function buildsConcurrently(st: Statement): boolean {
  return st.refused?.endsWith('CONCURRENTLY') === true;
}

/**
 * The index names a CONCURRENTLY statement builds or rebuilds, as written (maybe schema-qualified,
 * maybe quoted): `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name`, `REINDEX INDEX
 * CONCURRENTLY name`. PostgreSQL resolves them (to_regclass, with the session's search_path), so a
 * name is compared as the identifier it is, never as a substring of another.
 */
function indexNamesIn(statement: string): string[] {
  const m = /^\s*(?:create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?|reindex\s+(?:\([^)]*\)\s*)?index\s+concurrently\s+)((?:"(?:[^"]|"")+"|[^\s("]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[^\s("]+))?)/i.exec(statement);
  return m ? [m[1]!.replace(/\s*\.\s*/, '.')] : [];
}

/** Of `names` (as written in SQL), the INVALID indexes, schema-qualified. */
async function invalidAmong(client: pg.Client, names: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT DISTINCT format('%I.%I', n.nspname, c.relname) AS name
       FROM unnest($1::text[]) AS w(name)
       JOIN pg_class c ON c.oid = to_regclass(w.name)
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_index i ON i.indexrelid = c.oid
      WHERE NOT i.indisvalid ORDER BY 1`,
    [names],
  );
  return rows.map((r) => r.name);
}
