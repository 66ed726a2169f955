// The real tools (installed in test/tools by `npm run test:tools`, never in the root package) apply
// a folder; `pgshift import` carries their history over; `pgshift` then applies only the files they
// had not applied, up part only, and nothing twice (#12).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';
import { importThenApply, log, plainUrl, tool } from './tools.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

describe('dbmate 2.36', () => {
  it('applies two files; import records them; pgshift applies the rest only, up parts only (transaction:false honoured)', async () => {
    const dir = await writeMigrations({
      '20240101000000_log.sql': '-- migrate:up\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n\n-- migrate:down\nDROP TABLE log;\n',
      '20240102000000_two.sql': '-- migrate:up\nINSERT INTO log VALUES (2);\n\n-- migrate:down\nDELETE FROM log WHERE n = 2;\n',
    });
    await tool('dbmate', ['--url', plainUrl(db), '--migrations-dir', dir, '--no-dump-schema', 'up'], {});
    expect(await log(db)).toEqual([1, 2]);
    await writeFile(join(dir, '20240103000000_three.sql'), '-- migrate:up\nINSERT INTO log VALUES (3);\n-- migrate:down\nDROP TABLE log;\n');
    // dbmate sends the up part as one query, so CONCURRENTLY stands alone there.
    await writeFile(join(dir, '20240104000000_index.sql'), '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY log_n ON log (n);\n-- migrate:down\nDROP TABLE log;\n');
    const r = await importThenApply(run, 'dbmate', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, MIGRATIONS_TABLE: 'pgshift_migrations' });
    expect(r).toEqual({ recorded: ['20240101000000_log.sql', '20240102000000_two.sql'], applied: ['20240103000000_three.sql', '20240104000000_index.sql'] });
    expect(await log(db)).toEqual([1, 2, 3]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'log_n'::regclass`)).toEqual([{ indisvalid: true }]);
    // dbmate's own table is as dbmate left it, and dbmate itself sees the files pgshift applied as pending (pgshift's history is its own).
    expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: '20240101000000' }, { version: '20240102000000' }]);
  });
});

describe('node-pg-migrate 9', () => {
  it('applies two SQL files; import records them; pgshift applies the third only, its up part', async () => {
    const dir = await writeMigrations({
      '1700000000000_log.sql': '-- Up Migration\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n\n-- Down Migration\nDROP TABLE log;\n',
      '1700000000001_two.sql': '-- Up Migration\nINSERT INTO log VALUES (2);\n-- Down Migration\nDELETE FROM log WHERE n = 2;\n',
    });
    await tool('node-pg-migrate', ['up', '--migrations-dir', dir], { DATABASE_URL: plainUrl(db) });
    expect(await log(db)).toEqual([1, 2]);
    await writeFile(join(dir, '1700000000002_three.sql'), '-- Up Migration\nINSERT INTO log VALUES (3);\n-- Down Migration\nDROP TABLE log;\n');
    const r = await importThenApply(run, 'node-pg-migrate', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r).toEqual({ recorded: ['1700000000000_log.sql', '1700000000001_two.sql'], applied: ['1700000000002_three.sql'] });
    expect(await log(db)).toEqual([1, 2, 3]);
  });
});
