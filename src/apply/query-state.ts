// What the server said about the query that just ended, read from the protocol rather than asked.
import type pg from 'pg';

interface Wire {
  stream?: { destroyed?: boolean };
  on(event: string, fn: (msg: { status?: string }) => void): void;
  once(event: string, fn: (msg: { status?: string }) => void): void;
  removeListener(event: string, fn: (msg: { status?: string }) => void): void;
}

function wireOf(client: pg.Client): Wire | undefined {
  return (client as unknown as { connection?: Wire }).connection;
}

/**
 * The transaction status once the failed query has really ended. pg rejects a query as soon as the
 * ErrorResponse arrives, which can be before the ReadyForQuery that carries the status (a separate
 * TCP read): reading getTransactionStatus() then gives the previous query's status. So this waits for
 * that ReadyForQuery when it is still to come. `undefined` when the connection ended first.
 */
export function transactionStatus(client: pg.Client): Promise<string | undefined> {
  const c = client as unknown as { readyForQuery?: boolean; getTransactionStatus?: () => string | null; _ending?: boolean; _ended?: boolean };
  const wire = wireOf(client);
  // A connection that ended (the error came from its end) will send nothing more: no status to wait for.
  if (c._ending || c._ended || !wire || wire.stream?.destroyed) return Promise.resolve(undefined);
  if (c.readyForQuery !== false) return Promise.resolve(c.getTransactionStatus?.() ?? undefined);
  return new Promise((resolve) => {
    const ready = (msg: { status?: string }) => done(msg.status);
    const ended = () => done(undefined);
    function done(status: string | undefined) {
      wire!.removeListener('readyForQuery', ready);
      wire!.removeListener('end', ended);
      wire!.removeListener('error', ended);
      resolve(status);
    }
    wire.once('readyForQuery', ready);
    wire.once('end', ended);
    wire.once('error', ended);
  });
}

/**
 * After a failed query: rolls back the transaction it left open, if any. Resolves true when the session
 * was idle (nothing to roll back: the error came outside a transaction block, or after its COMMIT).
 */
export async function rollBackUnlessIdle(client: pg.Client): Promise<boolean> {
  if ((await transactionStatus(client)) === 'I') return true;
  await client.query('ROLLBACK').catch(() => {});
  return false;
}

// Which statement of a multi-statement query failed. The server completes the statements of one
// simple query one by one and says so (CommandComplete) for each before an error stops the rest, so
// the count of completions during the query names the failing statement without a round trip of its
// own per statement.

interface Counted {
  count: number;
}

const counters = new WeakMap<pg.Client, Counted>();

/** A reader of how many statements `client`'s server has completed so far (counting starts now). */
export function completedStatements(client: pg.Client): () => number {
  let counted = counters.get(client);
  if (!counted) {
    const c: Counted = { count: 0 };
    counted = c;
    counters.set(client, c);
    // pg's Connection emits one 'commandComplete' per CommandComplete message; the client listens to
    // the same event to build its results.
    wireOf(client)?.on('commandComplete', () => {
      c.count += 1;
    });
  }
  const seen = counted;
  return () => seen.count;
}
