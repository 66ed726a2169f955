// DATABASE_URL as libpq reads a connection URI: the parameters pgshift honours, those it accepts
// without effect, and a clear refusal of the rest.
import { secondsOf } from './duration.js';
import { CHANNEL_BINDINGS, choiceOf, defaultUser, portOf, POSTGRES_VARS, SESSION_ATTRS, SSL_MODES, type Env, type PartialConnection, type Problems } from './fields.js';

/** URL parameters pgshift honours, as libpq does. */
const URL_PARAMETERS = ['host', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'connect_timeout', 'options', 'target_session_attrs', 'application_name', 'channel_binding'];
/**
 * libpq parameters that change nothing pgshift promises, accepted (with these values) so that
 * URLs written for other clients work: pgshift names its own session and sets its own keepalives,
 * and never asks for GSSAPI encryption.
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

export function fromUrl(raw: string, env: Env, problems: Problems): PartialConnection | undefined {
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
  const channelBinding = choiceOf(CHANNEL_BINDINGS, q.get('channel_binding') ?? undefined, 'DATABASE_URL channel_binding', problems);
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
    ...(channelBinding ? { channelBinding } : {}),
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
