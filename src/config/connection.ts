// The connection: DATABASE_URL(_FILE) wins; otherwise POSTGRES_* (the official image's names),
// then libpq's PG* names, field by field; libpq's defaults last. The password file is read only when
// no password is set.
import { secondsOf } from './duration.js';
import { CHANNEL_BINDINGS, choiceOf, defaultUser, portOf, POSTGRES_VARS, SESSION_ATTRS, SSL_MODES, type Env, type PartialConnection, type Problems } from './fields.js';
import { lookupPassword, passFilePath, type PassFileRead } from './pgpass.js';
import { secretVar } from './secrets.js';
import type { ConnectionSettings } from './types.js';
import { fromUrl } from './url.js';

type ReadFile = (path: string) => string;

const PG_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'];

export function resolveConnection(env: Env, readFile: ReadFile, problems: Problems, readPasswords: (path: string) => PassFileRead): ConnectionSettings | undefined {
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
  const channelBinding = base.channelBinding ?? choiceOf(CHANNEL_BINDINGS, env.PGCHANNELBINDING, 'PGCHANNELBINDING', problems);
  const connectTimeoutMs = base.connectTimeoutMs ?? secondsOf(env.PGCONNECT_TIMEOUT, 'PGCONNECT_TIMEOUT', problems);
  const targetSessionAttrs = base.targetSessionAttrs ?? choiceOf(SESSION_ATTRS, env.PGTARGETSESSIONATTRS, 'PGTARGETSESSIONATTRS', problems) ?? 'any';
  return {
    ...base,
    targetSessionAttrs,
    options: base.options ?? env.PGOPTIONS,
    applicationName: base.applicationName ?? env.PGAPPNAME,
    sslmode,
    channelBinding,
    sslrootcert: base.sslrootcert ?? env.PGSSLROOTCERT,
    sslcert: base.sslcert ?? env.PGSSLCERT,
    sslkey: base.sslkey ?? env.PGSSLKEY,
    connectTimeoutMs,
    passwordFile,
    warnings,
  };
}

function fromVariables(env: Env, readFile: ReadFile, problems: Problems): PartialConnection {
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
