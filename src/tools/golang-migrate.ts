// golang-migrate keeps one row: the last version applied and whether it stopped partway (`dirty`).
// Every file with a version up to it was applied. (database/postgres/postgres.go: ensureVersionTable,
// SetVersion.)
import { numericVersion, type ToolReader } from './reader.js';

export const readGolangMigrate: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ version: string; dirty: boolean }>(`SELECT version::text AS version, dirty FROM ${t.sql}`);
  if (rows.length === 0) return { imported: [], problems: [] };
  if (rows.length > 1) return { imported: [], problems: [`${t.display} holds ${rows.length} rows; golang-migrate keeps exactly one: check it by hand`] };
  const { version, dirty } = rows[0]!;
  if (dirty) {
    return {
      imported: [],
      problems: [
        `golang-migrate's history is dirty at version ${version}: that migration failed partway and may be partly applied. Check the database by hand; if version ${version} took full effect, run \`migrate -path MIGRATIONS_DIR -database DATABASE_URL force ${version}\`; if not, undo what it did and force the version before it; then run pgshift import again`,
      ],
    };
  }
  const last = BigInt(version);
  if (last < 0n) return { imported: [], problems: [] };
  const applied = files.filter((f) => (numericVersion(f.version) ?? last + 1n) <= last);
  const problems = applied.some((f) => numericVersion(f.version) === last) ? [] : [`golang-migrate applied up to version ${version}, but MIGRATIONS_DIR has no file with that version (${version}_name.up.sql): restore it from the revision that applied it, then run pgshift import again`];
  return { imported: applied.map((file) => ({ file, appliedAt: null })), problems };
};
