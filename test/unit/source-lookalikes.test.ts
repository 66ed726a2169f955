// Files that look like migrations but are not read get a warning naming them, why, and the new
// name (#11 item 7); the folder is read as before.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/source/load.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-lookalikes-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const loaded = async (files: Record<string, string>) => {
  const { files: read, warnings } = await loadMigrations(await folder({ '0001_ok.sql': 'SELECT 1;\n', ...files }), { lex: 'now' });
  return { read: read.map((f) => f.name), warnings };
};

describe('look-alike names', () => {
  it.each([
    ['0002_x.SQL', '"0002_x.SQL": looks like a migration but is not read (its extension is not lower-case .sql); rename it to "0002_x.sql" to apply it'],
    ['0002_x.Sql', '"0002_x.Sql": looks like a migration but is not read (its extension is not lower-case .sql); rename it to "0002_x.sql" to apply it'],
    ['0002_x.sql ', '"0002_x.sql ": looks like a migration but is not read (its name ends in whitespace); rename it to "0002_x.sql" to apply it'],
    ['20250101_x.sql\t', '"20250101_x.sql\\t": looks like a migration but is not read (its name ends in whitespace); rename it to "20250101_x.sql" to apply it'],
    ['0002_add/Migration.sql', '"0002_add/Migration.sql": looks like a migration but is not read (a migration folder holds migration.sql or up.sql, in lower case); rename it to "0002_add/migration.sql" to apply it'],
    ['0002_add/UP.SQL', '"0002_add/UP.SQL": looks like a migration but is not read (its extension is not lower-case .sql); rename it to "0002_add/up.sql" to apply it'],
  ])('%s: warned about, not read', async (name, warning) => expect(await loaded({ [name]: 'SELECT 2;\n' })).toEqual({ read: ['0001_ok.sql'], warnings: [warning] }));

  it.each([['README.md'], ['notes.SQL'], ['0002_add/seed.csv'], ['0002_add/down.sql']])('%s: no warning', async (name) =>
    expect(await loaded({ [name]: 'x' })).toEqual({ read: ['0001_ok.sql'], warnings: [] }));
});
