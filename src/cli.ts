// argv → what to do. Pure: no process, no I/O; main.ts prints the help and decides the exit.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export type Command = 'up' | 'status' | 'plan' | 'validate' | 'create' | 'baseline' | 'repair' | 'import' | 'wait' | 'await' | 'help' | 'version';

export interface CliArgs {
  command: Command;
  format: 'human' | 'json';
  strict: boolean;
  /** `create NAME` */
  name?: string;
  /** `baseline --to FILE` */
  to?: string;
  /** `--docker [NAME]`: connect to a running PostgreSQL container ('' = find the one). */
  docker?: string;
  /** `up --single-transaction`: all pending files in one transaction. */
  singleTransaction?: true;
  /** `import --from TOOL`: the tool whose history is carried over (detect.ts names them). */
  from?: string;
  /** `import --dry-run`: show what would be recorded, record nothing. */
  dryRun?: true;
}

const COMMANDS: readonly string[] = ['up', 'status', 'plan', 'validate', 'create', 'baseline', 'repair', 'import', 'wait', 'await', 'help', 'version'];

export function parseCli(argv: string[]): CliArgs {
  const { rest: args, docker } = takeDocker(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        list: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
        to: { type: 'string' },
        'single-transaction': { type: 'boolean' },
        from: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}; see \`pgshift --help\``);
  }
  const { values, positionals } = parsed;
  // `import --dry-run` is a dry run of the import, not the `plan` command.
  const importDryRun = positionals[0] === 'import' && values['dry-run'] === true;
  const command = chooseCommand(positionals[0], importDryRun ? { ...values, 'dry-run': false } : values);
  const cli: CliArgs = { command, format: values.json ? 'json' : 'human', strict: values.strict ?? false };
  if (docker !== undefined) cli.docker = docker;
  const rest = positionals.slice(1);
  if (command === 'create') {
    if (rest.length !== 1) throw new UsageError('create needs one NAME, e.g. `pgshift create add_user_preferences`');
    cli.name = rest[0];
  } else if (rest.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}; see \`pgshift --help\``);
  }
  if (values.to !== undefined) {
    if (command !== 'baseline') throw new UsageError('--to goes with `baseline`');
    cli.to = values.to;
  }
  if (command === 'import') {
    if (values.from === undefined) throw new UsageError('import needs --from TOOL, e.g. `pgshift import --from flyway`; see `pgshift --help`');
    cli.from = values.from;
    if (importDryRun) cli.dryRun = true;
  } else if (values.from !== undefined) {
    throw new UsageError('--from goes with `import`');
  }
  if (values['single-transaction']) {
    if (command !== 'up') throw new UsageError('--single-transaction goes with `up`');
    cli.singleTransaction = true;
  }
  return cli;
}

/** `--docker`, `--docker NAME` or `--docker=NAME` (NAME optional, so parseArgs cannot take it). */
function takeDocker(argv: string[]): { rest: string[]; docker?: string } {
  const rest: string[] = [];
  let docker: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--docker=')) docker = a.slice('--docker='.length);
    else if (a === '--docker') {
      const next = argv[i + 1];
      const takesNext = next !== undefined && !next.startsWith('-') && !COMMANDS.includes(next);
      docker = takesNext ? next : '';
      if (takesNext) i++;
    } else rest.push(a);
  }
  return docker === undefined ? { rest } : { rest, docker };
}

function chooseCommand(first: string | undefined, values: { help?: boolean; version?: boolean; list?: boolean; 'dry-run'?: boolean }): Command {
  if (values.help) return 'help';
  if (values.version) return 'version';
  const flagged: Command[] = [];
  if (values.list) flagged.push('status');
  if (values['dry-run']) flagged.push('plan');
  if (first !== undefined && !COMMANDS.includes(first)) {
    const guess = COMMANDS.find((c) => editDistance(c, first) <= 2);
    throw new UsageError(`unknown command ${JSON.stringify(first)}${guess ? `; did you mean \`pgshift ${guess}\`?` : ''}; see \`pgshift --help\``);
  }
  const named = first as Command | undefined;
  const all = [...new Set([...(named ? [named] : []), ...flagged])];
  if (all.length > 1) throw new UsageError(`choose one of: ${all.map((c) => (c === 'status' ? '--list' : c === 'plan' ? '--dry-run' : c)).join(', ')}`);
  return all[0] ?? 'up';
}

export function helpText(version: string): string {
  return `pgshift ${version} — applies plain-SQL PostgreSQL migrations at deploy time

Usage: pgshift [command] [--json] [--strict] [--single-transaction]

Commands:
  (none), up          apply pending migrations
  --list, status      applied (with time), failed, modified, missing and pending
  --dry-run, plan     what would be applied, in order, with each file's transaction mode
  validate            checksums, missing, duplicates, out-of-order; exit 6 on a problem
  create NAME         new MIGRATIONS_DIR/<UTC timestamp>_<name>.sql from a template
  baseline [--to F]   record files (up to F) as applied without running them (adopt a live database)
  repair              accept edited checksums and clear failed/unfinished rows, after a human decided so
  import --from TOOL  record what another tool applied (its history table) as applied, without running
                      anything; TOOL: flyway golang-migrate dbmate goose prisma diesel node-pg-migrate
                      (--dry-run: show what would be recorded)
  wait                only wait until the database accepts connections
  await               wait until every file in MIGRATIONS_DIR is applied by someone else, then exit 0

Options:
  --json              one machine-readable document on stdout (logs move to stderr)
  --strict            missing and out-of-order files are errors
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
  Durations: 500ms, 30s, 10m, 1h.

Exit codes:
  0 done or nothing to do    1 a migration failed       2 wrong usage
  3 invalid configuration    4 database unreachable     5 lock (or await) timed out
  6 validation failed        70 internal error          130/143 interrupted (SIGINT/SIGTERM)
`;
}

/** Levenshtein distance, for "did you mean" on a mistyped command. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
