// A database's schema as comparable text, from the catalogs (pg_dump of a newer server is not
// always available): tables and columns, constraints, indexes, functions, triggers, types, views.
import type { TestDatabase } from './db.js';

const EXCLUDED = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'`;

export async function schemaFingerprint(db: TestDatabase, ignoreTables: string[] = ['schema_migrations']): Promise<string[]> {
  const ignore = ignoreTables;
  const queries = [
    `SELECT format('column %I.%I.%I %s%s%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')) AS line
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${EXCLUDED} AND NOT (c.relname = ANY($1))`,
    `SELECT format('constraint %I.%I %s', n.nspname, con.conname, pg_get_constraintdef(con.oid)) AS line
       FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace JOIN pg_class c ON c.oid = con.conrelid
      WHERE ${EXCLUDED} AND NOT (c.relname = ANY($1))`,
    `SELECT format('index %s valid=%s', pg_get_indexdef(i.indexrelid), i.indisvalid) AS line
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${EXCLUDED} AND NOT (c.relname = ANY($1))`,
    `SELECT format('function %s', pg_get_functiondef(p.oid)) AS line
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${EXCLUDED} AND p.prokind IN ('f', 'p') AND $1::text[] IS NOT NULL`,
    `SELECT format('trigger %s', pg_get_triggerdef(t.oid)) AS line
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND ${EXCLUDED} AND $1::text[] IS NOT NULL`,
    `SELECT format('enum %I.%I %s', n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)) AS line
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${EXCLUDED} AND $1::text[] IS NOT NULL GROUP BY n.nspname, t.typname`,
    `SELECT format('view %I.%I %s', n.nspname, c.relname, pg_get_viewdef(c.oid)) AS line
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND ${EXCLUDED} AND $1::text[] IS NOT NULL`,
    `SELECT format('schema %I', n.nspname) AS line FROM pg_namespace n WHERE ${EXCLUDED} AND $1::text[] IS NOT NULL`,
  ];
  const lines: string[] = [];
  for (const q of queries) lines.push(...(await db.query<{ line: string }>(q, [ignore])).map((r) => r.line));
  return lines.sort();
}
