// sqitch (Debian's package, 1.3.1) deploys a project; `pgshift import --from sqitch` matches
// sqitch.changes to sqitch.plan by sqitch's own change ids (computed as lib/App/Sqitch/Plan/Change.pm
// does) and compares each deploy script with its script_hash (sha1 of the bytes); `pgshift` then
// applies the rest of the plan, deploy scripts only, in plan order (#12).
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, appendFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

const installed = (() => {
  try {
    execFileSync('sqitch', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const PLANNER = "Marge N. O'Vera <marge@example.com>";
const HEAD = '%syntax-version=1.0.0\n%project=flipr\n%uri=https://github.com/sqitchers/sqitch-intro/\n\n';
const script = (name: string, body: string) => `-- Deploy flipr:${name} to pg\n\nBEGIN;\n\n${body}\n\nCOMMIT;\n`;

/** A sqitch project as `sqitch init` and `sqitch add` lay it out: the plan, deploy/, revert/, verify/. */
async function project(plan: string, deploys: Record<string, string>): Promise<string> {
  const files: Record<string, string> = { 'sqitch.conf': '[core]\n\tengine = pg\n', 'sqitch.plan': HEAD + plan };
  for (const [name, body] of Object.entries(deploys)) {
    files[`deploy/${name}.sql`] = script(name, body);
    // Never applied by pgshift: a revert that ran would empty the log.
    files[`revert/${name}.sql`] = `-- Revert flipr:${name} from pg\n\nBEGIN;\nDELETE FROM log;\nCOMMIT;\n`;
    files[`verify/${name}.sql`] = `-- Verify flipr:${name} on pg\n\nSELECT 1/0;\n`;
  }
  return writeMigrations(files);
}

async function sqitch(dir: string, ...args: string[]): Promise<void> {
  const u = new URL(db.url);
  const home = await mkdtemp(join(tmpdir(), 'sqitch-home-'));
  const target = `db:pg://${u.username}@${u.hostname}:${u.port}${u.pathname}`;
  await tool('sqitch', [args[0]!, target, ...args.slice(1)], { HOME: home, PGPASSWORD: decodeURIComponent(u.password), PGSSLMODE: 'disable', SQITCH_FULLNAME: 'Deployer', SQITCH_EMAIL: 'deploy@example.com' }, { cwd: dir, onPath: true });
}

// Skipped only off CI (.ci/run installs sqitch): in CI a missing sqitch fails the tier.
describe.skipIf(!installed && !process.env.CI)('sqitch 1.3.1', () => {
  it('deploys two changes; import records them by change id; pgshift deploys the rest of the plan, a reworked change included, deploy scripts only', async () => {
    const dir = await project(
      `log 2024-01-01T10:00:00Z ${PLANNER} # Creates the log table.\n` +
        `two [log] 2024-01-02T10:00:00Z ${PLANNER} # Logs 2,\\nwith a function\n` +
        `@v1.0 2024-01-03T10:00:00Z ${PLANNER} # Tag v1.0.\n`,
      { log: 'CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);', two: 'CREATE FUNCTION two() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\nINSERT INTO log SELECT two();' },
    );
    await sqitch(dir, 'deploy');
    expect(await log(db)).toEqual([1, 2]);
    // A new change, and `two` reworked as `sqitch rework` does it: the deployed script kept as two@v1.0.sql.
    await appendFile(join(dir, 'sqitch.plan'), `three [two] 2024-01-04T10:00:00Z ${PLANNER}\ntwo [two@v1.0] 2024-01-05T10:00:00Z ${PLANNER} # two() returns 20\n`);
    await copyFile(join(dir, 'deploy/two.sql'), join(dir, 'deploy/two@v1.0.sql'));
    await writeFile(join(dir, 'deploy/two.sql'), script('two', 'CREATE OR REPLACE FUNCTION two() RETURNS int LANGUAGE sql AS $$ SELECT 20 $$;\nINSERT INTO log SELECT two();'));
    await writeFile(join(dir, 'deploy/three.sql'), script('three', 'INSERT INTO log VALUES (3);'));
    const r = await importThenApply(run, 'sqitch', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(r).toEqual({ recorded: ['0001_log/deploy.sql', '0002_two/deploy.sql'], applied: ['0003_three/deploy.sql', '0004_two/deploy.sql'] });
    expect(await log(db)).toEqual([1, 2, 3, 20]);
    const history = await db.query<{ filename: string }>('SELECT filename FROM schema_migrations WHERE success ORDER BY id');
    expect(history.map((h) => h.filename)).toEqual(['0001_log/deploy.sql', '0002_two/deploy.sql', '0003_three/deploy.sql', '0004_two/deploy.sql']);
    // sqitch's registry is as sqitch left it.
    expect(await db.query('SELECT change FROM sqitch.changes ORDER BY committed_at')).toEqual([{ change: 'log' }, { change: 'two' }]);
    const again = await run([], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await log(db)).toEqual([1, 2, 3, 20]);
  });

  it('a deploy script edited after sqitch deployed it (script_hash) and a plan edited after deploying (change id): refused, nothing recorded', async () => {
    const dir = await project(`log 2024-01-01T10:00:00Z ${PLANNER}\ntwo 2024-01-02T10:00:00Z ${PLANNER}\n`, { log: 'CREATE TABLE log (n int);', two: 'INSERT INTO log VALUES (2);' });
    await sqitch(dir, 'deploy');
    await writeFile(join(dir, 'deploy/two.sql'), script('two', 'INSERT INTO log VALUES (22);'));
    const edited = await importRefused(run, db, 'sqitch', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(edited).toMatch(/deploy\/two\.sql \(0002_two\/deploy\.sql\): sqitch deployed it with script_hash [0-9a-f]{40}, the file now has [0-9a-f]{40}/);
    expect(edited).toContain('restore it as deployed');
    await writeFile(join(dir, 'sqitch.plan'), `${HEAD}log 2024-01-01T10:00:00Z ${PLANNER} # a note added later\ntwo 2024-01-02T10:00:00Z ${PLANNER}\n`);
    const replanned = await importRefused(run, db, 'sqitch', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(replanned).toMatch(/sqitch deployed log \(change id [0-9a-f]{40}\), which sqitch\.plan as it is now does not plan/);
  });

  it('a failed deploy (sqitch reverts the run): the failed change and the reverted one are refused with the fix', async () => {
    const dir = await project(`log 2024-01-01T10:00:00Z ${PLANNER}\nbad 2024-01-02T10:00:00Z ${PLANNER}\n`, { log: 'CREATE TABLE log (n int);', bad: 'INSERT INTO no_such_table VALUES (1);' });
    await expect(sqitch(dir, 'deploy')).rejects.toThrow();
    const refusal = await importRefused(run, db, 'sqitch', { DATABASE_URL: db.url, MIGRATIONS_DIR: dir });
    expect(refusal).toMatch(/bad: its last sqitch event is a failed deploy/);
    expect(refusal).toMatch(/log: reverted with `sqitch revert`/);
  });

  it('MIGRATIONS_DIR that is not the sqitch project: refused, naming the folder to set', async () => {
    const dir = await project(`log 2024-01-01T10:00:00Z ${PLANNER}\n`, { log: 'CREATE TABLE log (n int);' });
    await sqitch(dir, 'deploy');
    const elsewhere = await writeMigrations({ '0001_log.sql': 'CREATE TABLE log (n int);\n' });
    const refusal = await importRefused(run, db, 'sqitch', { DATABASE_URL: db.url, MIGRATIONS_DIR: elsewhere });
    expect(refusal).toContain('MIGRATIONS_DIR holds no sqitch.plan: set it to the sqitch project folder');
  });
});
