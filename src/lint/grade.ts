// The database's view of the findings: how large each table is (a blocking index on 200 rows is a
// note, on 5 GB an error), whether a column type change really rewrites, whether a validated CHECK
// already proves a column NOT NULL. Catalog reads only, in a read-only transaction with lock_timeout
// and statement_timeout: nothing here takes a lock stronger than ACCESS SHARE, or waits long for one.
import type pg from 'pg';
import type { Finding } from './lint.js';
import { RULES } from './rules.js';

export interface Thresholds {
  /** A table with at least this many rows (pg_class.reltuples) is large. */
  rows: number;
  /** A table of at least this many bytes (pg_class.relpages × block_size) is large. */
  bytes: number;
}

interface TableFacts {
  name: string;
  found: boolean;
  rows: number;
  bytes: number;
}

const FACTS_SQL = `
SELECT t.name, c.oid IS NOT NULL AS found, coalesce(c.reltuples, -1)::float8 AS rows,
       coalesce(c.relpages, 0)::float8 * current_setting('block_size')::int AS bytes
  FROM unnest($1::text[]) AS t(name)
  LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)`;

const COLUMN_SQL = `
SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                WHERE k.conrelid = a.attrelid AND k.contype = 'c' AND k.convalidated
                  AND pg_catalog.pg_get_constraintdef(k.oid) = 'CHECK ((' || pg_catalog.quote_ident(a.attname) || ' IS NOT NULL))') AS proven
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`;

/**
 * Grades findings in place (dropping those the database shows harmless) and returns them. `client`
 * must be idle, outside a transaction. A catalog read that fails (a lock held past lock_timeout, no
 * privilege) leaves its findings as they are, saying why: linting never fails for want of sizes.
 */
export async function grade(client: pg.Client, findings: Finding[], limits: Thresholds): Promise<Finding[]> {
  await client.query("BEGIN READ ONLY; SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'");
  try {
    const names = [...new Set(findings.filter((f) => f.table !== undefined).map((f) => qualified(f.table!)))];
    const read = await attempt(client, () => client.query<TableFacts>(FACTS_SQL, [names]));
    const facts = new Map(read.ok ? read.value.rows.map((r) => [r.name, r]) : []);
    const kept: Finding[] = [];
    for (const f of findings) {
      if (f.typeChange || f.notNull !== undefined) {
        const column = await attempt(client, () => client.query<{ type: string; not_null: boolean; proven: boolean }>(COLUMN_SQL, [qualified(f.table!), f.typeChange?.column ?? f.notNull]));
        if (!column.ok) f.detail += ` (column not checked: ${column.reason})`;
        const c = column.ok ? column.value.rows[0] : undefined;
        if (c && f.notNull !== undefined && (c.not_null || c.proven)) continue;
        if (c && f.typeChange && !rewrites(c.type, f.typeChange.to)) continue;
        if (c && f.typeChange) f.detail = `${f.detail.split(': no rewrite only if')[0]} (from ${c.type})`;
      }
      const t = f.table === undefined ? undefined : facts.get(qualified(f.table));
      if (!read.ok && f.table !== undefined) f.size = `not graded: ${read.reason}`;
      if (t && RULES[f.rule].sized) sizeUp(f, t, limits);
      kept.push(f);
    }
    await client.query('COMMIT');
    return kept;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One catalog read under a savepoint, so that its failure leaves the transaction usable. */
async function attempt<T>(client: pg.Client, read: () => Promise<T>): Promise<Attempt<T>> {
  await client.query('SAVEPOINT lint_read');
  try {
    const value = await read();
    await client.query('RELEASE SAVEPOINT lint_read');
    return { ok: true, value };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code !== 'string') throw err;
    await client.query('ROLLBACK TO SAVEPOINT lint_read');
    return { ok: false, reason: code === '55P03' ? 'the catalog read waited past lock_timeout (the table is locked)' : `${(err as Error).message} (${code})` };
  }
}

function sizeUp(f: Finding, t: TableFacts, limits: Thresholds): void {
  if (!t.found) {
    f.size = `${f.table}: not in the database`;
    return;
  }
  if (t.rows < 0 && t.bytes === 0) {
    f.size = `${f.table}: size unknown (never vacuumed or analyzed)`;
    return;
  }
  const large = t.rows >= limits.rows || t.bytes >= limits.bytes;
  f.size = `${f.table}: ~${Math.max(0, Math.round(t.rows)).toLocaleString('en-US')} rows, ${bytesText(t.bytes)}${large ? '' : ', small'}`;
  f.severity = large ? 'error' : 'note';
}

/** `schema.table` as written (unquoted identifiers already folded by the parser) → a name to_regclass reads back. */
function qualified(table: string): string {
  return table
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

export function bytesText(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/**
 * Whether changing a column of type `from` (format_type's spelling) to `to` (as written, `USING`
 * appended when given) rewrites the table. False only for the binary-coercible changes PostgreSQL
 * does without a rewrite (and without rebuilding indexes).
 */
export function rewrites(from: string, to: string): boolean {
  if (to.endsWith(' USING')) return true;
  const a = typeOf(from);
  const b = typeOf(to);
  if (!a || !b) return true;
  if (a.family === b.family && a.mods === b.mods) return false;
  if ((a.family === 'varchar' || a.family === 'text') && (b.family === 'text' || (b.family === 'varchar' && b.mods === undefined))) return false;
  if ((a.family === 'varchar' || a.family === 'varbit') && b.family === a.family && a.mods !== undefined && b.mods !== undefined) return Number(b.mods) < Number(a.mods);
  if (a.family === 'varbit' && b.family === 'varbit' && b.mods === undefined) return false;
  if (a.family === 'numeric' && b.family === 'numeric') {
    if (b.mods === undefined) return false;
    if (a.mods === undefined) return true;
    const [p1, s1 = '0'] = a.mods.split(',');
    const [p2, s2 = '0'] = b.mods.split(',');
    return !(s1 === s2 && Number(p2) >= Number(p1));
  }
  return !(a.family === 'cidr' && b.family === 'inet');
}

const FAMILIES: Record<string, string> = { 'character varying': 'varchar', varchar: 'varchar', text: 'text', numeric: 'numeric', decimal: 'numeric', 'bit varying': 'varbit', varbit: 'varbit', cidr: 'cidr', inet: 'inet' };

function typeOf(spelled: string): { family: string; mods: string | undefined } | undefined {
  const m = /^([a-z ]+?)\s*(?:\(([\d, ]+)\))?$/.exec(spelled.trim().toLowerCase());
  if (!m) return undefined;
  return { family: FAMILIES[m[1]!] ?? m[1]!, mods: m[2]?.replace(/\s+/g, '') };
}
