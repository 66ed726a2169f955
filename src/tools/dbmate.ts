// dbmate keeps one row per applied file: its version, the digits its name starts with
// (pkg/dbmate/db.go: the version is the leading digits of the file name; pkg/driver/postgres:
// `create table if not exists schema_migrations (version varchar(128) primary key)`).
import type { ToolReader } from './reader.js';

export const readDbmate: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ version: string }>(`SELECT version::text AS version FROM ${t.sql} ORDER BY version`);
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const imported = [];
  const problems: string[] = [];
  for (const { version } of rows) {
    const file = byVersion.get(version);
    if (file) imported.push({ file, appliedAt: null });
    else problems.push(`dbmate applied version ${version}, but MIGRATIONS_DIR has no file ${version}_name.sql: restore it from the revision that applied it, then run pgshift import again`);
  }
  return { imported, problems };
};
