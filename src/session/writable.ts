// Which kind of server the session reached (primary or standby, writable or read-only), checked
// against what the run needs (libpq's target_session_attrs; a command that writes).
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { ReadOnlyReason, Session } from './session.js';
import { describeTarget, sourceOf } from './target.js';

/**
 * For commands that write (up, baseline, repair): a read-only server is a configuration problem,
 * said before the lock is taken or anything is written.
 */
export function requireWritable(session: Pick<Session, 'readOnly'>, config: Pick<Config, 'connection'>): void {
  if (session.readOnly) throw readOnlyRefused(config, session.readOnly);
}

function readOnlyRefused(config: Pick<Config, 'connection'>, reason: ReadOnlyReason, asked?: string): ConfigError {
  const source = sourceOf(config.connection);
  const fix =
    reason === 'hot standby'
      ? 'point it at the primary, e.g. with target_session_attrs=read-write'
      : 'connect as a role, or to a database, without default_transaction_read_only = on (ALTER ROLE/DATABASE … RESET default_transaction_read_only), or point it at the primary';
  const why = asked ? `target_session_attrs=${asked} was asked` : 'pgshift writes the history table and runs the migrations';
  return new ConfigError([`${source} points at a read-only server (${reason === 'hot standby' ? 'a hot standby' : 'default_transaction_read_only = on'}) and ${why}: ${fix}`]);
}

/** libpq's target_session_attrs for one host: the server that answered must be of the kind asked for. */
export function requireSessionAttrs(config: Pick<Config, 'connection'>, readOnly: ReadOnlyReason | undefined): void {
  const asked = config.connection.targetSessionAttrs;
  const standby = readOnly === 'hot standby';
  if ((asked === 'read-write' && readOnly) || (asked === 'primary' && standby)) throw readOnlyRefused(config, readOnly!, asked);
  if ((asked === 'read-only' && !readOnly) || (asked === 'standby' && !standby)) {
    throw new ConfigError([`${config.connection.source}: target_session_attrs=${asked} was asked, but ${describeTarget(config.connection)} is ${readOnly ? 'read-only but not a standby' : 'a writable primary'}`]);
  }
}
