// diesel keeps one row per applied migration: the version of its folder's name with the separators
// removed (`2020-01-01-000000_create_users` → `20200101000000`): diesel_migrations/migrations_internals/src/lib.rs version_from_string.
import type { ToolReader } from './reader.js';

export const readDiesel: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ version: string; at: string }>(`SELECT version, run_on::text AS at FROM ${t.sql} ORDER BY version`);
  const byVersion = new Map(files.map((f) => [f.version.replace(/\D/g, ''), f]));
  const imported = [];
  const problems: string[] = [];
  for (const { version, at } of rows) {
    const file = byVersion.get(version);
    if (file) imported.push({ file, appliedAt: at });
    else problems.push(`diesel applied version ${version}, but MIGRATIONS_DIR has no folder for it (e.g. ${version}_name/up.sql): restore it from the revision that applied it, then run pgshift import again`);
  }
  return { imported, problems };
};
