// What applying needs from the run: the session and its lock, the history table, and the settings.
import type { ConnectionSettings } from '../config/types.js';
import type { Session } from '../session/session.js';
import type { Logger } from '../logger.js';
import type { HistoryTable } from './history.js';
import type { MigrationLock } from './lock.js';

export interface ApplyOptions {
  session: Session;
  table: HistoryTable;
  connection: ConnectionSettings;
  log: Logger;
  signal: AbortSignal;
  /** Who runs (application_name), noted in a no-transaction file's start marker. */
  runner: string;
  /**
   * MIGRATION_LOCK_TIMEOUT: how long a migration's statement waits for a table lock before it gives
   * up (55P03) and the file is rolled back and retried. undefined: the server's lock_timeout.
   * @default undefined
   */
  lockTimeoutMs: number | undefined;
  /** @default 3 */
  lockRetries: number;
  /** The migration lock this session holds: it is checked to be still held before each COMMIT. */
  lock: MigrationLock;
  /** All files and their history rows in one transaction (`--single-transaction`). @default false */
  singleTransaction?: boolean;
}

/**
 * MIGRATION_LOCK_TIMEOUT for the transaction it opens with (SET LOCAL: it ends with the transaction,
 * so the history table's own waits and the next file never see it), as a statement of our batch;
 * none when unset. The only place the setting reaches the server, with noTransactionLockTimeout.
 */
export function localLockTimeout(options: Pick<ApplyOptions, 'lockTimeoutMs'>): string[] {
  return options.lockTimeoutMs === undefined ? [] : [`SET LOCAL lock_timeout = ${Math.round(options.lockTimeoutMs)}`];
}

/**
 * MIGRATION_LOCK_TIMEOUT for a no-transaction file, whose statements each commit on their own: set
 * for the session until the file ends (the session reset after it clears it); undefined when unset.
 */
export function noTransactionLockTimeout(options: Pick<ApplyOptions, 'lockTimeoutMs'>): string | undefined {
  return options.lockTimeoutMs === undefined ? undefined : `SET lock_timeout = ${Math.round(options.lockTimeoutMs)}`;
}
