// The one database session a run holds: what was learnt about it at login, and how it ends.
import type pg from 'pg';
import { socketOf } from './client.js';

export type ReadOnlyReason = 'hot standby' | 'default_transaction_read_only';

export interface Session {
  client: pg.Client;
  /** The backend's pid (for holder reports and tests). */
  pid: number;
  serverVersion: number;
  /**
   * The database counts error positions in bytes, not characters: SQL_ASCII (initdb's default under
   * the C locale) takes every byte for a character.
   */
  positionsInBytes: boolean;
  /**
   * standard_conforming_strings is on when the session starts (and after each reset): off by a
   * database or role setting, psql lexes '…' strings with backslash escapes, and so must pgshift.
   */
  standardConformingStrings: boolean;
  /**
   * SQL that restores the session's starting state; appended after each file so a `SET` in one
   * file (search_path, timezone, lock_timeout) does not leak into the next. Never DISCARD ALL: it
   * would also drop our advisory lock.
   */
  resetSql: string;
  /** Why the server refuses writes on this session, when it does (read at login, no extra round trip). */
  readOnly: ReadOnlyReason | undefined;
}

/**
 * Ends the session: Terminate goes out at once and the server ends the backend on it, but nothing
 * waits for the server to close the socket (a round trip and the backend's exit, on every run). The
 * advisory lock was released before this; with the socket unref'd a dead connection cannot keep the
 * process alive either.
 */
export function closeSession(session: Session): void {
  session.client.end().catch(() => {});
  socketOf(session.client)?.unref();
}
