// SIGTERM while a file's COMMIT is flushing (issue 10.A1). A cancel that reaches the backend while
// COMMIT writes its record is held and fires at the next statement of the batch — the session reset
// after COMMIT — so the query errors although the file committed. The run must then report the file
// applied (it is), never record it failed, and the next run must not apply it again.
// commit_delay makes every COMMIT's flush take ~100 ms (standing in for slow network storage), so a
// SIGTERM sent at a random moment of the run lands in a flush most of the time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, jsonLines, spawnCli, waitForOutput, writeMigrations } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ settings: { fsync: 'on', synchronous_commit: 'on', commit_delay: 100_000, commit_siblings: 0 } });
});
afterAll(() => server?.destroy());

const FILES = 30;

describe('SIGTERM while COMMIT flushes (10.A1)', () => {
  it('never leaves a committed file recorded failed, and the re-run applies each file exactly once', async () => {
    const files: Record<string, string> = { '0000_log.sql': 'CREATE TABLE log (f text);' };
    for (let i = 1; i <= FILES; i++) {
      const name = `${String(i).padStart(4, '0')}_f.sql`;
      files[name] = `INSERT INTO log VALUES ('${name}');`;
    }
    const dir = await writeMigrations(files);
    let lateErrors = 0;
    for (let round = 1; round <= 4; round++) {
      const db = await createDatabase(server.url);
      try {
        const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
        const child = spawnCli([], env);
        const done = collect(child, { timeoutMs: 120_000 });
        // A few files in, at a moment the test does not choose: most of each file's time is its COMMIT.
        await waitForOutput(child, (out) => (out.match(/"migration\.applied"/g) ?? []).length >= round + 1);
        child.kill('SIGTERM');
        const r = await done;
        expect(r.code, r.stdout).toBe(143);
        lateErrors += jsonLines(r.stdout).filter((e) => e.event === 'migration.committed').length;

        // The database and its history agree on every file: applied once with a success row, or not at all.
        const applied = await db.query<{ f: string; n: number }>('SELECT f, count(*)::int AS n FROM log GROUP BY f');
        const rows = await db.query<{ filename: string; success: boolean }>('SELECT filename, success FROM schema_migrations');
        const succeeded = new Set(rows.filter((h) => h.success).map((h) => h.filename));
        for (const { f, n } of applied) {
          expect(n).toBe(1);
          expect(succeeded.has(f), `${f} committed but has no success row`).toBe(true);
        }
        for (const f of succeeded) if (f !== '0000_log.sql') expect(applied.some((a) => a.f === f), `${f} recorded applied but did not commit`).toBe(true);

        const rerun = await collect(spawnCli([], env), { timeoutMs: 120_000 });
        expect(rerun.code, rerun.stdout).toBe(0);
        const counts = await db.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT f)::int AS d FROM log');
        expect(counts).toEqual([{ n: FILES, d: FILES }]);
      } finally {
        await db.drop();
      }
    }
    console.info(`commit race: ${lateErrors} of 4 interrupted runs saw the cancel fire after COMMIT`);
  });
});
