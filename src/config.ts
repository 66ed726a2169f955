// Configuration from the environment. `env` is a parameter: main.ts passes process.env, tests pass
// plain objects. Errors name variables and what is wrong with them, never their values.
import { cleanEnv, EnvError, makeExactValidator } from 'envalid';
import { readFileSync } from 'node:fs';
import { hostname as osHostname, userInfo } from 'node:os';
import { ConfigError } from './errors.js';
import { lookupPassword, passFilePath, readPassFile, type PassFileRead } from './pgpass.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type LogFormat = 'text' | 'json' | 'auto';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';
export type ConnectionSource = 'DATABASE_URL' | 'POSTGRES_*' | 'PG*' | 'defaults';

export interface ConnectionSettings {
  /** Where the settings came from; logged at start. */
  source: ConnectionSource;
  /** A host name, an IP address, or a Unix-socket directory (starts with `/`). */
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode;
  sslrootcert: string | undefined;
  sslcert: string | undefined;
  sslkey: string | undefined;
  /** libpq's connect_timeout for one attempt, when set. */
  connectTimeoutMs: number | undefined;
  /** libpq's target_session_attrs (one host: the server must be of this kind). @default 'any' */
  targetSessionAttrs: TargetSessionAttrs;
  /** libpq's options: command-line options sent at login (e.g. `-c search_path=app`). */
  options: string | undefined;
  /** libpq's application_name, when set; otherwise pgshift@<hostname>. */
  applicationName: string | undefined;
  /** Variables that were set but lost to a source of higher precedence (logged as a warning). */
  ignored: string[];
  /** The password file the password came from (PGPASSFILE or ~/.pgpass), when it did. */
  passwordFile: string | undefined;
  /** What was wrong with the connection settings but did not stop the run (logged as warnings). */
  warnings: string[];
}

export interface Config {
  connection: ConnectionSettings;
  migrationsDir: string;
  schema: string;
  table: string;
  /**
   * `found`: the schema and table are pgshift's defaults, not set, so a history found elsewhere may be
   * used (detect.ts); `set`: MIGRATIONS_SCHEMA or MIGRATIONS_TABLE names the table; `new`: HISTORY=new.
   */
  history: 'found' | 'set' | 'new';
  dbWaitTimeoutMs: number;
  lockTimeoutMs: number;
  awaitTimeoutMs: number;
  /** PostgreSQL lock_timeout for migration statements; undefined = off. */
  migrationLockTimeoutMs: number | undefined;
  migrationLockRetries: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** true/false when NO_COLOR/FORCE_COLOR decide; undefined = colour when writing to a terminal. */
  color: boolean | undefined;
  /** Path for the one-line outcome; undefined = /dev/termination-log when writable; '' = off. */
  terminationLog: string | undefined;
  /** Used in application_name: `pgshift@<hostname>` (the pod name in Kubernetes). */
  hostname: string;
  /** Every secret value, so outputs can be scrubbed of them as a last line of defence. */
  secrets: string[];
  /** What is wrong with the environment but does not stop the run (a misspelt setting): logged as warnings. */
  warnings: string[];
}

type Env = Record<string, string | undefined>;

export interface LoadOptions {
  /** Reads `*_FILE` secrets. @default fs.readFileSync(path, 'utf8') */
  readFile?: (path: string) => string;
  /** Reads libpq's password file when no password is set. @default readPassFile (pgpass.ts) */
  readPassFile?: (path: string) => PassFileRead;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * The longest duration any setting takes: PostgreSQL's lock_timeout and statement_timeout are
 * int milliseconds, and Node's timers fire at once beyond it.
 */
export const MAX_DURATION_MS = 2_147_483_647;

export function parseDuration(input: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(input.trim());
  if (input.trim() === '0') return 0;
  if (!m) throw new EnvError('must be a duration such as 500ms, 30s, 10m or 1h');
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * factor);
  if (ms > MAX_DURATION_MS) throw new EnvError(`must be at most ${MAX_DURATION_MS}ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take`);
  return ms;
}

const duration = makeExactValidator<number>(parseDuration);

/**
 * PostgreSQL's rule for identifiers: unquoted, a name folds to lower case (`KB` is `kb`); in double
 * quotes it is kept as written (`"KB"`). Either way only letters, digits and _ are accepted.
 */
const identifier = makeExactValidator<string>((input) => {
  const quoted = /^"(.*)"$/s.exec(input);
  const name = quoted ? quoted[1]! : input;
  if (name.length > MAX_IDENTIFIER_LENGTH) throw new EnvError(`must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  if (!IDENTIFIER.test(name)) throw new EnvError('must be a plain identifier: letters, digits and _, not starting with a digit');
  return quoted ? name : name.toLowerCase();
});

const count = makeExactValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim())) throw new EnvError('must be a whole number (0 or more)');
  return Number(input.trim());
});

function oneOf<T extends string>(allowed: readonly T[]) {
  return makeExactValidator<T>((input) => {
    const v = input.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) throw new EnvError(`must be one of: ${allowed.join(', ')}`);
    return v as T;
  });
}

const text = makeExactValidator<string>((input) => input);

const SPEC = {
  MIGRATIONS_DIR: text({ default: './migrations' }),
  MIGRATIONS_SCHEMA: identifier({ default: 'public' }),
  MIGRATIONS_TABLE: identifier({ default: 'schema_migrations' }),
  DB_WAIT_TIMEOUT: duration({ default: 60_000 }),
  LOCK_TIMEOUT: duration({ default: 600_000 }),
  AWAIT_TIMEOUT: duration({ default: 600_000 }),
  MIGRATION_LOCK_TIMEOUT: duration({ default: undefined }),
  MIGRATION_LOCK_RETRIES: count({ default: 3 }),
  LOG_LEVEL: oneOf<LogLevel>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])({ default: 'info' }),
  LOG_FORMAT: oneOf<LogFormat>(['text', 'json', 'auto'])({ default: 'auto' }),
  HISTORY: oneOf<'found' | 'new'>(['found', 'new'])({ default: 'found' }),
};

/** Every variable pgshift reads, for the warning about a misspelt one. */
const SETTINGS = [
  ...Object.keys(SPEC),
  'DATABASE_URL', 'DATABASE_URL_FILE', 'POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB',
  'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGCONNECT_TIMEOUT', 'PGPASSFILE',
  'NO_COLOR', 'FORCE_COLOR', 'TERMINATION_LOG',
];

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
  const connection = resolveConnection(env, readFile, problems, options.readPassFile ?? readPassFile);
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
    secrets: secretsOf(connection, env),
    warnings: misspelt(env),
  });
}

/**
 * A variable that is not a setting but one slip away from one (`MIGRATION_SCHEMA`, `DATABSE_URL`,
 * `MIGRATIONS_DIRECTORY`): a setting the user meant and pgshift would otherwise ignore without a word.
 * Short names need a closer match, so that `USER` is not taken for `PGUSER`.
 */
export function misspelt(env: Env): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (SETTING_SET.has(name)) continue;
    const upper = name.toUpperCase();
    // A slip rarely touches both ends of a name: only settings sharing its first or last two letters are compared.
    const candidates = [...(BY_START.get(upper.slice(0, 2)) ?? []), ...(BY_END.get(upper.slice(-2)) ?? [])];
    const meant = candidates.find((s) => nearName(upper, s));
    if (meant) warnings.push(`${name} is not a pgshift setting and is ignored; did you mean ${meant}?`);
  }
  return warnings;
}

const SETTING_SET = new Set(SETTINGS);
const BY_START = groupBy(SETTINGS, (s) => s.slice(0, 2));
const BY_END = groupBy(SETTINGS, (s) => s.slice(-2));

function groupBy(names: string[], key: (name: string) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const n of names) groups.set(key(n), [...(groups.get(key(n)) ?? []), n]);
  return groups;
}

function nearName(name: string, setting: string): boolean {
  if (name === setting) return true;
  if (Math.min(name.length, setting.length) < 6) return false;
  const allowed = setting.length < 10 ? 1 : 2;
  if (Math.abs(name.length - setting.length) <= allowed && editDistance(name, setting) <= allowed) return true;
  // A word of the setting written out longer: MIGRATIONS_DIRECTORY for MIGRATIONS_DIR.
  const a = name.split('_');
  const b = setting.split('_');
  return a.length === b.length && a.every((word, i) => word === b[i] || (b[i]!.length >= 3 && word.startsWith(b[i]!)));
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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

/** What output needs to report an invalid configuration: the settings read as loadConfig reads them, defaults for invalid ones. */
export function outputSettings(env: Env): Pick<Config, 'logLevel' | 'logFormat' | 'color' | 'secrets' | 'terminationLog'> {
  const format = (['text', 'json', 'auto'] as const).find((f) => f === env.LOG_FORMAT?.toLowerCase()) ?? 'auto';
  return { logLevel: 'info', logFormat: format, color: colorFrom(env), secrets: secretsFromEnv(env), terminationLog: env.TERMINATION_LOG };
}

function colorFrom(env: Env): boolean | undefined {
  if (env.NO_COLOR !== undefined) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR.toLowerCase() !== 'false';
  return undefined;
}

/** The password in every form it was given: as used, URL-encoded, and as written in DATABASE_URL. */
function secretsOf(c: ConnectionSettings, env: Env): string[] {
  const found = [...secretsFromEnv(env)];
  if (c.password) found.push(c.password, encodeURIComponent(c.password));
  return [...new Set(found)].filter((s) => s.length >= 3);
}

// ---------------------------------------------------------------------------------------------
// The connection: DATABASE_URL(_FILE) wins; otherwise POSTGRES_* (the official image's names),
// then libpq's PG* names, field by field; libpq's defaults last.

type Problems = string[];
type ReadFile = (path: string) => string;

/** `NAME` or `NAME_FILE` (a mounted secret; one trailing newline trimmed). Both set is an error. */
export function secretVar(env: Env, name: string, readFile: ReadFile, problems: Problems): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) {
    problems.push(`${name} and ${name}_FILE: both are set; set only one`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    return readFile(file).replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    problems.push(`${name}_FILE: cannot read ${file} (${code})`);
    return undefined;
  }
}

function resolveConnection(env: Env, readFile: ReadFile, problems: Problems, readPasswords: (path: string) => PassFileRead): ConnectionSettings | undefined {
  const url = secretVar(env, 'DATABASE_URL', readFile, problems);
  const base = url !== undefined ? fromUrl(url, env, problems) : fromVariables(env, readFile, problems);
  if (!base) return undefined;
  const warnings: string[] = [];
  let passwordFile: string | undefined;
  const path = base.password === undefined ? passFilePath(env) : undefined;
  const read = path ? readPasswords(path) : undefined;
  if (read && 'warning' in read) warnings.push(read.warning);
  if (read && 'text' in read) {
    base.password = lookupPassword(read.text, base);
    if (base.password !== undefined) passwordFile = path;
  }
  const sslmode = base.sslmode ?? choiceOf(SSL_MODES, env.PGSSLMODE, 'PGSSLMODE', problems) ?? 'prefer';
  const connectTimeoutMs = base.connectTimeoutMs ?? secondsOf(env.PGCONNECT_TIMEOUT, 'PGCONNECT_TIMEOUT', problems);
  const targetSessionAttrs = base.targetSessionAttrs ?? choiceOf(SESSION_ATTRS, env.PGTARGETSESSIONATTRS, 'PGTARGETSESSIONATTRS', problems) ?? 'any';
  return {
    ...base,
    targetSessionAttrs,
    options: base.options ?? env.PGOPTIONS,
    applicationName: base.applicationName ?? env.PGAPPNAME,
    sslmode,
    sslrootcert: base.sslrootcert ?? env.PGSSLROOTCERT,
    sslcert: base.sslcert ?? env.PGSSLCERT,
    sslkey: base.sslkey ?? env.PGSSLKEY,
    connectTimeoutMs,
    passwordFile,
    warnings,
  };
}

type Partial_ = Omit<ConnectionSettings, 'sslmode' | 'connectTimeoutMs' | 'passwordFile' | 'warnings' | 'targetSessionAttrs' | 'options' | 'applicationName'> & {
  sslmode?: SslMode;
  connectTimeoutMs?: number;
  targetSessionAttrs?: TargetSessionAttrs;
  options?: string;
  applicationName?: string;
};

/** URL parameters pgshift honours, as libpq does. */
const URL_PARAMETERS = ['host', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'connect_timeout', 'options', 'target_session_attrs', 'application_name'];
/**
 * libpq parameters that change nothing pgshift promises, accepted (with these values) so that
 * URLs written for other clients work: pgshift names its own session and sets its own keepalives,
 * and never asks for GSSAPI encryption or channel binding.
 */
const URL_PARAMETERS_WITHOUT_EFFECT: Record<string, readonly string[] | 'any'> = {
  fallback_application_name: 'any',
  keepalives: 'any',
  keepalives_idle: 'any',
  keepalives_interval: 'any',
  keepalives_count: 'any',
  tcp_user_timeout: 'any',
  client_encoding: ['utf8', 'utf-8'],
  gssencmode: ['disable', 'prefer'],
  channel_binding: ['disable', 'prefer'],
  sslnegotiation: ['postgres'],
};

/** Refuses URL parameters pgshift would otherwise ignore: a typo, or a demand it cannot keep. */
function checkUrlParameters(q: URLSearchParams, problems: Problems): void {
  for (const [name, value] of q) {
    if (URL_PARAMETERS.includes(name)) continue;
    const accepted = URL_PARAMETERS_WITHOUT_EFFECT[name];
    if (accepted === 'any' || accepted?.includes(value.toLowerCase())) continue;
    problems.push(
      accepted
        ? `DATABASE_URL ${name}: only ${accepted.join(' or ')} is supported (pgshift cannot keep any other value); remove the parameter or change it`
        : `DATABASE_URL: parameter ${name} is not supported; supported: ${URL_PARAMETERS.join(', ')} (accepted without effect: ${Object.keys(URL_PARAMETERS_WITHOUT_EFFECT).join(', ')})`,
    );
  }
}

const SESSION_ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

/** `raw` when it is one of `allowed`; otherwise a problem naming the setting and the choices. */
function choiceOf<T extends string>(allowed: readonly T[], raw: string | undefined, name: string, problems: Problems): T | undefined {
  if (raw === undefined) return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${name}: must be one of ${allowed.join(', ')}`);
  return undefined;
}

const POSTGRES_VARS = ['POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB'];
const PG_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'];

function fromUrl(raw: string, env: Env, problems: Problems): Partial_ | undefined {
  let u: URL;
  // libpq allows an empty host (`postgres://u@/db?host=/run/postgresql`, `postgres:///db`); URL does not.
  const NO_HOST = 'pgshift-no-host.invalid';
  try {
    u = new URL(raw.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(?=[/?#]|$)/, `$1${NO_HOST}`));
  } catch {
    problems.push('DATABASE_URL: is not a valid URL; expected postgres://user:password@host:5432/database');
    return undefined;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
    return undefined;
  }
  // `postgres://app:pa/ss@db/app`: libpq (and URL) end the host at the first `/`, so the password's
  // tail would become the database name, printed in every line. Never a real database name.
  if (u.pathname.includes('@')) {
    problems.push('DATABASE_URL: has an "@" after the host, in the database name: a password holding "/", "@", ":", "#" or "?" must be percent-encoded (%2F, %40, %3A, %23, %3F)');
    return undefined;
  }
  const q = u.searchParams;
  const urlHost = u.hostname && u.hostname !== NO_HOST ? decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') : undefined;
  const host = q.get('host') ?? urlHost;
  if (host?.includes(',')) {
    problems.push('DATABASE_URL: several hosts are not supported; name one host');
    return undefined;
  }
  const port = portOf(q.get('port') ?? (u.port || env.PGPORT), 'DATABASE_URL port', problems);
  const user = (u.username ? decodeURIComponent(u.username) : q.get('user')) ?? env.PGUSER ?? defaultUser();
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || q.get('dbname') || env.PGDATABASE || user;
  const password = u.password ? decodeURIComponent(u.password) : (q.get('password') ?? env.PGPASSWORD);
  const sslmode = choiceOf(SSL_MODES, q.get('sslmode') ?? undefined, 'DATABASE_URL sslmode', problems);
  const connectTimeoutMs = secondsOf(q.get('connect_timeout') ?? undefined, 'DATABASE_URL connect_timeout', problems);
  const targetSessionAttrs = choiceOf(SESSION_ATTRS, q.get('target_session_attrs') ?? undefined, 'DATABASE_URL target_session_attrs', problems);
  checkUrlParameters(q, problems);
  const ignored = POSTGRES_VARS.filter((v) => env[v] !== undefined);
  return {
    source: 'DATABASE_URL',
    host: host ?? env.PGHOST ?? 'localhost',
    port: port ?? 5432,
    user,
    password,
    database,
    ...(sslmode ? { sslmode } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(targetSessionAttrs ? { targetSessionAttrs } : {}),
    options: q.get('options') ?? undefined,
    applicationName: q.get('application_name') ?? undefined,
    sslrootcert: q.get('sslrootcert') ?? undefined,
    sslcert: q.get('sslcert') ?? undefined,
    sslkey: q.get('sslkey') ?? undefined,
    ignored,
  };
}

function fromVariables(env: Env, readFile: ReadFile, problems: Problems): Partial_ {
  const usesPostgres = POSTGRES_VARS.some((v) => env[v] !== undefined);
  const usesPg = PG_VARS.some((v) => env[v] !== undefined);
  const user = env.POSTGRES_USER ?? env.PGUSER ?? (usesPostgres ? 'postgres' : defaultUser());
  const password = secretVar(env, 'POSTGRES_PASSWORD', readFile, problems) ?? env.PGPASSWORD;
  const port =
    env.POSTGRES_PORT !== undefined ? portOf(env.POSTGRES_PORT, 'POSTGRES_PORT', problems) : portOf(env.PGPORT, 'PGPORT', problems);
  return {
    source: usesPostgres ? 'POSTGRES_*' : usesPg ? 'PG*' : 'defaults',
    host: env.POSTGRES_HOST ?? env.PGHOST ?? 'localhost',
    port: port ?? 5432,
    user,
    password,
    database: env.POSTGRES_DB ?? env.PGDATABASE ?? user,
    sslrootcert: undefined,
    sslcert: undefined,
    sslkey: undefined,
    ignored: [],
  };
}

/** libpq's default user is the operating-system user; an arbitrary container UID may have none. */
function defaultUser(): string {
  try {
    return userInfo().username || 'postgres';
  } catch {
    return 'postgres';
  }
}

function portOf(raw: string | undefined, name: string, problems: Problems): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 65535)) {
    problems.push(`${name}: must be a port number from 1 to 65535`);
    return undefined;
  }
  return n;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function secondsOf(raw: string | undefined, name: string, problems: Problems): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name}: must be a whole number of seconds`);
    return undefined;
  }
  const s = Number(raw);
  if (s * 1000 > MAX_DURATION_MS) {
    problems.push(`${name}: must be at most ${Math.floor(MAX_DURATION_MS / 1000)} seconds`);
    return undefined;
  }
  // libpq: zero or negative means wait indefinitely; values under 2 s are raised to 2 s.
  return s <= 0 ? undefined : Math.max(2, s) * 1000;
}

/**
 * Secrets straight from the environment, also for scrubbing output when the configuration itself is
 * invalid (so no Config exists yet). A URL's password is read generously, from the first `:` after
 * `//`, as written and decoded: a password holding an unencoded `/` or `@` is then still known
 * whole, whatever a URL parser makes of it.
 */
export function secretsFromEnv(env: Env): string[] {
  const found = [env.POSTGRES_PASSWORD, env.PGPASSWORD];
  const url = env.DATABASE_URL;
  if (url) {
    found.push(url);
    // To the first `@` (libpq's reading) and to the last (a password holding an unencoded `@`).
    for (const userinfo of [/^[a-z][a-z0-9+.-]*:\/\/[^@/:]*:([^@]*)@/is, /^[a-z][a-z0-9+.-]*:\/\/[^@/:]*:(.*)@/is]) {
      const written = userinfo.exec(url)?.[1];
      if (written) found.push(written, decodeOrSelf(written));
    }
  }
  return found.filter((s): s is string => typeof s === 'string' && s.length >= 3);
}

function decodeOrSelf(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
