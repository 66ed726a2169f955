// postgrator keeps a row per applied `.do.` file (its undo deletes the row) and a row of version 0
// it writes when it creates the table; md5 is of the file's content as read, or with its line ends
// converted when its `newline` option is set (postgrator 8.0.0 lib/Client.js ensureTable,
// persistActionSql; lib/utils.js fileChecksum). The version is the number before the first dot:
// `001.do.name.sql` is 1 (postgrator.js getMigrations).
import { checksumVariants } from '../source/variants.js';
import { numericVersion, type Imported, type ToolReader } from './reader.js';

export const readPostgrator: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ version: string; md5: string | null; at: string | null }>(
    `SELECT version::text AS version, md5, run_at::text AS at FROM ${t.sql} WHERE version <> 0 ORDER BY version`,
  );
  const doFiles = files.filter((f) => /^\d+\.do[.]/.test(f.name));
  const byVersion = new Map(doFiles.map((f) => [numericVersion(f.version)!.toString(), f]));
  const imported: Imported[] = [];
  const problems: string[] = [];
  for (const { version, md5, at } of rows) {
    const file = byVersion.get(BigInt(version).toString());
    if (!file) {
      problems.push(`postgrator applied version ${version}, but MIGRATIONS_DIR has no ${version.padStart(3, '0')}.do.name.sql (pgshift applies SQL files only): restore it (or write it as SQL) from the revision that applied it, then run pgshift import again`);
    } else if (md5 && !checksumVariants(file).some((v) => v.checksum === md5)) {
      problems.push(`${file.name}: postgrator recorded md5 ${md5}, the file now has another: it was edited after postgrator applied it; restore it as applied (an intended change goes in a new migration), then run pgshift import again`);
    } else {
      imported.push({ file, appliedAt: at });
    }
  }
  return { imported, problems };
};
