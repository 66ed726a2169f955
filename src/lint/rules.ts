// The rules `pgshift lint` checks: each with the lock the statement takes, why that hurts while the
// old release still serves traffic, and the safe rewrite. docs/LINT.md explains each with examples.

export type { RuleId, Severity } from './finding.js';
import type { RuleId, Severity } from './finding.js';

export interface Rule {
  /** Without a database to size the table; a small table makes it a note, a large one an error. */
  severity: Severity;
  /** `what it blocks`: the lock and its reach. */
  lock: string;
  why: string;
  fix: string;
  /** Whether the table's size decides how bad it is (a blocking scan or rewrite of it). */
  sized: boolean;
}

const SCAN = 'for as long as it reads the whole table';
const REWRITE = 'for as long as it rewrites the whole table and its indexes';

export const RULES: Readonly<Record<RuleId, Rule>> = {
  'index-not-concurrently': {
    severity: 'error', sized: true, lock: 'SHARE on the table (blocks INSERT, UPDATE, DELETE)',
    why: `writes to the table wait ${SCAN} and builds the index`,
    fix: 'CREATE INDEX CONCURRENTLY (pgshift runs such a file outside a transaction); one index per file',
  },
  'drop-index-not-concurrently': {
    severity: 'error', sized: false, lock: 'ACCESS EXCLUSIVE on the index\'s table (blocks reads and writes)',
    why: 'queued behind any running query on the table, it queues every query after it',
    fix: 'DROP INDEX CONCURRENTLY (pgshift runs such a file outside a transaction)',
  },
  'add-column-volatile-default': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `a volatile default (random(), clock_timestamp(), gen_random_uuid(), …) is computed per row: every query waits ${REWRITE}`,
    fix: 'add the column without a default (or with a constant one), then SET DEFAULT, then backfill in batches in a later file',
  },
  'add-column-generated': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `a serial, identity or stored generated column is filled in for every row: every query waits ${REWRITE}`,
    fix: 'add a plain nullable column, backfill it in batches, then attach the sequence default or use a new table',
  },
  'add-column-required': {
    severity: 'error', sized: false, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: 'NOT NULL without a DEFAULT fails on a table with rows; the old release also does not write the column',
    fix: 'add it nullable (or with a constant DEFAULT), backfill, then SET NOT NULL the safe way (rule set-not-null)',
  },
  'alter-column-type': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `every query waits ${REWRITE} (except binary-coercible changes: varchar(n) → text, a longer varchar, numeric(p,s) → numeric(p2 ≥ p, s))`,
    fix: 'expand/contract: add a new column, write both, backfill in batches, switch reads, drop the old column in a later release',
  },
  'alter-table-rewrite': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `SET LOGGED, SET UNLOGGED, SET TABLESPACE and SET ACCESS METHOD copy the table: every query waits ${REWRITE}`,
    fix: 'do it while the table is new or small, or in a maintenance window; pg_repack --tablespace moves a table without the long lock',
  },
  'set-not-null': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `every query waits ${SCAN} to prove it holds no NULL`,
    fix: 'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; in a later file VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+ uses the check and skips the scan) and DROP CONSTRAINT c',
  },
  'constraint-not-valid': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE for a CHECK; SHARE ROW EXCLUSIVE on both tables for a FOREIGN KEY (blocks writes)',
    why: `the constraint is checked against every existing row under that lock, ${SCAN}`,
    fix: 'ADD CONSTRAINT … NOT VALID (instant), then VALIDATE CONSTRAINT in a later file (takes SHARE UPDATE EXCLUSIVE: reads and writes go on)',
  },
  'validate-same-transaction': {
    severity: 'error', sized: true, lock: 'the ADD\'s lock is still held while VALIDATE scans',
    why: 'NOT VALID then VALIDATE in the same transaction keeps the strong lock of the ADD for the whole scan: NOT VALID gained nothing',
    fix: 'move VALIDATE CONSTRAINT to a later file (its own transaction)',
  },
  'unique-without-index': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `the unique index behind the constraint is built under that lock, ${SCAN}`,
    fix: 'CREATE UNIQUE INDEX CONCURRENTLY i ON t (…); then in a later file ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i (or PRIMARY KEY USING INDEX i)',
  },
  'exclusion-constraint': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `an exclusion constraint builds its index under that lock, ${SCAN}; it has no NOT VALID or USING INDEX form`,
    fix: 'add it while the table is new or small, or enforce the rule otherwise (a trigger) until a maintenance window',
  },
  'rename-column': {
    severity: 'warning', sized: false, lock: 'ACCESS EXCLUSIVE, briefly',
    why: 'the old release, still serving while the migration runs, reads and writes the old name and fails',
    fix: 'expand/contract: add the new column, write both, backfill, switch reads, drop the old column a release later (or a view with the old name)',
  },
  'rename-table': {
    severity: 'warning', sized: false, lock: 'ACCESS EXCLUSIVE, briefly',
    why: 'the old release, still serving while the migration runs, queries the old name and fails',
    fix: 'expand/contract: create the new table (or rename and leave a view with the old name), move the code, drop the old name a release later',
  },
  'drop-column': {
    severity: 'warning', sized: false, lock: 'ACCESS EXCLUSIVE, briefly',
    why: 'the old release, still serving while the migration runs, may read or write the column (SELECT *, INSERT lists) and fail',
    fix: 'contract only after no running release uses it: stop using the column in one release, drop it in the next',
  },
  'drop-table': {
    severity: 'warning', sized: false, lock: 'ACCESS EXCLUSIVE, briefly',
    why: 'the old release, still serving while the migration runs, may query the table and fail; the data is gone for good',
    fix: 'contract only after no running release uses it: stop using the table in one release, drop it in the next',
  },
  'vacuum-full': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `every query waits ${REWRITE}`,
    fix: 'plain VACUUM (no blocking), or pg_repack / pg_squeeze outside the migration',
  },
  cluster: {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE (blocks reads and writes)',
    why: `every query waits ${REWRITE}`,
    fix: 'pg_repack --order-by outside the migration, or leave the physical order alone',
  },
  'reindex-not-concurrently': {
    severity: 'error', sized: true, lock: 'SHARE on the table (blocks writes) and ACCESS EXCLUSIVE on each index rebuilt (blocks the reads that use it)',
    why: `writes wait, and so do reads planned to use the index, ${SCAN} and rebuilds the index`,
    fix: 'REINDEX … CONCURRENTLY (PostgreSQL 12+; pgshift runs such a file outside a transaction)',
  },
  'refresh-not-concurrently': {
    severity: 'error', sized: true, lock: 'ACCESS EXCLUSIVE on the materialized view (blocks reads)',
    why: 'every read of the view waits for the whole refresh',
    fix: 'REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view), outside the migration if it is long',
  },
  'lock-table': {
    severity: 'error', sized: false, lock: 'the mode named, ACCESS EXCLUSIVE by default',
    why: 'an explicit lock is held until the transaction ends, queuing every conflicting query behind it',
    fix: 'let each statement take the lock it needs, with lock_timeout set; split the file',
  },
  'backfill-with-ddl': {
    severity: 'error', sized: true, lock: 'the DDL\'s lock, held until the backfill commits',
    why: 'a data change in the same transaction as DDL on the table keeps the DDL\'s strong lock for the whole backfill',
    fix: 'put the backfill in a file of its own (pgshift runs each file in its own transaction), in batches for a large table',
  },
  'enum-value-used': {
    severity: 'error', sized: false, lock: 'none (the statement fails)',
    why: 'a value added by ALTER TYPE … ADD VALUE cannot be used before its transaction commits (55P04 unsafe use of new value)',
    fix: 'add the value in one file and use it in a later file',
  },
  'lock-timeout-missing': {
    severity: 'warning', sized: false, lock: 'ACCESS EXCLUSIVE, waiting behind any running query',
    why: 'a statement waiting for its lock queues every later query on the table behind it, for as long as the longest running query',
    fix: "SET lock_timeout = '5s'; at the top of the file, or set MIGRATION_LOCK_TIMEOUT (pgshift retries the file, MIGRATION_LOCK_RETRIES)",
  },
  'truncate-cascade': {
    severity: 'error', sized: false, lock: 'ACCESS EXCLUSIVE on every table reached',
    why: 'CASCADE empties every table that references this one, and theirs, without naming them',
    fix: 'name every table to truncate, without CASCADE',
  },
  'parse-error': {
    severity: 'error', sized: false, lock: '—',
    why: "PostgreSQL's parser rejects the file: it would fail when applied",
    fix: 'fix the syntax at the position shown',
  },
};

export const RULE_IDS = Object.keys(RULES) as RuleId[];
