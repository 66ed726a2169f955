// Shared steps of the fault tests: waiting for a state of the world, reading history, finding the
// runner's session on the server.
import type { ChildProcess } from 'node:child_process';
import type { TestDatabase } from '../helpers/db.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export interface HistoryRow {
  filename: string;
  success: boolean;
  error_message: string | null;
}

export function history(db: TestDatabase, table = 'public.schema_migrations'): Promise<HistoryRow[]> {
  return db.query<HistoryRow>(`SELECT filename, success, error_message FROM ${table} ORDER BY id`);
}

/** The runner's session, once it is running a statement that matches `like` (e.g. '%pg_sleep%'). */
export function runnerBackend(db: TestDatabase, like: string): Promise<number> {
  return waitFor(`a pgshift session running ${like}`, async () => {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgshift@%' AND state = 'active' AND query LIKE $1`,
      [like],
    );
    return rows[0]?.pid;
  });
}

/** Whether any session holds an advisory lock in this database (the migration lock is the only one the tests take). */
export async function advisoryLockHolders(db: TestDatabase): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    // DISTINCT: a runner holds two keys (its own and the earlier versions').
    `SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.map((r) => r.pid);
}

/** Sends SIGKILL and waits for the process to be gone. */
export async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A sleep a migration takes only while the test wants it to: `SELECT pg_sleep(...)` reading a control table. */
export const CONTROLLED_SLEEP = `SELECT pg_sleep(coalesce((SELECT seconds FROM fault_control), 0));`;

export async function setSleep(db: TestDatabase, seconds: number): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS fault_control (seconds int)');
  await db.query('DELETE FROM fault_control');
  await db.query('INSERT INTO fault_control VALUES ($1)', [seconds]);
}
