// What the rules share: the hit they report, and what earlier statements of the run and of the
// file did (tables created, lock_timeout set, enum values added).
import type { TransactionMode } from '../types.js';
import type { Node, ParsedStatement } from './parse.js';
import type { RuleId } from './rules.js';

/** A rule broken by a statement, before suppressions and the database's view. */
export interface Hit {
  rule: RuleId;
  /** Offset (UTF-16 units) into the file's text where the caret goes. */
  offset: number;
  /** The statement's span. */
  start: number;
  end: number;
  /** What exactly, e.g. `index on orders`. */
  detail: string;
  /** The table the rule is about, as written (`orders`, `app.orders`), when sizing it helps. */
  table?: string;
  /** ALTER COLUMN … TYPE: what the column becomes, for the database to say whether it rewrites. */
  typeChange?: { column: string; to: string };
  /** SET NOT NULL: the column, for the database to say whether a validated CHECK proves it. */
  notNull?: string;
}

/** What earlier files of the same run did: carried from one file to the next. */
export interface RunState {
  /** Tables created earlier in the run (empty, so cheap to change): name → the schemas written ('' for none). */
  created: Map<string, Set<string>>;
  /** `table.column` with a validated CHECK (column IS NOT NULL) added earlier in the run. */
  provenNotNull: Set<string>;
  /** Constraint name → `table.column` of a NOT VALID CHECK (column IS NOT NULL) added earlier. */
  notNullChecks: Map<string, string>;
}

export function newRunState(): RunState {
  return { created: new Map(), provenNotNull: new Set(), notNullChecks: new Map() };
}

/** What one file's statements share: its transaction, and what ran before in it. */
export interface FileState {
  run: RunState;
  /** The file runs in one transaction (pgshift's, or its own BEGIN … COMMIT). */
  transaction: boolean;
  /** lock_timeout is set: by MIGRATION_LOCK_TIMEOUT or a SET earlier in the file. */
  lockTimeout: boolean;
  /** The first statement without lock_timeout that takes ACCESS EXCLUSIVE has been reported. */
  lockTimeoutReported: boolean;
  /** Existing tables changed by DDL earlier in this file's transaction. */
  altered: Set<string>;
  /** Enum values added earlier in this file's transaction. */
  enumValues: Set<string>;
  /** Constraints added NOT VALID earlier in this file's transaction. */
  notValid: Set<string>;
  /** Byte offsets in libpg_query's locations → offsets into the text. */
  toChar(byte: number): number;
}

export function newFileState(run: RunState, mode: TransactionMode, lockTimeoutSet: boolean, toChar: (byte: number) => number): FileState {
  return { run, transaction: mode !== 'no-transaction', lockTimeout: lockTimeoutSet, lockTimeoutReported: false, altered: new Set(), enumValues: new Set(), notValid: new Set(), toChar };
}

/** The name of a RangeVar as written: `schema.table` or `table`. */
export function nameOf(rv: Node | undefined): string {
  if (!rv) return '?';
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : String(rv.relname);
}

/** Notes a table created (or renamed into being) in this run; `schema` as written, '' when unqualified. */
export function noteCreated(state: FileState, name: string | undefined, schema: string | undefined): void {
  if (name === undefined) return;
  const schemas = state.run.created.get(name) ?? new Set<string>();
  schemas.add(schema ?? '');
  state.run.created.set(name, schemas);
}

/**
 * Whether the table was created earlier in this run. search_path is unknown here, so an unqualified
 * name on either side matches any schema; two schemas written out must be the same one.
 */
export function isNew(state: FileState, rv: Node | undefined): boolean {
  return rv !== undefined && createdAs(state, String(rv.relname), rv.schemaname);
}

export function createdAs(state: FileState, name: string, schema: string | undefined): boolean {
  const schemas = state.run.created.get(name);
  if (!schemas) return false;
  return !schema || schemas.has('') || schemas.has(schema);
}

/** A hit's position: the node's location when it has one, else the statement's start. */
export function at(state: FileState, s: ParsedStatement, location: number | undefined): number {
  return location === undefined || location < 0 ? s.start : state.toChar(location);
}

export function hit(state: FileState, s: ParsedStatement, rule: RuleId, detail: string, more: Partial<Hit> & { location?: number } = {}): Hit {
  const { location, ...rest } = more;
  return { rule, offset: at(state, s, location), start: s.start, end: s.end, detail, ...rest };
}
