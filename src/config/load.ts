// Configuration from the environment. `env` is a parameter: main.ts passes process.env, tests pass
// plain objects. Errors name variables and what is wrong with them, never their values.
import { cleanEnv, EnvError } from 'envalid';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { ConfigError } from '../errors.js';
import { fleetSettings } from '../fleet/settings.js';
import { resolveConnection } from './connection.js';
import type { Env } from './fields.js';
import { misspelt } from './misspelt.js';
import { readPassFile, type PassFileRead } from './pgpass.js';
import { parseDuration } from './duration.js';
import { secretsOf, secretVar } from './secrets.js';
import { SPEC } from './spec.js';
import type { Config, ConnectionSettings } from './types.js';

export interface LoadOptions {
  /** Reads `*_FILE` secrets. @default fs.readFileSync(path, 'utf8') */
  readFile?: (path: string) => string;
  /** Reads libpq's password file when no password is set. @default readPassFile (pgpass.ts) */
  readPassFile?: (path: string) => PassFileRead;
}

/** Validates everything and returns a frozen Config, or throws ConfigError listing every problem. */
export function loadConfig(rawEnv: Env, options: LoadOptions = {}): Config {
  const env = withoutEmpty(rawEnv);
  const problems: string[] = [];
  const cleaned = cleanEnv(env, SPEC, {
    reporter: ({ errors }) => {
      for (const [name, err] of Object.entries(errors)) problems.push(`${name}: ${describeEnvError(err)}`);
    },
  });
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const readPasswords = options.readPassFile ?? readPassFile;
  const connection = resolveConnection(env, readFile, problems, readPasswords);
  const fleet = fleetSettings<ConnectionSettings>(env, {
    secret: (name) => secretVar(env, name, readFile, problems),
    connectionOf: (url) => targetConnection(url, env, readFile, readPasswords),
    parseDuration,
    problems,
  });
  if (problems.length > 0 || !connection) throw new ConfigError(problems);
  const named = env.MIGRATIONS_SCHEMA !== undefined || env.MIGRATIONS_TABLE !== undefined;
  return Object.freeze({
    connection,
    migrationsDir: cleaned.MIGRATIONS_DIR,
    schema: cleaned.MIGRATIONS_SCHEMA,
    table: cleaned.MIGRATIONS_TABLE,
    history: cleaned.HISTORY === 'new' ? 'new' : named ? 'set' : 'found',
    dbWaitTimeoutMs: cleaned.DB_WAIT_TIMEOUT,
    lockTimeoutMs: cleaned.LOCK_TIMEOUT,
    awaitTimeoutMs: cleaned.AWAIT_TIMEOUT,
    migrationLockTimeoutMs: cleaned.MIGRATION_LOCK_TIMEOUT,
    migrationLockRetries: cleaned.MIGRATION_LOCK_RETRIES,
    logLevel: cleaned.LOG_LEVEL,
    logFormat: cleaned.LOG_FORMAT,
    color: colorFrom(env),
    terminationLog: rawEnv.TERMINATION_LOG,
    hostname: env.HOSTNAME ?? osHostname(),
    secrets: [...secretsOf(connection, env), ...(fleet?.secrets ?? [])],
    warnings: misspelt(env),
    lint: cleaned.LINT,
    lintLargeTableRows: cleaned.LINT_LARGE_TABLE_ROWS,
    lintLargeTableBytes: cleaned.LINT_LARGE_TABLE_SIZE,
    fleet,
  });
}

/** A fleet target's connection string, read as DATABASE_URL is (the other variables fill in what it leaves out). */
function targetConnection(url: string, env: Env, readFile: (path: string) => string, readPasswords: (path: string) => PassFileRead) {
  const problems: string[] = [];
  const connection = resolveConnection({ ...env, DATABASE_URL: url, DATABASE_URL_FILE: undefined }, readFile, problems, readPasswords);
  if (problems.length > 0 || !connection) return { problems };
  return { connection, secrets: secretsOf(connection, { DATABASE_URL: url }) };
}

/** envalid's own messages quote the input; ours never do. */
function describeEnvError(err: Error | undefined): string {
  if (err instanceof EnvError) return err.message;
  return 'is invalid';
}

/** Orchestrators often set a variable to '' to mean "unset"; treat it so (TERMINATION_LOG aside). */
function withoutEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function colorFrom(env: Env): boolean | undefined {
  if (env.NO_COLOR !== undefined) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR.toLowerCase() !== 'false';
  return undefined;
}
