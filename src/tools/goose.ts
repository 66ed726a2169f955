// goose appends a row per up (is_applied = true) and, in older releases, per down (false); newer
// releases delete the row on down. A version is applied when its latest row says so; version 0 is
// the row goose writes when it creates the table. (internal/dialect/dialectquery/postgres.go.)
import { numericVersion, type ToolReader } from './reader.js';

export const readGoose: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ version: string; applied: boolean; at: string | null }>(
    `SELECT version_id::text AS version, is_applied AS applied, tstamp::text AS at FROM ${t.sql} ORDER BY id DESC`,
  );
  const latest = new Map<string, { applied: boolean; at: string | null }>();
  for (const r of rows) if (!latest.has(r.version)) latest.set(r.version, r);
  const byVersion = new Map(files.map((f) => [numericVersion(f.version)?.toString(), f]));
  const imported = [];
  const problems: string[] = [];
  for (const [version, row] of [...latest].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
    if (version === '0' || !row.applied) continue;
    const file = byVersion.get(version);
    if (file) imported.push({ file, appliedAt: row.at });
    else problems.push(`goose applied version ${version}, but MIGRATIONS_DIR has no file with that version (e.g. ${version.padStart(5, '0')}_name.sql): restore it from the revision that applied it, then run pgshift import again`);
  }
  return { imported, problems };
};
