// graphile-migrate 1.4.1 runs committed migrations (migrations/committed/000001.sql, with a
// `--! Previous:` / `--! Hash:` header); `pgshift import --from graphile-migrate` matches
// graphile_migrate.migrations to those files by number and checks each file's hash against the
// header and the row (graphile-migrate src/migration.ts, src/hash.ts); `pgshift` then applies the
// rest, honouring `--! no-transaction` (#12).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT, writeMigrations } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { databasePerTest, runCliCheckingSecrets } from '../helpers/suite.js';
import { importRefused, importThenApply, log, plainUrl, tool } from './tools.js';

const { run } = runCliCheckingSecrets();
const useDb = databasePerTest();
let db: TestDatabase;
beforeEach(() => {
  db = useDb();
});

// graphile-migrate's own hash function: the headers below are what `graphile-migrate commit` writes.
const { calculateHash } = createRequire(join(ROOT, 'test', 'tools', 'package.json'))('graphile-migrate/dist/hash.js') as { calculateHash: (body: string, previous: string | null) => string };

/** Committed files in a chain, as `graphile-migrate commit` writes them. */
function commit(bodies: Array<[string, string]>, previous: string | null = null): Record<string, string> {
  // `graphile-migrate init`'s .gmrc, less its comments: DATABASE_URL comes from the environment.
  const files: Record<string, string> = { '.gmrc': '{\n  "afterReset": [],\n  "afterAllMigrations": [],\n  "afterCurrent": []\n}\n' };
  for (const [name, body] of bodies) {
    const hash = calculateHash(body, previous);
    files[`migrations/committed/${name}`] = `--! Previous: ${previous ?? '-'}\n--! Hash: ${hash}\n\n${body.trim()}\n`;
    previous = hash;
  }
  return files;
}

const migrate = (project: string, ...args: string[]) => tool('graphile-migrate', args.length ? args : ['migrate'], { DATABASE_URL: plainUrl(db), HOME: project }, { cwd: project });

describe('graphile-migrate 1.4.1', () => {
  it('runs two committed migrations; import records them; pgshift applies the rest (no-transaction honoured)', async () => {
    const first = commit([
      ['000001.sql', 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);'],
      ['000002-two.sql', 'INSERT INTO log VALUES (2);'],
    ]);
    const project = await writeMigrations({ ...first, 'migrations/current.sql': '-- Enter migration here\n' });
    await migrate(project);
    expect(await log(db)).toEqual([1, 2]);
    const last = /--! Hash: (\S+)/.exec(first['migrations/committed/000002-two.sql']!)![1]!;
    for (const [name, content] of Object.entries(commit([['000003.sql', '--! no-transaction\nCREATE INDEX CONCURRENTLY log_n ON log (n);'], ['000004.sql', 'INSERT INTO log VALUES (3);']], last))) {
      if (name.startsWith('migrations/')) await writeFile(join(project, name), content);
    }
    const dir = join(project, 'migrations', 'committed');
    const r = await importThenApply(run, 'graphile-migrate', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r).toEqual({ recorded: ['000001.sql', '000002-two.sql'], applied: ['000003.sql', '000004.sql'] });
    expect(await log(db)).toEqual([1, 2, 3]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'log_n'::regclass`)).toEqual([{ indisvalid: true }]);
    expect(await db.query('SELECT filename FROM graphile_migrate.migrations ORDER BY filename')).toEqual([{ filename: '000001.sql' }, { filename: '000002.sql' }]);
  });

  it('a committed file edited, one missing, and uncommitted work from `watch`: refused with the fix, nothing recorded', async () => {
    const project = await writeMigrations({
      ...commit([
        ['000001.sql', 'CREATE TABLE log (n int);'],
        ['000002.sql', 'INSERT INTO log VALUES (2);'],
        ['000003.sql', 'INSERT INTO log VALUES (3);'],
      ]),
      'migrations/current.sql': 'INSERT INTO log VALUES (99);\n',
    });
    await migrate(project, 'watch', '--once');
    expect(await log(db)).toEqual([2, 3, 99]);
    const dir = join(project, 'migrations', 'committed');
    await writeFile(join(dir, '000002.sql'), (await readFile(join(dir, '000002.sql'), 'utf8')).replace('(2)', '(22)'));
    await rm(join(dir, '000003.sql'));
    const refusal = await importRefused(run, db, 'graphile-migrate', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(refusal).toContain('000002.sql: its body no longer has the hash in its header');
    expect(refusal).toContain('graphile-migrate applied 000003.sql, but MIGRATIONS_DIR (migrations/committed) has no 000003[-message].sql');
    expect(refusal).toContain('graphile_migrate.current holds current.sql as `graphile-migrate watch` ran it on this database');
  });

  it('current.sql with comments only, as `graphile-migrate init` leaves it, is no uncommitted work', async () => {
    const project = await writeMigrations({ ...commit([['000001.sql', 'CREATE TABLE log (n int);']]), 'migrations/current.sql': '-- Enter migration here\n' });
    await mkdir(join(project, 'migrations', 'committed'), { recursive: true });
    await migrate(project, 'watch', '--once');
    const r = await importThenApply(run, 'graphile-migrate', { DATABASE_URL: db.url, MIGRATIONS_DIR: join(project, 'migrations', 'committed') });
    expect(r).toEqual({ recorded: ['000001.sql'], applied: [] });
  });
});
