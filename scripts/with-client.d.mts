// Types for scripts/with-client.mjs (test/helpers/db.ts re-exports it).
import type pg from 'pg';

export function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T>;
