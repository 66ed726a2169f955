// ALTER TABLE's subcommands: most of what takes a strong lock for long is one of them.
import { hit, isNew, nameOf, type FileState, type Hit } from './state.js';
import type { Node, ParsedStatement } from './parse.js';

/**
 * Functions whose value differs per row, so a DEFAULT using one fills every row (a rewrite).
 * now(), current_timestamp and the like are stable: one value for the statement, no rewrite (PG 11+).
 */
const VOLATILE = new Set(['random', 'random_normal', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'nextval', 'txid_current', 'setseed', 'gen_random_bytes']);
const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** ALTER TABLE subcommands that copy the whole table into new files. */
const REWRITES: Readonly<Record<string, string>> = { AT_SetLogged: 'SET LOGGED', AT_SetUnLogged: 'SET UNLOGGED', AT_SetTableSpace: 'SET TABLESPACE', AT_SetAccessMethod: 'SET ACCESS METHOD' };

export function checkAlterTable(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  const table = nameOf(n.relation);
  const fresh = isNew(state, n.relation);
  const hits: Hit[] = [];
  for (const c of (n.cmds ?? []).map((x: Node) => x.AlterTableCmd as Node)) {
    if (fresh) {
      noteConstraint(state, table, c, true);
      continue;
    }
    hits.push(...checkCommand(state, s, table, c));
  }
  return hits;
}

function checkCommand(state: FileState, s: ParsedStatement, table: string, c: Node): Hit[] {
  const def = c.def as Node | undefined;
  switch (c.subtype) {
    case 'AT_AddColumn':
      return checkAddColumn(state, s, table, def?.ColumnDef as Node);
    case 'AT_AlterColumnType': {
      const col = def?.ColumnDef as Node;
      const to = typeText(col?.typeName);
      const using = col?.raw_default ? ' USING …' : '';
      return [hit(state, s, 'alter-column-type', `${table}.${c.name} TYPE ${to}${using}`, { table, location: col?.location, typeChange: { column: String(c.name), to: using ? `${to} USING` : to } })];
    }
    case 'AT_SetNotNull':
      if (state.run.provenNotNull.has(`${bare(table)}.${c.name}`)) return [];
      return [hit(state, s, 'set-not-null', `${table}.${c.name} SET NOT NULL`, { table, notNull: String(c.name) })];
    case 'AT_AddConstraint':
      return checkConstraint(state, s, table, def?.Constraint as Node);
    case 'AT_ValidateConstraint':
      noteConstraint(state, table, c, false);
      if (state.transaction && state.notValid.has(`${bare(table)}.${c.name}`)) return [hit(state, s, 'validate-same-transaction', `VALIDATE CONSTRAINT ${c.name} on ${table}`, { table })];
      return [];
    case 'AT_DropColumn':
      return [hit(state, s, 'drop-column', `${table}.${c.name}`)];
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetTableSpace':
    case 'AT_SetAccessMethod':
      return [hit(state, s, 'alter-table-rewrite', `${table} ${REWRITES[c.subtype]}${c.name ? ` ${c.name}` : ''}`, { table })];
    default:
      return [];
  }
}

function checkAddColumn(state: FileState, s: ParsedStatement, table: string, col: Node | undefined): Hit[] {
  if (!col) return [];
  const name = `${table}.${col.colname}`;
  const constraints = (col.constraints ?? []).map((x: Node) => x.Constraint as Node);
  const type = typeText(col.typeName);
  const hits: Hit[] = [];
  const where = { table, location: col.location };
  if (SERIAL.has(type)) hits.push(hit(state, s, 'add-column-generated', `${name} ${type}`, where));
  for (const k of constraints) {
    if (k.contype === 'CONSTR_IDENTITY') hits.push(hit(state, s, 'add-column-generated', `${name} GENERATED … AS IDENTITY`, where));
    if (k.contype === 'CONSTR_GENERATED' && k.generated_kind !== 'v') hits.push(hit(state, s, 'add-column-generated', `${name} GENERATED ALWAYS AS (…) STORED`, where));
    if (k.contype === 'CONSTR_DEFAULT') {
      const fn = volatileCall(k.raw_expr);
      if (fn) hits.push(hit(state, s, 'add-column-volatile-default', `${name} DEFAULT ${fn.name}()`, { table, location: fn.location }));
    }
    if (k.contype === 'CONSTR_FOREIGN' || k.contype === 'CONSTR_CHECK') {
      if (!k.skip_validation) hits.push(hit(state, s, 'constraint-not-valid', `${name}: ${k.contype === 'CONSTR_FOREIGN' ? `REFERENCES ${nameOf(k.pktable)}` : 'CHECK'}`, { table, location: k.location }));
    }
    if (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_UNIQUE') hits.push(hit(state, s, 'unique-without-index', `${name} ${k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'}`, { table, location: k.location }));
  }
  const required = constraints.some((k: Node) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY');
  const filled = SERIAL.has(type) || constraints.some((k: Node) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(k.contype));
  if (required && !filled) hits.push(hit(state, s, 'add-column-required', `${name} NOT NULL without DEFAULT`, where));
  return hits;
}

/**
 * ALTER DOMAIN … ADD CONSTRAINT CHECK checks every column of that domain in every table, holding a
 * SHARE lock on each (writes blocked) for the scan; NOT VALID skips it, as for a table.
 */
export function checkAlterDomain(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  const k = n.def?.Constraint as Node | undefined;
  if (n.subtype !== 'C' || k?.contype !== 'CONSTR_CHECK' || k.skip_validation) return [];
  const domain = ((n.typeName ?? []) as Node[]).map((x) => x.String?.sval).join('.');
  return [hit(state, s, 'constraint-not-valid', `CHECK: ${k.conname ? `constraint ${k.conname}` : 'constraint'} on domain ${domain} (every column of that type is scanned)`, { location: k.location })];
}

function checkConstraint(state: FileState, s: ParsedStatement, table: string, k: Node | undefined): Hit[] {
  if (!k) return [];
  const label = k.conname ? `constraint ${k.conname} on ${table}` : `constraint on ${table}`;
  noteConstraint(state, table, { subtype: 'AT_AddConstraint', def: { Constraint: k } }, false);
  switch (k.contype) {
    case 'CONSTR_FOREIGN':
    case 'CONSTR_CHECK':
      if (k.skip_validation) {
        if (k.conname) state.notValid.add(`${bare(table)}.${k.conname}`);
        return [];
      }
      return [hit(state, s, 'constraint-not-valid', `${k.contype === 'CONSTR_FOREIGN' ? `FOREIGN KEY → ${nameOf(k.pktable)}` : 'CHECK'}: ${label}`, { table, location: k.location })];
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
      return k.indexname ? [] : [hit(state, s, 'unique-without-index', `${k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'}: ${label}`, { table, location: k.location })];
    case 'CONSTR_EXCLUSION':
      return [hit(state, s, 'exclusion-constraint', `EXCLUDE: ${label}`, { table, location: k.location })];
    default:
      return [];
  }
}

/**
 * Remembers CHECK (col IS NOT NULL) constraints, so that a later SET NOT NULL on that column is known
 * to skip its scan: validated when added without NOT VALID (or to a new table), or on VALIDATE.
 */
function noteConstraint(state: FileState, table: string, c: Node, fresh: boolean): void {
  const t = bare(table);
  if (c.subtype === 'AT_ValidateConstraint') {
    const proven = state.run.notNullChecks.get(`${t}.${c.name}`);
    if (proven) state.run.provenNotNull.add(proven);
    return;
  }
  const k = c.def?.Constraint as Node | undefined;
  const column = k?.contype === 'CONSTR_CHECK' ? notNullColumn(k.raw_expr) : undefined;
  if (!k || !column) return;
  if (k.skip_validation && !fresh) {
    if (k.conname) state.run.notNullChecks.set(`${t}.${k.conname}`, `${t}.${column}`);
  } else state.run.provenNotNull.add(`${t}.${column}`);
}

function notNullColumn(expr: Node | undefined): string | undefined {
  const test = expr?.NullTest as Node | undefined;
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = (test.arg?.ColumnRef?.fields ?? []) as Node[];
  return fields.length === 1 ? fields[0]!.String?.sval : undefined;
}

/** A call of a volatile function anywhere in the expression. */
function volatileCall(expr: unknown): { name: string; location: number | undefined } | undefined {
  if (Array.isArray(expr)) {
    for (const x of expr) {
      const found = volatileCall(x);
      if (found) return found;
    }
  } else if (expr && typeof expr === 'object') {
    const call = (expr as Node).FuncCall as Node | undefined;
    const name = call ? String((call.funcname as Node[]).at(-1)?.String?.sval) : undefined;
    if (call && name && VOLATILE.has(name)) return { name, location: call.location };
    for (const v of Object.values(expr)) {
      const found = volatileCall(v);
      if (found) return found;
    }
  }
  return undefined;
}

/** A type as PostgreSQL's catalog names it: `varchar(20)`, `numeric(10,2)`, `text`, `int4`. */
export function typeText(typeName: Node | undefined): string {
  if (!typeName) return '?';
  const names = (typeName.names ?? []).map((x: Node) => String(x.String?.sval));
  const base = names.length > 1 && names[0] === 'pg_catalog' ? names.slice(1).join('.') : names.join('.');
  const mods = (typeName.typmods ?? []).map((m: Node) => m.A_Const?.ival?.ival ?? m.A_Const?.sval?.sval ?? '?');
  const array = typeName.arrayBounds?.length ? '[]' : '';
  return `${base}${mods.length ? `(${mods.join(',')})` : ''}${array}`;
}

function bare(table: string): string {
  return table.split('.').pop()!;
}

