// Prisma Migrate writes a row when it starts a migration (started_at) and completes it when it
// finishes (finished_at); `migrate resolve --rolled-back` sets rolled_back_at on a failed one. The
// checksum is the SHA-256 hex of migration.sql as it was applied. A folder is
// `migrations/<version>_<name>/migration.sql` and its row's migration_name is the folder's name.
import type { ToolReader } from './reader.js';

interface Row {
  name: string;
  checksum: string;
  finished: string | null;
  rolledBack: string | null;
}

export const readPrisma: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<Row>(
    `SELECT migration_name AS name, checksum, finished_at::text AS finished, rolled_back_at::text AS "rolledBack" FROM ${t.sql} ORDER BY started_at, id`,
  );
  const byName = new Map(files.map((f) => [f.name.replace(/\/migration\.sql$/, ''), f]));
  const imported = [];
  const problems: string[] = [];
  for (const name of [...new Set(rows.map((r) => r.name))]) {
    const mine = rows.filter((r) => r.name === name);
    const done = mine.find((r) => r.finished !== null && r.rolledBack === null);
    const file = byName.get(name);
    if (!done) {
      problems.push(unclean(name, mine.some((r) => r.finished === null && r.rolledBack === null)));
    } else if (!file) {
      problems.push(`${name}: Prisma applied it, but MIGRATIONS_DIR has no ${name}/migration.sql: restore it from the revision that applied it, then run pgshift import again`);
    } else if (done.checksum !== file.rawChecksum && done.checksum !== file.checksum) {
      problems.push(`${file.name}: Prisma recorded checksum ${done.checksum.slice(0, 12)}…, the file now has ${file.rawChecksum.slice(0, 12)}…: it was edited after Prisma applied it; restore it as applied (an intended change goes in a new migration), then run pgshift import again`);
    } else {
      imported.push({ file, appliedAt: done.finished });
    }
  }
  return { imported, problems };
};

function unclean(name: string, unfinished: boolean): string {
  if (unfinished) {
    return `${name}: Prisma started it and did not finish (failed, or still running): check the database; then run \`npx prisma migrate resolve --applied ${name}\` if it took full effect, or undo what it did and run \`npx prisma migrate resolve --rolled-back ${name}\`; then run pgshift import again`;
  }
  return `${name}: rolled back in Prisma's history and not applied since: apply it with \`npx prisma migrate deploy\`, or delete its folder if it is abandoned; then run pgshift import again`;
}
