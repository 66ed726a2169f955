// postgrator (postgrator-cli 9.1.1, postgrator 8.0.0) applies a folder of `NNN.do.name.sql` and
// `NNN.undo.name.sql` files; `pgshift import --from postgrator` matches schemaversion's versions to
// the `.do.` files and compares postgrator's md5 (postgrator lib/utils.js fileChecksum); `pgshift`
// then applies the remaining `.do.` files, never an `.undo.` one (#12).
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';
import { importRefused, importThenApply, log, tool } from './tools.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

async function postgrator(dir: string, to: string): Promise<void> {
  const u = new URL(db.url);
  const args = [to, '--no-config', '--driver', 'pg', '--host', u.hostname, '--port', u.port, '--database', u.pathname.slice(1), '--username', u.username, '--password', decodeURIComponent(u.password), '--migration-pattern', join(dir, '*')];
  await tool('postgrator', args, { PGSSLMODE: 'disable' });
}

// An undo that ran would empty the log.
const UNDO = 'DELETE FROM log;\n';

describe('postgrator 8 (postgrator-cli 9.1.1)', () => {
  it('applies two versions; import records them (md5 of a CRLF file too); pgshift applies the third .do. file only', async () => {
    const dir = await writeMigrations({
      '001.do.log.sql': 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n',
      '001.undo.log.sql': 'DROP TABLE log;\n',
      '002.do.two.sql': 'INSERT INTO log VALUES (2);\r\nINSERT INTO log VALUES (20);\r\n',
      '002.undo.two.sql': UNDO,
    });
    await postgrator(dir, '2');
    expect(await log(db)).toEqual([1, 2, 20]);
    await writeFile(join(dir, '003.do.three.sql'), 'INSERT INTO log VALUES (3);\n');
    await writeFile(join(dir, '003.undo.three.sql'), UNDO);
    const r = await importThenApply(run, 'postgrator', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r).toEqual({ recorded: ['001.do.log.sql', '002.do.two.sql'], applied: ['003.do.three.sql'] });
    expect(await log(db)).toEqual([1, 2, 3, 20]);
    // postgrator's table is as postgrator left it (its row 0 from creating the table included).
    expect(await db.query('SELECT version::int AS version FROM schemaversion ORDER BY version')).toEqual([{ version: 0 }, { version: 1 }, { version: 2 }]);
  });

  it('a file edited after postgrator ran it, and a version with no file: refused with the fix, nothing recorded', async () => {
    const dir = await writeMigrations({
      '001.do.log.sql': 'CREATE TABLE log (n int);\n',
      '002.do.two.sql': 'INSERT INTO log VALUES (2);\n',
      '003.do.three.sql': 'INSERT INTO log VALUES (3);\n',
    });
    await postgrator(dir, '3');
    await appendFile(join(dir, '002.do.two.sql'), 'INSERT INTO log VALUES (22);\n');
    await rm(join(dir, '003.do.three.sql'));
    const refusal = await importRefused(run, db, 'postgrator', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(refusal).toMatch(/002\.do\.two\.sql: postgrator recorded md5 [0-9a-f]{32}, the file now has another: it was edited after postgrator applied it/);
    expect(refusal).toContain('postgrator applied version 3, but MIGRATIONS_DIR has no 003.do.name.sql');
  });

  it('versions without zero padding (2 before 10 for postgrator, after it by name): the folder is refused before anything runs', async () => {
    const dir = await writeMigrations({ '1.do.log.sql': 'CREATE TABLE log (n int);\n', '2.do.two.sql': 'INSERT INTO log VALUES (2);\n', '10.do.ten.sql': 'INSERT INTO log VALUES (10);\n' });
    const r = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("10.do.ten.sql sorts before 2.do.two.sql by name but after it by postgrator's version");
    expect(await db.query(`SELECT to_regclass('log') IS NULL AS none`)).toEqual([{ none: true }]);
  });
});
