// A slow uplink is not a dead peer (#10 C13). While a long statement is still being uploaded the
// server shows the session idle (it reads the whole message before it starts), exactly what a
// dead connection looks like to pg_stat_activity. The watchdog must tell them apart by whether
// the client's bytes still leave; a path that stops forwarding mid-upload is still declared dead.
import { describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';
import { startProxy } from '../helpers/proxy.js';
import { history, waitFor } from './lib.js';

/** One statement of ~6 MB: at 150 KB/s its upload takes ~40 s, longer than two watchdog looks (10 s apart) after the first 10 s. */
const LITERAL_BYTES = 6_000_000;
const UPLOAD_RATE = 150_000;
const BIG = `CREATE TABLE big AS SELECT length('${'x'.repeat(LITERAL_BYTES)}') AS n;\n`;

describe('a slow upload (#10 C13)', () => {
  it('one 6 MB statement uploading at 150 KB/s is not killed by the watchdog: exit 0, applied once', async () => {
    const db = await createDatabase();
    const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
    try {
      const dir = await writeMigrations({ '0001_big.sql': BIG });
      proxy.throttleUpload(UPLOAD_RATE);
      const r = await runCli([], { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir, LOG_LEVEL: 'debug' }, { timeoutMs: 240_000 });
      const events = jsonLines(r.stdout);
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
      expect(events.filter((e) => e.event === 'db.connection.dead')).toEqual([]);
      // The watchdog did look while the upload ran (so the test exercised it), and saw bytes leaving.
      expect(events.some((e) => e.event === 'db.watchdog' && e.probe === 'sending')).toBe(true);
      expect(await db.query('SELECT n FROM big')).toEqual([{ n: LITERAL_BYTES }]);
      expect((await history(db)).map((h) => [h.filename, h.success])).toEqual([['0001_big.sql', true]]);
    } finally {
      await proxy.close();
      await db.drop();
    }
  }, 300_000);

  it('the same upload on a path that stops forwarding midway is still declared dead: exit 4, nothing recorded', async () => {
    const db = await createDatabase();
    const proxy = await startProxy({ targetPort: Number(new URL(db.url).port) });
    try {
      const dir = await writeMigrations({ '0001_big.sql': BIG });
      proxy.throttleUpload(UPLOAD_RATE);
      const child = spawnCli([], { DATABASE_URL: proxy.urlFor(db.url), MIGRATIONS_DIR: dir, LOG_LEVEL: 'debug' });
      const done = collect(child, { timeoutMs: 240_000 });
      await waitFor('a quarter of the statement to reach the server', async () => proxy.pairs().some((p) => p.upstream.bytesWritten > LITERAL_BYTES / 4), 120_000, 200);
      proxy.freezeOpen();
      const r = await done;
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(4);
      const dead = jsonLines(r.stdout).find((e) => e.event === 'db.connection.dead');
      expect(String(dead?.reason)).toMatch(/idle since .*, and no byte of the query left this client for \d+s: the network dropped the connection/);
      await proxy.close();
      expect(await db.query(`SELECT to_regclass('big')::text AS t`)).toEqual([{ t: null }]);
      expect((await history(db)).filter((h) => h.success)).toEqual([]);
    } finally {
      await proxy.close();
      await db.drop();
    }
  }, 300_000);
});
