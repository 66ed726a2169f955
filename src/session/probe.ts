// One look, on a second short connection, at what the server says about our session.
import pg from 'pg';
import { socketOf, type OpenClient } from './client.js';
import { reasonOf } from './failure.js';

/** One probe's bound: connect, ask pg_stat_activity, done. */
const PROBE_TIMEOUT_MS = 5_000;

export type Probe =
  | { kind: 'active' | 'unknown' }
  | { kind: 'gone' }
  /** The server shows our session idle since `since` while we wait for a reply. */
  | { kind: 'waiting'; since: string }
  /** Idle since the same moment at two probes in a row: the query or its reply was lost; the session was terminated. */
  | { kind: 'stalled'; since: string }
  | { kind: 'unreachable'; reason: string };

/**
 * Asks the server about session `pid`. A session idle since the same moment as at the last probe
 * (`idleSince`), while `stillStuck` (asked last: no reply yet, and no byte left since) holds, is
 * terminated on the server.
 */
export async function probe(pid: number, open: OpenClient, idleSince: string | undefined, stillStuck: () => boolean): Promise<Probe> {
  const side = open(PROBE_TIMEOUT_MS, 'check');
  side.on('error', () => {});
  let connected = false;
  const timer = setTimeout(() => socketOf(side).destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS}ms`)), PROBE_TIMEOUT_MS);
  try {
    await side.connect();
    connected = true;
    const { rows } = await side.query<{ state: string | null; since: string | null }>('SELECT state, state_change::text AS since FROM pg_stat_activity WHERE pid = $1', [pid]);
    const row = rows[0];
    if (!row) return { kind: 'gone' };
    // null: not ours to see; 'disabled': track_activities is off. Neither tells anything.
    if (row.state === null || row.state === 'disabled') return { kind: 'unknown' };
    if (row.state === 'active' || row.state === 'fastpath function call') return { kind: 'active' };
    const since = row.since ?? '';
    if (since !== idleSince || !stillStuck()) return { kind: 'waiting', since };
    // Free the lock now rather than when the server's keepalives give up on the dead socket.
    await side.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => {});
    return { kind: 'stalled', since };
  } catch (err) {
    // A server that answered at all (even "too many connections") is reachable: no verdict.
    if (connected || err instanceof pg.DatabaseError) return { kind: 'unknown' };
    return { kind: 'unreachable', reason: reasonOf(err) };
  } finally {
    clearTimeout(timer);
    if (connected) void side.end().catch(() => {});
    else socketOf(side).destroy();
  }
}
