// What lint reports, as data: the result of `pgshift lint` (commands/results.ts) carries these, so
// they stand apart from the rules and the parser, which the library's types never reach.

export type Severity = 'error' | 'warning' | 'note';

export type RuleId =
  | 'index-not-concurrently'
  | 'drop-index-not-concurrently'
  | 'add-column-volatile-default'
  | 'add-column-generated'
  | 'add-column-required'
  | 'alter-column-type'
  | 'alter-table-rewrite'
  | 'set-not-null'
  | 'constraint-not-valid'
  | 'validate-same-transaction'
  | 'unique-without-index'
  | 'exclusion-constraint'
  | 'rename-column'
  | 'rename-table'
  | 'drop-column'
  | 'drop-table'
  | 'vacuum-full'
  | 'cluster'
  | 'reindex-not-concurrently'
  | 'refresh-not-concurrently'
  | 'lock-table'
  | 'backfill-with-ddl'
  | 'enum-value-used'
  | 'lock-timeout-missing'
  | 'truncate-cascade'
  | 'parse-error';

export interface Finding {
  rule: RuleId;
  severity: Severity;
  path: string;
  line: number;
  column: number;
  /** What exactly: `index on orders`. */
  detail: string;
  /** The source line the caret points into. */
  source: string;
  /** Set when a `-- pgshift:allow` comment covers it: the reason given. */
  allowed?: string;
  /** The table it is about, when its size matters (graded against the database). */
  table?: string;
  /** What the database said about it: `orders: ~12,000,000 rows, 4.1 GB`. */
  size?: string;
  /** ALTER COLUMN … TYPE: the column and the type it becomes, for the database to say whether it rewrites. */
  typeChange?: { column: string; to: string };
  notNull?: string;
}

export interface Summary {
  files: number;
  /** Which files were linted and why: `3 pending files`, `every file (no database)`. */
  scope: string;
  /** What the database added: `table sizes from the database`, or why none. */
  database: string;
}
