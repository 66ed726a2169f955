// Each test gets its own database on the suite's server, so test files run in parallel.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withClient } from '../../scripts/with-client.mjs';
import { inject } from 'vitest';

export interface TestDatabase {
  readonly name: string;
  /** Connection string for this database (superuser of the suite's server). */
  readonly url: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Opens a separate session (e.g. to hold a lock); the caller ends it. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject('adminUrl');
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** `sqlAscii`: a SQL_ASCII database (initdb's default under the C locale), which counts bytes as characters. */
export async function createDatabase(serverUrl: string = adminUrl(), options: { sqlAscii?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const encoding = options.sqlAscii ? ` ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0` : '';
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}${encoding}`));
  const url = withDatabase(serverUrl, name);
  return {
    name,
    url,
    query: async (sql, params) => withClient(url, async (c) => (await c.query(sql, params)).rows),
    connect: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    },
    drop: () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

export { withClient };

/**
 * Resolves once a session on this database matches `where` (SQL over pg_stat_activity), e.g. a
 * runner sleeping in its statement: tests act on what the server is doing, not on a guessed delay.
 * No deadline of its own: the test's timeout bounds it.
 */
export async function untilActivity(db: TestDatabase, where: string): Promise<void> {
  for (;;) {
    const rows = await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND (${where})`);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
