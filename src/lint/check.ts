// The rules applied to parsed statements, file after file, remembering what earlier statements of
// the same run did (tables they created, lock_timeout they set, enum values they added). Pure: the
// database's view (sizes, column types) is added afterwards by grade.ts.
import { checkAlterDomain, checkAlterTable } from './check-alter.js';
import type { Node, ParsedStatement } from './parse.js';
import { createdAs, hit, isNew, nameOf, noteCreated, type FileState, type Hit } from './state.js';

/** The rules for one statement, in order; updates `state` with what the statement did. */
export function checkStatement(state: FileState, s: ParsedStatement): Hit[] {
  const hits = checkKind(state, s);
  hits.push(...crossStatement(state, s, hits));
  return hits;
}

function checkKind(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  switch (s.kind) {
    case 'CreateStmt':
      noteCreated(state, n.relation?.relname, n.relation?.schemaname);
      return [];
    case 'CreateTableAsStmt':
      noteCreated(state, n.into?.rel?.relname, n.into?.rel?.schemaname);
      return [];
    case 'IndexStmt':
      if (n.concurrent || isNew(state, n.relation)) return [];
      return [hit(state, s, 'index-not-concurrently', `index on ${nameOf(n.relation)}`, { table: nameOf(n.relation) })];
    case 'DropStmt':
      return checkDrop(state, s);
    case 'AlterTableStmt':
      return n.objtype === 'OBJECT_TABLE' || n.objtype === undefined ? checkAlterTable(state, s) : [];
    case 'RenameStmt':
      return checkRename(state, s);
    case 'VacuumStmt':
      return isFull(n) ? relationsOf(n).map((rv) => hit(state, s, 'vacuum-full', `VACUUM FULL ${rv ? nameOf(rv) : '(every table)'}`, rv ? { table: nameOf(rv) } : {})) : [];
    case 'AlterDomainStmt':
      return checkAlterDomain(state, s);
    case 'ReindexStmt':
      return checkReindex(state, s);
    case 'ClusterStmt':
      return n.relation && isNew(state, n.relation) ? [] : [hit(state, s, 'cluster', `CLUSTER ${n.relation ? nameOf(n.relation) : '(every clustered table)'}`, n.relation ? { table: nameOf(n.relation) } : {})];
    case 'RefreshMatViewStmt':
      return n.concurrent ? [] : [hit(state, s, 'refresh-not-concurrently', `materialized view ${nameOf(n.relation)}`, { table: nameOf(n.relation) })];
    case 'LockStmt':
      return [hit(state, s, 'lock-table', `LOCK ${(n.relations ?? []).map((r: Node) => nameOf(r.RangeVar)).join(', ')}`)];
    case 'TruncateStmt':
      return n.behavior === 'DROP_CASCADE' ? [hit(state, s, 'truncate-cascade', `TRUNCATE ${(n.relations ?? []).map((r: Node) => nameOf(r.RangeVar)).join(', ')} CASCADE`)] : [];
    case 'AlterEnumStmt':
      if (n.newVal !== undefined && state.transaction) state.enumValues.add(String(n.newVal));
      return [];
    case 'VariableSetStmt':
      if (n.name === 'lock_timeout') state.lockTimeout = n.kind === 'VAR_SET_VALUE' && !isZero(n.args);
      return [];
    default:
      return [];
  }
}

function checkDrop(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  const names = (n.objects ?? []).map((o: Node) => (o.List?.items ?? []).map((i: Node) => i.String?.sval).join('.'));
  if (n.removeType === 'OBJECT_INDEX' && !n.concurrent) return [hit(state, s, 'drop-index-not-concurrently', `DROP INDEX ${names.join(', ')}`)];
  if (n.removeType === 'OBJECT_TABLE') {
    const old = names.filter((name: string) => {
      const parts = name.split('.');
      return !createdAs(state, parts.at(-1)!, parts.length > 1 ? parts.at(-2) : undefined);
    });
    return old.length ? [hit(state, s, 'drop-table', `DROP TABLE ${old.join(', ')}`)] : [];
  }
  return [];
}

function checkRename(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  if (isNew(state, n.relation)) {
    if (n.renameType === 'OBJECT_TABLE') noteCreated(state, n.newname, n.relation?.schemaname);
    return [];
  }
  if (n.renameType === 'OBJECT_COLUMN' && n.relationType === 'OBJECT_TABLE') return [hit(state, s, 'rename-column', `${nameOf(n.relation)}.${n.subname} → ${n.newname}`)];
  if (n.renameType === 'OBJECT_TABLE') return [hit(state, s, 'rename-table', `${nameOf(n.relation)} → ${n.newname}`)];
  return [];
}

/** REINDEX without CONCURRENTLY (the keyword, or the option not set false); a new table's is not reported. */
function checkReindex(state: FileState, s: ParsedStatement): Hit[] {
  const n = s.node;
  const option = ((n.params ?? []) as Node[]).find((p) => p.DefElem?.defname === 'concurrently')?.DefElem as Node | undefined;
  const arg = option?.arg as Node | undefined;
  // The parse tree leaves out false and 0 (protobuf defaults): `{ Boolean: {} }`, `{ Integer: {} }`.
  const off = arg !== undefined && ((arg.Boolean !== undefined && !arg.Boolean.boolval) || (arg.Integer !== undefined && !arg.Integer.ival) || ['false', 'off', 'no'].includes(String(arg.String?.sval).toLowerCase()));
  if (option && !off) return [];
  const kind = String(n.kind).replace('REINDEX_OBJECT_', '');
  if (n.relation) return isNew(state, n.relation) ? [] : [hit(state, s, 'reindex-not-concurrently', `REINDEX ${kind} ${nameOf(n.relation)}`, { table: nameOf(n.relation) })];
  return [hit(state, s, 'reindex-not-concurrently', `REINDEX ${kind}${n.name ? ` ${n.name}` : ''} (every table in it)`)];
}

function isFull(n: Node): boolean {
  return n.is_vacuumcmd !== false && (n.options ?? []).some((o: Node) => o.DefElem?.defname === 'full' && o.DefElem?.arg?.Boolean?.boolval !== false && o.DefElem?.arg?.String?.sval !== 'false');
}

function relationsOf(n: Node): Array<Node | undefined> {
  const rels = (n.rels ?? []).map((r: Node) => r.VacuumRelation?.relation as Node | undefined);
  return rels.length ? rels : [undefined];
}

function isZero(args: Node[] | undefined): boolean {
  const c = args?.[0]?.A_Const;
  return c?.ival !== undefined ? !c.ival.ival : c?.sval?.sval !== undefined ? /^0+(ms|s|min)?$/.test(String(c.sval.sval).trim()) : false;
}

/** Statements that take ACCESS EXCLUSIVE on an existing table (for lock-timeout-missing). */
const ACCESS_EXCLUSIVE: Readonly<Record<string, string>> = { AlterTableStmt: 'ALTER TABLE', RenameStmt: 'ALTER … RENAME', DropStmt: 'DROP', VacuumStmt: 'VACUUM FULL', ClusterStmt: 'CLUSTER', RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW', LockStmt: 'LOCK', TruncateStmt: 'TRUNCATE' };
const BACKFILL: ReadonlySet<string> = new Set(['UpdateStmt', 'DeleteStmt', 'InsertStmt', 'MergeStmt']);

/** Rules about a statement in its file's context: lock_timeout, backfills after DDL, new enum values. */
function crossStatement(state: FileState, s: ParsedStatement, hits: Hit[]): Hit[] {
  const out: Hit[] = [];
  const target = s.node.relation as Node | undefined;
  const verb = ACCESS_EXCLUSIVE[s.kind];
  const strong = verb !== undefined && (hits.length > 0 || (target !== undefined && !isNew(state, target) && !onlyValidates(s.node)));
  if (strong && !state.lockTimeout && !state.lockTimeoutReported && !(s.kind === 'DropStmt' && s.node.concurrent)) {
    state.lockTimeoutReported = true;
    out.push(hit(state, s, 'lock-timeout-missing', `${verb}${target ? ` ${nameOf(target)}` : ''} without lock_timeout`));
  }
  if (BACKFILL.has(s.kind) && state.transaction && target && state.altered.has(String(target.relname))) {
    out.push(hit(state, s, 'backfill-with-ddl', `${s.kind.replace(/Stmt$/, '').toUpperCase()} of ${nameOf(target)} after DDL on it in the same transaction`, { table: nameOf(target), location: target.location }));
  }
  if (state.transaction && (s.kind === 'AlterTableStmt' || s.kind === 'IndexStmt') && target && !isNew(state, target)) state.altered.add(String(target.relname));
  if (state.enumValues.size && s.kind !== 'AlterEnumStmt') {
    const used = stringsIn(s.node).find((v) => state.enumValues.has(v.value));
    if (used) out.push(hit(state, s, 'enum-value-used', `'${used.value}' was added by ALTER TYPE … ADD VALUE in this transaction`, { location: used.location }));
  }
  return out;
}

/** ALTER TABLE … VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE: reads and writes go on. */
function onlyValidates(n: Node): boolean {
  const cmds = (n.cmds ?? []) as Node[];
  return cmds.length > 0 && cmds.every((c) => c.AlterTableCmd?.subtype === 'AT_ValidateConstraint');
}

/** Every string constant in a tree, with its location. */
function stringsIn(node: unknown, found: Array<{ value: string; location: number | undefined }> = []): Array<{ value: string; location: number | undefined }> {
  if (Array.isArray(node)) for (const x of node) stringsIn(x, found);
  else if (node && typeof node === 'object') {
    const c = (node as Node).A_Const;
    if (c?.sval?.sval !== undefined) found.push({ value: String(c.sval.sval), location: c.location });
    for (const v of Object.values(node)) stringsIn(v, found);
  }
  return found;
}
