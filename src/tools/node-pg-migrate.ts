// node-pg-migrate keeps one row per applied migration: its file name without the extension
// (src/migration.ts markAsRun; src/runner.ts ensureMigrationsTable: id SERIAL, name, run_on).
import type { ToolReader } from './reader.js';

export const readNodePgMigrate: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ name: string; at: string }>(`SELECT name, run_on::text AS at FROM ${t.sql} ORDER BY run_on, id`);
  const byName = new Map(files.map((f) => [f.name.replace(/\.sql$/, ''), f]));
  const imported = [];
  const problems: string[] = [];
  for (const { name, at } of rows) {
    const file = byName.get(name);
    if (file) imported.push({ file, appliedAt: at });
    else problems.push(`node-pg-migrate applied ${name}, but MIGRATIONS_DIR has no ${name}.sql (pgshift applies SQL files only): restore it (or write it as SQL) from the revision that applied it, then run pgshift import again`);
  }
  return { imported, problems };
};
