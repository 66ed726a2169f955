// Since when the session has been waiting for a reply, for the watchdog.
//
// pg has no hook or event for "a query was sent" or "its reply came", and its queue is private. So
// client.query is wrapped, once, right after the client is made: every caller (apply, history, lock)
// goes through the wrapper without knowing it, and the wrapper changes nothing it passes through.
import type pg from 'pg';

/** Wraps client.query to note since when a query has been waiting for its reply (undefined: none is). */
export function trackQueries(client: pg.Client): () => number | undefined {
  let pending = 0;
  let since: number | undefined;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const settle = () => {
    pending -= 1;
    since = pending > 0 ? Date.now() : undefined;
  };
  Object.assign(client, {
    query: (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        pending += 1;
        since ??= Date.now();
        result.then(settle, settle);
      }
      return result;
    },
  });
  return () => since;
}
