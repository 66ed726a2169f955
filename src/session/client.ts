// pg.Client construction for one server: the main session and the short side connections (probe,
// pooler check) share every setting but their name and timeout.
import type { Socket } from 'node:net';
import pg from 'pg';
import type { Config } from '../config/types.js';
import { NO_PASSWORD } from './failure.js';
import { applicationName } from './setup.js';

const CLIENT_KEEPALIVE_DELAY_MS = 10_000;

/** Opens a client to the same server with the same settings: the main session, or a side check (`purpose`). */
export type OpenClient = (timeoutMs: number, purpose?: string) => pg.Client;

export function clientOpener(config: Config, ssl: pg.ClientConfig['ssl']): OpenClient {
  const c = config.connection;
  return (timeoutMs, purpose) =>
    new pg.Client({
      host: c.host,
      port: c.port,
      user: c.user,
      // No password set: the configuration already looked in the password file; pg must not look again
      // (its own reading is deprecated and writes a warning to stderr), and a server that asks gets a clear no.
      password: c.password ?? noPassword,
      database: c.database,
      ssl,
      // SCRAM-SHA-256-PLUS whenever the server offers it over TLS; `require` is enforced by channel-binding.ts.
      enableChannelBinding: c.channelBinding === 'prefer' || c.channelBinding === 'require',
      // Side checks get a name of their own so nobody mistakes them for the runner's session.
      application_name: purpose ? `pgshift-${purpose}@${config.hostname}`.slice(0, 63) : (c.applicationName ?? applicationName(config.hostname)),
      // Sent at login as libpq does: `-c name=value` settings for the session (RESET ALL returns to them).
      ...(c.options !== undefined ? { options: c.options } : {}),
      keepAlive: true,
      keepAliveInitialDelayMillis: CLIENT_KEEPALIVE_DELAY_MS,
      // 0 (none): the main session's attempt is bounded by boundAttempt, which also covers the setup query.
      connectionTimeoutMillis: timeoutMs && Math.min(timeoutMs, c.connectTimeoutMs ?? timeoutMs),
    });
}

/** What pg calls when the server asks for a password and none is set. */
function noPassword(): never {
  throw Object.assign(new Error('the server asks for a password and none is set: set POSTGRES_PASSWORD, PGPASSWORD or the URL\'s password, or add a line for this server to ~/.pgpass (or PGPASSFILE) with mode 0600'), { code: NO_PASSWORD });
}

/** The socket under a pg.Client (not in pg's public types). */
export function socketOf(client: pg.Client): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}
