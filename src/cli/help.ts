// The help pages: `pgshift --help` and `pgshift help COMMAND`. Text only; main.ts prints it.
import type { CliArgs } from './parse.js';

export function helpText(version: string, topic?: CliArgs['topic']): string {
  if (topic !== undefined) return commandHelp(topic);
  return `pgshift ${version} — applies plain-SQL PostgreSQL migrations at deploy time

Usage: pgshift [command] [--json] [--strict] [--single-transaction]
       pgshift help COMMAND    (or pgshift COMMAND --help): one command's flags, environment, exit codes

Commands:
  (none), up          apply pending migrations (--to VERSION: only up to that file)
  --list, status      applied (with time), failed, modified, missing and pending (--exit-code: for CI gates)
  --dry-run, plan     what would be applied, in order, with each file's transaction mode
  validate            checksums, missing, duplicates, out-of-order; exit 6 on a problem
  create NAME         new MIGRATIONS_DIR/<UTC timestamp>_<name>.sql from a template
  baseline [--to F]   record files (up to F) as applied without running them (adopt a live database)
  repair [FILE]       accept edited checksums, record renames, clear failed/unfinished rows, after a
                      human decided so (--dry-run: only say what would change)
  import --from TOOL  record what another tool applied (its history table) as applied, without running
                      anything; TOOL: flyway golang-migrate dbmate goose prisma diesel node-pg-migrate
                      (--dry-run: show what would be recorded)
  wait                only wait until the database accepts connections
  await               wait until every file in MIGRATIONS_DIR is applied by someone else, then exit 0
  lint [FILE…]        find statements that would lock a busy table (pending files; --all: every
                      file); PostgreSQL's own parser, table sizes from the database when at hand

Options:
  --json              one machine-readable document on stdout (logs move to stderr)
  --strict            missing, out-of-order and renamed files are errors
  --single-transaction
                      up: all pending files in ONE transaction, all or nothing; a file that
                      cannot run in a transaction is refused before anything runs (exit 6)
  --docker [NAME]     laptops: connect to a running PostgreSQL container (by name, or the only one),
                      with its POSTGRES_* settings and published port, found through the docker CLI
  -h, --help          this text
  -v, --version       the version

Environment (defaults in brackets):
  DATABASE_URL, DATABASE_URL_FILE            connection string; wins over the rest
  POSTGRES_HOST POSTGRES_PORT POSTGRES_USER  as the official postgres image names them
  POSTGRES_PASSWORD(_FILE) POSTGRES_DB
  PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE libpq's names, libpq's defaults
  PGSSLMODE [prefer] PGSSLROOTCERT PGSSLCERT PGSSLKEY PGCONNECT_TIMEOUT
  PGPASSFILE [~/.pgpass]                     read when no password is set
  MIGRATIONS_DIR [./migrations]              folder of *.sql files (/migrations in the image)
  MIGRATIONS_SCHEMA [public]                 schema of the history table (KB is kb; '"KB"' is KB)
  MIGRATIONS_TABLE [schema_migrations]       name of the history table
  HISTORY [found]                            new: start a new history although another was found
  DB_WAIT_TIMEOUT [60s]                      how long to wait for the database
  LOCK_TIMEOUT [10m]                         how long to wait for another runner
  AWAIT_TIMEOUT [10m]                        how long \`await\` waits
  MIGRATION_LOCK_TIMEOUT [off]               lock_timeout for migration statements
  MIGRATION_LOCK_RETRIES [3]                 retries of a file that hit it
  LOG_LEVEL [info]                           fatal error warn info debug trace silent
  LOG_FORMAT [auto]                          text, json, or auto (text on a terminal)
  NO_COLOR, FORCE_COLOR                      colour conventions
  TERMINATION_LOG [/dev/termination-log]     one-line outcome for Kubernetes; empty = off
  LINT [off]                                 lint before \`up\`: off, warn, refuse (exit 6 on an error)
  LINT_LARGE_TABLE_ROWS [100000]             lint: a table this large makes a blocking statement an
  LINT_LARGE_TABLE_SIZE [100MB]              error (a smaller one, a note)
  Durations: 500ms, 30s, 10m, 1h.

Fleets (up, status, plan over many targets; README "Fleets"):
  FLEET_TARGETS_FILE | FLEET_TARGETS_QUERY   target databases: a file of connection strings, or SQL
  FLEET_SCHEMAS | FLEET_SCHEMAS_QUERY        or schemas of one database (schema per tenant)
  FLEET_CONCURRENCY [4] FLEET_TARGET_TIMEOUT [off] FLEET_SHARDS [1] FLEET_SHARD [JOB_COMPLETION_INDEX]
  FLEET_CANARY, --canary N                   the first N targets first; stop if one fails
  FLEET_FAIL_FAST, --fail-fast               start no new target after a failure

Exit codes:
  0 done or nothing to do    1 a migration failed       2 wrong usage
  3 invalid configuration    4 database unreachable     5 lock (or await) timed out
  6 validation failed        7 pending (status --exit-code)
  70 internal error          130/143 interrupted (SIGINT/SIGTERM)
`;
}

const CONNECTION = `  DATABASE_URL(_FILE), or POSTGRES_HOST/PORT/USER/PASSWORD(_FILE)/DB, or libpq's PG* names
  DB_WAIT_TIMEOUT [60s]                      how long to wait for the database (then exit 4)`;
const HISTORY = `  MIGRATIONS_DIR [./migrations]              folder of *.sql files
  MIGRATIONS_SCHEMA [public], MIGRATIONS_TABLE [schema_migrations]   the history table`;
const OUTPUT = `  --json              one document on stdout (schemaVersion, ok, …); logs move to stderr`;
const FAILS = `  3 invalid configuration     4 database unreachable or connection lost`;
const LOCK = `  LOCK_TIMEOUT [10m]                         how long to wait for another runner (then exit 5)`;
/** The exit codes of a command that takes the migration lock. */
const FAILS_LOCKED = `${FAILS}     5 lock held past LOCK_TIMEOUT`;

/** Each command's own page: usage, flags, the environment it reads, its exit codes, an example. */
const HELP: Record<NonNullable<CliArgs['topic']>, string> = {
  up: `Usage: pgshift [up] [--to VERSION] [--strict] [--single-transaction] [--json]

Applies every pending file of MIGRATIONS_DIR in filename (byte) order, each in one transaction with
its history row (statement by statement for files that cannot run in a transaction), under the
migration lock. Refuses everything (exit 6) while a file is modified, unfinished or in conflict.

Flags:
  --to VERSION        apply pending files up to and including this one (a version or a file name
                      in MIGRATIONS_DIR); pending files that sort before it, out-of-order ones
                      included, are applied; later ones stay pending
  --strict            missing, out-of-order and renamed files are errors (exit 6)
  --single-transaction
                      all pending files (up to --to) in one transaction, all or nothing
  --canary N          fleets: the first N targets first; if one fails, no other starts
  --fail-fast         fleets: start no new target after a failure
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}
  FLEET_* (see pgshift --help)               many targets: every one a complete run (README "Fleets")
${LOCK}
  MIGRATION_LOCK_TIMEOUT [off], MIGRATION_LOCK_RETRIES [3]   lock_timeout for migration statements
  LOG_FORMAT [auto], LOG_LEVEL [info], TERMINATION_LOG

Exit codes:
  0 applied, or nothing to do  1 a migration failed (rolled back, recorded)   2 wrong usage
${FAILS_LOCKED}
  6 refused before anything ran (modified, unfinished, conflict, bad file; unknown --to)
  130/143 interrupted (SIGINT/SIGTERM)

Example:
  pgshift --to 20251018120000     # apply up to that version, leave the rest pending
`,
  status: `Usage: pgshift --list | status [--exit-code] [--strict] [--json]

Lists applied (with time), renamed, failed, modified, unfinished, missing and pending files, and
applied files with no checksum recorded. Reads the history table; creates and changes nothing.

Flags:
  --exit-code         exit non-zero unless every file is applied as it is: 1 when a file's last
                      attempt failed, 6 when a human must act (modified, unfinished, conflict;
                      missing/out-of-order/renamed with --strict), 7 when files are only pending
  --strict            missing, out-of-order and renamed files are problems
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}

Exit codes:
  0 listed (without --exit-code: even when something is pending or modified)   2 wrong usage
${FAILS}     6 the folder cannot be read as migrations
  with --exit-code: 0 up to date, 1 failed, 6 needs a human, 7 pending

Example:
  pgshift status --exit-code || echo "database is not fully migrated"
`,
  plan: `Usage: pgshift --dry-run | plan [--to VERSION] [--strict] [--json]

What \`up\` would apply, in order, with each file's transaction mode and why. Applies nothing,
creates nothing.

Flags:
  --to VERSION        only what \`up --to VERSION\` would apply
  --strict            missing, out-of-order and renamed files are problems (exit 6)
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}

Exit codes:
  0 nothing refused   2 wrong usage
${FAILS}     6 \`up\` would refuse (modified, unfinished, conflict, bad file)

Example:
  pgshift --dry-run --json | jq '.plan.toApply'
`,
  validate: `Usage: pgshift validate [--strict] [--json]

Checks the folder against the database: file names, duplicate versions, content that cannot run
outside psql, checksums of applied files, unfinished and conflicting rows. Changes nothing.

Flags:
  --strict            missing, out-of-order and renamed files are errors too
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}

Exit codes:
  0 valid   2 wrong usage
${FAILS}     6 a problem (each is named, with what to do)

Example:
  pgshift validate --strict     # in CI, against a copy of production
`,
  create: `Usage: pgshift create NAME [--json]

Writes MIGRATIONS_DIR/<YYYYMMDDHHMMSS>_<name>.sql (UTC) from a template; NAME becomes a lowercase
slug. The version is never one already in the folder: when the current second is taken (or a newer
version exists), it is the second after the newest one. Creates MIGRATIONS_DIR when missing. Needs
no database.

Environment:
  MIGRATIONS_DIR [./migrations]              where the file goes

Exit codes:
  0 created   2 wrong usage (no NAME)   6 NAME has no letters or digits, or the file cannot be written

Example:
  pgshift create "add user preferences"     # migrations/20261126014125_add_user_preferences.sql
`,
  baseline: `Usage: pgshift baseline [--to FILE] [--json]

Records files as applied without running them (adopting a database whose schema exists already),
up to and including FILE (a file name or a version). Files already recorded are left alone.

Flags:
  --to FILE           only files up to and including this one
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}
${LOCK}

Exit codes:
  0 recorded   2 wrong usage
${FAILS_LOCKED}
  6 no such FILE, or the folder cannot be read as migrations

Example:
  pgshift baseline --to 0004_integration_source_tracking.sql
`,
  repair: `Usage: pgshift repair [FILE] [--dry-run] [--json]

After a human decided so: accepts the current checksum of modified files, records renamed files
under their new name, records the checksum of applied files that have none (or one computed
another way), and removes failed and unfinished rows (the file is pending again). Names each file
and what changed.

Flags:
  FILE                only this file (a file name, or a history row's name when its file is gone);
                      also records a file whose version is applied under another name with no
                      checksum recorded, as that migration renamed
  --dry-run           say what would change; write nothing (the history table is not even created)
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}
${LOCK}

Exit codes:
  0 repaired, or nothing to repair   2 wrong usage
${FAILS_LOCKED}
  6 FILE is neither in the folder nor in the history, or reuses an applied version with
    other content (never repaired: give it a version of its own)

Example:
  pgshift repair 0003_add_index.sql --dry-run && pgshift repair 0003_add_index.sql
`,
  import: `Usage: pgshift import --from TOOL [--dry-run] [--json]

Records what another migration tool applied (read from its history table) as applied in pgshift's
history, matching its entries to the files in MIGRATIONS_DIR by that tool's version rules. Runs no
SQL from the files and never changes the other tool's table; refuses (exit 6) when that tool's
state is not clean.

Flags:
  --from TOOL         flyway golang-migrate dbmate goose prisma diesel node-pg-migrate sqitch postgrator graphile-migrate
  --dry-run           show what would be recorded; record nothing
${OUTPUT}

Environment:
${CONNECTION}
${HISTORY}
${LOCK}

Exit codes:
  0 imported (or nothing to import)   2 wrong usage (no --from)
${FAILS_LOCKED}
  6 the other tool's history is not clean, or does not match the folder

Example:
  pgshift import --from flyway --dry-run && pgshift import --from flyway && pgshift
`,
  wait: `Usage: pgshift wait [--json]

Waits until the database accepts connections (and the login succeeds), then exits 0. Reads no
migrations.

Environment:
${CONNECTION}

Exit codes:
  0 the database accepts connections   2 wrong usage
${FAILS}

Example:
  DB_WAIT_TIMEOUT=2m pgshift wait
`,
  lint: `Usage: pgshift lint [FILE…] [--all] [--format text|json|github] [--json]

Finds statements that would lock a table the running release uses: an index built without
CONCURRENTLY, a column type change that rewrites the table, SET NOT NULL that scans it, a constraint
without NOT VALID, a rename the old release still reads, … (docs/LINT.md lists every rule). Parses
with PostgreSQL's own parser. Tables created earlier in the same files are new and empty: changing
them is not reported. With a database, lints the pending files and grades each finding by the
table's size (pg_class, read-only); without one, every file. Applies nothing.
Allow a statement with a comment on or just before it: -- pgshift:allow RULE REASON

Flags:
  FILE…               lint these files (as one set, in this order) instead of the pending ones
  --all               every file in MIGRATIONS_DIR, each on its own
  --format github     GitHub Actions annotations (::error file=…,line=…,col=…::…) on stdout
${OUTPUT}

Environment:
${CONNECTION}   (lint waits at most 5s, then lints without it)
${HISTORY}
  MIGRATION_LOCK_TIMEOUT                     when set, statements need no SET lock_timeout
  LINT_LARGE_TABLE_ROWS [100000], LINT_LARGE_TABLE_SIZE [100MB]   from here a table is large

Exit codes:
  0 no errors (warnings and notes may be printed)   2 wrong usage   3 invalid configuration
  6 a finding of severity error, a file the parser rejects, or a file that cannot be read

Example:
  pgshift lint --format github     # in a pull request's workflow
`,
  await: `Usage: pgshift await [--strict] [--json]

For an app's initContainer: waits until every file in MIGRATIONS_DIR is applied by another runner
(the migration Job), then exits 0. Never applies anything. Ends at once when waiting cannot help:
a file is modified or in conflict; or, while no runner holds the migration lock, a file failed as
it is now (not fixed in place since) or is unfinished.

Environment:
${CONNECTION}
${HISTORY}
  AWAIT_TIMEOUT [10m]                        how long to wait (then exit 5)

Exit codes:
  0 everything is applied   1 a file failed and no runner is retrying it   2 wrong usage
${FAILS}     5 not applied within AWAIT_TIMEOUT
  6 a file is modified, unfinished or in conflict (a human must act)

Example:
  AWAIT_TIMEOUT=15m pgshift await
`,
};

function commandHelp(topic: NonNullable<CliArgs['topic']>): string {
  return `pgshift ${topic} — see also \`pgshift --help\`\n\n${HELP[topic]}`;
}
