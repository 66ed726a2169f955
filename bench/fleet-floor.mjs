// The floor for a no-op fleet: start Node, load `pg`, then for every target log in (SCRAM), run
// SELECT 1 and disconnect, CONCURRENCY targets at a time. Any fleet runner written in Node pays at
// least this. Targets: one connection string a line in TARGETS_FILE, or TARGET_COUNT times DATABASE_URL
// (schema per tenant: every target is a session on the same database).
import { readFileSync } from 'node:fs';
import pg from 'pg';

const urls = process.env.TARGETS_FILE
  ? readFileSync(process.env.TARGETS_FILE, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'))
  : Array.from({ length: Number(process.env.TARGET_COUNT) }, () => process.env.DATABASE_URL);
let next = 0;
async function worker() {
  while (next < urls.length) {
    const client = new pg.Client({ connectionString: urls[next++] });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  }
}
await Promise.all(Array.from({ length: Number(process.env.CONCURRENCY ?? 4) }, worker));
