// How a connection target is named to people: in logs, errors and reports.
import type { ConnectionSettings } from '../config/types.js';

/** Where the server listens: `host:port`, or the socket file in a Unix-socket directory. */
export function addressOf(c: Pick<ConnectionSettings, 'host' | 'port'>): string {
  return c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}` : `${c.host}:${c.port}`;
}

/** `user@host:port/database`: never the password. */
export function describeTarget(c: ConnectionSettings): string {
  return `${c.user}@${addressOf(c)}/${c.database}`;
}

/** Where the connection settings came from, as a refusal names it. */
export function sourceOf(c: Pick<ConnectionSettings, 'source'>): string {
  return c.source === 'defaults' ? 'the connection settings' : c.source;
}
