// Fleet settings (README "Fleets"): where the targets come from and how they are run. Read by
// config.ts, which passes in its own readers (a fleet target's connection string is read exactly as
// DATABASE_URL is), so this module imports nothing from it: `C` is config.ts's ConnectionSettings.

/** One target: a database (its own connection) or a schema in the control database. `name` never holds credentials. */
export interface FleetTarget<C = unknown> {
  name: string;
  /** A database target's connection; undefined for a schema target (the control connection is used). */
  connection?: C;
  /** A schema target: its history table and lock live in this schema, its files run with `search_path` = it, public. */
  schema?: string;
}

export type TargetSource<C> =
  | { kind: 'list'; targets: FleetTarget<C>[] }
  | { kind: 'databaseQuery'; sql: string }
  | { kind: 'schemaQuery'; sql: string };

/** A connection string read as DATABASE_URL is, or what is wrong with it (never its value). */
export type ConnectionOf<C> = (url: string) => { connection: C; secrets: string[] } | { problems: string[] };

export interface FleetSettings<C> {
  source: TargetSource<C>;
  /** Targets run at once; each holds one connection. @default 4 */
  concurrency: number;
  /** A target still running after this is cancelled and rolled back (exit 5 for it); undefined = no deadline. */
  targetTimeoutMs: number | undefined;
  /** The first N targets run alone first; a failure among them stops the release. @default 0 */
  canary: number;
  /** After a failure no new target starts. @default false */
  failFast: boolean;
  /** This process runs shard `shard` of `shards` (0-based). @default 0 of 1 */
  shard: number;
  shards: number;
  /** Reads a connection string a target query returned. */
  connectionOf: ConnectionOf<C>;
  /** Every password found in the targets file. */
  secrets: string[];
}

/** Every variable the fleet reads (for the misspelt-setting warning). */
export const FLEET_SETTINGS = [
  'FLEET_TARGETS', 'FLEET_TARGETS_FILE', 'FLEET_TARGETS_QUERY', 'FLEET_SCHEMAS', 'FLEET_SCHEMAS_QUERY',
  'FLEET_CONCURRENCY', 'FLEET_TARGET_TIMEOUT', 'FLEET_CANARY', 'FLEET_FAIL_FAST', 'FLEET_SHARDS', 'FLEET_SHARD',
];

const DEFAULT_CONCURRENCY = 4;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

type Env = Record<string, string | undefined>;
/** What a database target's name is made of. */
type Located = { host: string; port: number; database: string };

export interface FleetReaders<C extends Located> {
  /** `NAME` or `NAME_FILE` (config.ts's secretVar). */
  secret(name: string): string | undefined;
  connectionOf: ConnectionOf<C>;
  parseDuration(input: string): number;
  problems: string[];
}

/** The fleet, when one of its target settings is set; undefined for a one-database run. */
export function fleetSettings<C extends Located>(env: Env, read: FleetReaders<C>): FleetSettings<C> | undefined {
  const list = read.secret('FLEET_TARGETS');
  const given = [
    list !== undefined || env.FLEET_TARGETS_FILE !== undefined ? 'FLEET_TARGETS_FILE' : undefined,
    env.FLEET_TARGETS_QUERY !== undefined ? 'FLEET_TARGETS_QUERY' : undefined,
    env.FLEET_SCHEMAS !== undefined ? 'FLEET_SCHEMAS' : undefined,
    env.FLEET_SCHEMAS_QUERY !== undefined ? 'FLEET_SCHEMAS_QUERY' : undefined,
  ].filter((s) => s !== undefined);
  if (given.length === 0) return undefined;
  const { problems } = read;
  if (given.length > 1) problems.push(`${given.join(' and ')}: set only one way of naming the fleet's targets`);
  const secrets: string[] = [];
  const source: TargetSource<C> =
    env.FLEET_TARGETS_QUERY !== undefined
      ? { kind: 'databaseQuery', sql: env.FLEET_TARGETS_QUERY }
      : env.FLEET_SCHEMAS_QUERY !== undefined
        ? { kind: 'schemaQuery', sql: env.FLEET_SCHEMAS_QUERY }
        : env.FLEET_SCHEMAS !== undefined
          ? { kind: 'list', targets: schemaTargets(env.FLEET_SCHEMAS, 'FLEET_SCHEMAS', problems) }
          : { kind: 'list', targets: databaseTargets(list ?? '', read, secrets) };
  const shards = whole(env.FLEET_SHARDS, 'FLEET_SHARDS', problems, 1) ?? 1;
  const shard = whole(env.FLEET_SHARD ?? env.JOB_COMPLETION_INDEX, env.FLEET_SHARD !== undefined ? 'FLEET_SHARD' : 'JOB_COMPLETION_INDEX', problems, 0) ?? 0;
  if (shard >= shards) problems.push(`FLEET_SHARD: must be less than FLEET_SHARDS (${shards}); shards are numbered from 0`);
  return {
    source,
    concurrency: whole(env.FLEET_CONCURRENCY, 'FLEET_CONCURRENCY', problems, 1) ?? DEFAULT_CONCURRENCY,
    targetTimeoutMs: durationOf(env.FLEET_TARGET_TIMEOUT, read, problems),
    canary: whole(env.FLEET_CANARY, 'FLEET_CANARY', problems, 0) ?? 0,
    failFast: flag(env.FLEET_FAIL_FAST, 'FLEET_FAIL_FAST', problems),
    shard,
    shards,
    connectionOf: read.connectionOf,
    secrets,
  };
}

/** One connection string a line; `#` starts a comment line; blank lines are skipped. */
function databaseTargets<C extends Located>(text: string, read: FleetReaders<C>, secrets: string[]): FleetTarget<C>[] {
  const targets: FleetTarget<C>[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const read1 = read.connectionOf(line);
    if ('problems' in read1) {
      read.problems.push(...read1.problems.map((p) => `FLEET_TARGETS_FILE line ${i + 1}: ${p.replace(/^DATABASE_URL:? ?/, '')}`));
      return;
    }
    secrets.push(...read1.secrets);
    targets.push({ name: databaseName(read1.connection), connection: read1.connection });
  });
  if (targets.length === 0 && read.problems.length === 0) read.problems.push('FLEET_TARGETS_FILE: names no target (one connection string a line)');
  return targets;
}

/** `host:port/database`: what a database target is called in every line and table (never the user or password). */
export function databaseName(c: Located): string {
  const host = c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}` : `${c.host}:${c.port}`;
  return `${host}/${c.database}`;
}

/** Schema names separated by commas or white space. */
export function schemaTargets(text: string, setting: string, problems: string[]): FleetTarget<never>[] {
  const names = text.split(/[\s,]+/).filter(Boolean);
  const bad = names.filter((n) => !SCHEMA_NAME.test(n));
  if (bad.length) problems.push(`${setting}: ${bad.length} name(s) are not plain schema names (letters, digits and _, not starting with a digit, at most 63)`);
  if (names.length === 0) problems.push(`${setting}: names no schema`);
  return names.filter((n) => SCHEMA_NAME.test(n)).map((name) => ({ name, schema: name }));
}

function whole(raw: string | undefined, name: string, problems: string[], min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min) || !Number.isSafeInteger(n)) {
    problems.push(`${name}: must be a whole number (${min} or more)`);
    return undefined;
  }
  return n;
}

function durationOf(raw: string | undefined, read: Pick<FleetReaders<Located>, 'parseDuration'>, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  try {
    const ms = read.parseDuration(raw);
    return ms === 0 ? undefined : ms;
  } catch (err) {
    problems.push(`FLEET_TARGET_TIMEOUT: ${(err as Error).message}`);
    return undefined;
  }
}

function flag(raw: string | undefined, name: string, problems: string[]): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  problems.push(`${name}: must be true or false`);
  return false;
}
