// 20 runners against 200 migrations on one database, started together, some killed with SIGKILL at
// random and some killed exactly while they hold the migration lock. Every migration must be applied
// exactly once, every survivor must exit 0 or 5, and a final run must be a no-op.
import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { collect, jsonLines, runCli, spawnCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';
import { history, sleep } from './lib.js';

const RUNNERS = 20;
const MIGRATIONS = 200;
const RANDOM_KILLS = 4;
const HOLDER_KILLS = 3;

function migrations(): Record<string, string> {
  const files: Record<string, string> = { '0000_log.sql': 'CREATE TABLE applied_log (file text NOT NULL);' };
  for (let i = 1; i < MIGRATIONS; i++) {
    const n = String(i).padStart(4, '0');
    // Some files take a while, so that kills land in the middle of a file as well as between files.
    const pause = i % 10 === 0 ? 'SELECT pg_sleep(0.1);' : 'SELECT pg_sleep(0.005);';
    files[`${n}_m.sql`] = `CREATE TABLE m_${n} (id int);\n${pause}\nINSERT INTO applied_log VALUES ('${n}');`;
  }
  return files;
}

describe(`${RUNNERS} runners, ${MIGRATIONS} migrations, SIGKILL at random`, () => {
  it('applies every migration exactly once; survivors exit 0 or 5; a final run is a no-op', async () => {
    const db = await createDatabase();
    try {
      const dir = await writeMigrations(migrations());
      const env = (i: number) => ({ DATABASE_URL: db.url, MIGRATIONS_DIR: dir, LOCK_TIMEOUT: '3m', HOSTNAME: `runner-${i}` });
      const started = Date.now();
      const children: ChildProcess[] = [];
      const results: Array<Promise<CliResult>> = [];
      for (let i = 0; i < RUNNERS; i++) {
        const child = spawnCli([], env(i));
        children.push(child);
        results.push(collect(child, { timeoutMs: 240_000 }));
      }
      const alive = (i: number) => children[i]!.exitCode === null && children[i]!.signalCode === null;
      const killed = new Set<number>();
      const holderKills: number[] = [];

      // Kill whoever holds the lock, a few times, each once it has applied something.
      for (let k = 0; k < HOLDER_KILLS; k++) {
        await sleep(400 + Math.random() * 800);
        const [holder] = await db.query<{ app: string }>(
          `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'pgshift@runner-%'`,
        );
        const i = holder ? Number(holder.app.replace('pgshift@runner-', '')) : -1;
        if (i >= 0 && alive(i)) {
          children[i]!.kill('SIGKILL');
          killed.add(i);
          holderKills.push(i);
        }
      }
      // And a few at random, holder or not.
      for (let k = 0; k < RANDOM_KILLS; k++) {
        await sleep(Math.random() * 500);
        const i = Math.floor(Math.random() * RUNNERS);
        if (alive(i)) {
          children[i]!.kill('SIGKILL');
          killed.add(i);
        }
      }

      const outcomes = await Promise.all(results);
      const elapsedMs = Date.now() - started;
      const survivors = outcomes.filter((_, i) => !killed.has(i));
      for (const [i, r] of outcomes.entries()) {
        if (killed.has(i)) expect(r.signal, `runner ${i}`).toBe('SIGKILL');
        else expect([0, 5], `runner ${i} exited ${r.code}: ${r.stdout.slice(-2000)}`).toContain(r.code);
      }
      expect(holderKills.length, 'at least one runner was killed while holding the lock').toBeGreaterThan(0);

      const rows = await history(db);
      expect(rows).toHaveLength(MIGRATIONS);
      expect(rows.every((r) => r.success)).toBe(true);
      expect(new Set(rows.map((r) => r.filename)).size).toBe(MIGRATIONS);
      const log = await db.query<{ file: string; n: string }>('SELECT file, count(*)::text AS n FROM applied_log GROUP BY file ORDER BY file');
      expect(log).toHaveLength(MIGRATIONS - 1);
      expect(log.filter((l) => l.n !== '1')).toEqual([]);
      const [tables] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_tables WHERE tablename LIKE 'm\\_%'`);
      expect(tables?.n).toBe(String(MIGRATIONS - 1));

      const final = await runCli([], env(99));
      expect(final.code).toBe(0);
      expect(jsonLines(final.stdout).filter((e) => e.event === 'migration.applied')).toEqual([]);

      const appliedBy = outcomes.map((r) => jsonLines(r.stdout).filter((e) => e.event === 'migration.applied').length);
      console.info(
        `race: ${RUNNERS} runners, ${MIGRATIONS} migrations, ${killed.size} killed with SIGKILL (${holderKills.length} while holding the lock), ` +
          `survivors' exit codes ${JSON.stringify(survivors.map((r) => r.code))}, files applied per runner ${JSON.stringify(appliedBy)}, ${Math.round(elapsedMs / 1000)}s`,
      );
    } finally {
      await db.drop();
    }
  });
});
