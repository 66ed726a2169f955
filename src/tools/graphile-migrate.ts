// graphile-migrate keeps a row per committed migration it ran: its hash, the hash before it and its
// file name as `000001.sql` (the digits of `000001-message.sql`). A committed file starts with a
// header (`--! Previous: …`, `--! Hash: sha1:…`), a blank line, then the body; the hash is sha1 of
// the previous hash, a newline and the trimmed body (graphile-migrate 1.4.1 src/migration.ts
// _migrateMigrationSchema, parseMigrationText, runCommittedMigration; src/hash.ts calculateHash).
// graphile_migrate.current holds what `graphile-migrate watch` last ran of current.sql: work not
// committed yet.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Imported, ToolReader } from './reader.js';

export const readGraphileMigrate: ToolReader = async (client, t, files) => {
  const { rows } = await client.query<{ hash: string; filename: string; at: string }>(`SELECT hash, filename, date::text AS at FROM ${t.sql} ORDER BY filename`);
  const committed = new Map(files.map((f) => [/^(\d+)(?:-[-\w]*)?\.sql$/.exec(f.name)?.[1], f]));
  const imported: Imported[] = [];
  const problems = await uncommittedWork(client);
  for (const row of rows) {
    const file = committed.get(row.filename.replace(/\.sql$/, ''));
    const why = file ? mismatch(file.path, row.hash) : `graphile-migrate applied ${row.filename}, but MIGRATIONS_DIR (migrations/committed) has no ${row.filename.replace(/\.sql$/, '')}[-message].sql: restore it from the revision that applied it`;
    if (why) problems.push(`${why}; then run pgshift import again`);
    else imported.push({ file: file!, appliedAt: row.at });
  }
  return { imported, problems };
};

/** Why the committed file is not what graphile-migrate ran as `hash`; undefined when it is. */
function mismatch(path: string, applied: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const { headers, body } = parseCommitted(readFileSync(path, 'utf8'));
  const hash = headers.get('Hash');
  if (!hash || !headers.has('Previous')) return `${name}: no \`--! Previous:\` and \`--! Hash:\` header, as graphile-migrate commit writes it: restore the file as committed`;
  const previous = headers.get('Previous');
  const computed = graphileHash(body, previous && previous !== '-' ? previous : null);
  if (computed !== hash && !headers.has('AllowInvalidHash')) return `${name}: its body no longer has the hash in its header (${hash}); it was edited after it was committed: restore it as committed (an intended change goes in a new migration)`;
  if (hash !== applied) return `${name}: graphile-migrate applied it with hash ${applied}, the file's header says ${hash}: restore the file as applied`;
  return undefined;
}

/** parseMigrationText: `--! Key: value` lines up to the first other line; the body is the rest, trimmed. */
function parseCommitted(text: string): { headers: Map<string, string | null>; body: string } {
  const lines = text.split('\n');
  const headers = new Map<string, string | null>();
  let n = 0;
  for (const line of lines) {
    const m = /^--! ([A-Z][a-zA-Z0-9_]*)(?::(.*))?$/.exec(line);
    if (!m) break;
    headers.set(m[1]!, m[2]?.trim() || null);
    n++;
  }
  return { headers, body: `${lines.slice(n).join('\n').trim()}\n` };
}

export function graphileHash(body: string, previous: string | null): string {
  return `sha1:${createHash('sha1').update(`${`${previous ?? ''}\n${body.trim()}`.trim()}\n`).digest('hex')}`;
}

/** Work `graphile-migrate watch` ran from current.sql and nobody committed: SQL beyond comments and blanks. */
async function uncommittedWork(client: pg.Client): Promise<string[]> {
  const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('graphile_migrate.current') IS NOT NULL AS found`);
  if (!exists.rows[0]?.found) return [];
  const { rows } = await client.query<{ content: string; at: string }>('SELECT content, date::text AS at FROM graphile_migrate.current');
  return rows
    .filter((r) => r.content.replace(/--.*$/gm, '').trim() !== '')
    .map((r) => `graphile_migrate.current holds current.sql as \`graphile-migrate watch\` ran it on this database at ${r.at}, not committed: commit it (\`graphile-migrate commit\`, then \`graphile-migrate migrate\`), or undo what it did by hand and empty current.sql so watch clears it; then run pgshift import again`);
}
