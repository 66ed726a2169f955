// The settings a run works with, once read from the environment (load.ts) and resolved (connection.ts).
import type { FleetSettings } from '../fleet/settings.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type ChannelBinding = 'disable' | 'prefer' | 'require';
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
  /**
   * libpq's channel_binding (SCRAM-SHA-256-PLUS over TLS). Unset, it is not used: unlike libpq's
   * default (prefer), so that a login that works without it is not changed for anyone who did not ask.
   */
  channelBinding: ChannelBinding | undefined;
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
   * used (detect.ts); `set`: MIGRATIONS_SCHEMA or MIGRATIONS_TABLE names the table; `new`: HISTORY=new;
   * `tenant`: a fleet's schema target, whose history is in its own schema whatever other schemas hold.
   */
  history: 'found' | 'set' | 'new' | 'tenant';
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
  /** LINT: lint the files before `up` applies them; `refuse` stops the run (exit 6) on a lint error. @default 'off' */
  lint: 'off' | 'warn' | 'refuse';
  /** LINT_LARGE_TABLE_ROWS / LINT_LARGE_TABLE_SIZE: from here a blocking statement on a table is an error, below a note. */
  lintLargeTableRows: number;
  lintLargeTableBytes: number;
  /** Set when FLEET_* names many targets (src/fleet/); undefined for one database. */
  fleet: FleetSettings<ConnectionSettings> | undefined;
}
