// Flyway keeps a row per attempt at a versioned migration (type SQL or JDBC, success true or
// false), a BASELINE row for `flyway baseline` (everything up to its version counts as applied), a
// SCHEMA row when it created the schema, and rows without a version for repeatable (R__) files. Its
// checksum is a CRC32 of the file's lines without their line breaks (BOM removed), as a signed
// 32-bit number (flyway-core ChecksumCalculator; table: flyway-core
// org/flywaydb/core/internal/database/postgresql/createMetaDataTable.sql).
import { readFileSync } from 'node:fs';
import { compareVersions } from '../source/names.js';
import type { Imported, ToolReader } from './reader.js';

interface Row {
  version: string | null;
  type: string;
  script: string;
  checksum: number | null;
  success: boolean;
  at: string | null;
}

export const readFlyway: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<Row>(
    `SELECT version, type, script, checksum, success, installed_on::text AS at FROM ${t.sql} ORDER BY installed_rank`,
  );
  const versioned = files.filter((f) => /^V\d/.test(f.name));
  const byVersion = (v: string) => versioned.find((f) => compareVersions(f.version, v) === 0);
  const imported = new Map<string, Imported>();
  const problems: string[] = [];
  for (const row of rows) {
    if (row.version === null || row.type === 'SCHEMA' || row.type === 'DELETE') continue;
    if (!row.success) {
      problems.push(`Flyway recorded ${row.script} (version ${row.version}) as failed: check that nothing of it took effect, then run \`flyway repair\` to remove the failed row (or apply it with \`flyway migrate\`); then run pgshift import again`);
    } else if (row.type === 'BASELINE') {
      for (const f of versioned) if (compareVersions(f.version, row.version) <= 0) imported.set(f.name, { file: f, appliedAt: row.at });
    } else {
      const file = byVersion(row.version);
      if (!file) problems.push(`Flyway applied version ${row.version} (${row.script}), but MIGRATIONS_DIR has no V${row.version}__….sql: restore it from the revision that applied it, then run pgshift import again`);
      else if (row.checksum !== null && row.checksum !== flywayChecksum(readFileSync(file.path))) {
        problems.push(`${file.name}: Flyway recorded checksum ${row.checksum}, the file now has ${flywayChecksum(readFileSync(file.path))}: it was edited after Flyway applied it; restore it as applied (or accept the edit with \`flyway repair\`), then run pgshift import again`);
      } else imported.set(file.name, { file, appliedAt: row.at });
    }
  }
  return { imported: versioned.filter((f) => imported.has(f.name)).map((f) => imported.get(f.name)!), problems };
};

/** Flyway's checksum of a file: CRC32 of its UTF-8 lines without line breaks, leading BOM removed, signed. */
export function flywayChecksum(bytes: Buffer): number {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '').replace(/\r\n|\r|\n/g, '');
  return crc32(Buffer.from(text, 'utf8')) | 0;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
