// The floor for a no-op run: start Node, load `pg`, log in (SCRAM), run SELECT 1, disconnect.
// Any migration tool written in Node pays at least this.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query('SELECT 1');
await client.end();
