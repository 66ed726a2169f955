// One client for one job, closed whatever happens: what the test helpers, the doc-sample scenarios
// and the benches do on the side of the server they run against.
import pg from 'pg';

/** Runs fn on a client of `url`, closed whatever happens. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
