// The hand-run routine as the reference: the messy real-world folder applied by pgshift and by psql
// (file by file, as the earlier script did) must leave the same schema. Needs the psql client
// (Debian's postgresql-client), which .ci/run installs for this tier.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { messyFolder } from '../helpers/messy-folder.js';
import { psqlAvailable, psqlFile } from '../helpers/psql.js';
import { schemaFingerprint } from '../helpers/schema.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
});
afterEach(async () => {
  await db.drop();
});

describe('a messy real-world folder', () => {
  it('leaves the schema psql leaves, file by file', async () => {
    if (!psqlAvailable()) throw new Error('psql is needed for the comparison (apt-get install postgresql-client); .ci/run installs it');
    const [row] = await db.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    const dir = await writeMigrations(messyFolder(row!.v));
    const r = await runCli([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const reference = await createDatabase();
    try {
      for (const name of (await readdir(dir)).sort()) psqlFile(reference.url, join(dir, name));
      expect(await schemaFingerprint(db)).toEqual(await schemaFingerprint(reference));
    } finally {
      await reference.drop();
    }
  });
});
