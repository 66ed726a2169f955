// The contenders: how each one is run against a fresh database, and how its history is counted
// afterwards (every run must leave exactly N rows, or the benchmark fails loudly).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD, USER } from './server.mjs';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(BENCH, '..');
const BIN = join(BENCH, 'node_modules', '.bin');
export const PGSHIFT = join(ROOT, 'dist', 'pgshift.mjs');
export const PSQL = process.env.PSQL ?? '/usr/bin/psql';
const COMPILE_CACHE = mkdtempSync(join(tmpdir(), 'pgshift-bench-compile-cache-'));
process.on('exit', () => rmSync(COMPILE_CACHE, { recursive: true, force: true }));

/**
 * A tool: `cmd(ctx)` → { argv, env, cwd } for one run on database `ctx.db` with migration set `ctx.set`;
 * `count` is the SQL that counts its history rows.
 * ctx: { port, db, url, set (from generate()), node (the Node binary), scripts (psql scripts per set) }.
 */
export const TOOLS = {
  'psql (tx per file)': {
    kind: 'baseline',
    note: 'one psql session; per file `BEGIN; \\i file; INSERT history row; COMMIT;`',
    cmd: (c) => ({ argv: [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', psqlScript(c, 'per-file')], env: psqlEnv(c) }),
    count: 'SELECT count(*) FROM schema_migrations',
  },
  'psql (single tx)': {
    kind: 'baseline',
    note: 'one psql session, `psql -1`: every file and its history row in one transaction',
    cmd: (c) => ({ argv: [PSQL, '-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-f', psqlScript(c, 'single')], env: psqlEnv(c) }),
    count: 'SELECT count(*) FROM schema_migrations',
  },
  pgshift: {
    kind: 'pgshift',
    note: 'default: each file and its history row in one transaction',
    cmd: (c) => ({ argv: [c.node, PGSHIFT], env: pgshiftEnv(c) }),
    count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
  },
  'pgshift --single-transaction': {
    kind: 'pgshift',
    note: 'all pending files in one transaction',
    cmd: (c) => ({ argv: [c.node, PGSHIFT, '--single-transaction'], env: pgshiftEnv(c) }),
    count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
  },
  'pgshift (sslmode=prefer)': {
    kind: 'variant',
    note: "pgshift's default sslmode (libpq's `prefer`) against this server without TLS: node-postgres cannot continue after the server's \"no TLS\" answer the way libpq does, so pgshift opens a second connection",
    cmd: (c) => ({ argv: [c.node, PGSHIFT], env: pgshiftEnv(c, 'prefer') }),
    count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
  },
  'pgshift (compile cache, as in the image)': {
    kind: 'variant',
    note: "the image sets NODE_COMPILE_CACHE (made at build time): Node ≥ 22.1 then skips compiling the bundle; Node 20 ignores the variable. The warm-up run fills this benchmark's own cache folder",
    cmd: (c) => ({ argv: [c.node, PGSHIFT], env: { ...pgshiftEnv(c), NODE_COMPILE_CACHE: COMPILE_CACHE } }),
    count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
  },
  dbmate: {
    kind: 'peer',
    note: 'Go binary from the `dbmate` npm package; a transaction per file (its default)',
    cmd: (c) => ({ argv: [join(BIN, 'dbmate'), '--url', `${c.url}?sslmode=disable`, '--migrations-dir', c.set.dbmate, '--no-dump-schema', 'up'], env: baseEnv() }),
    count: 'SELECT count(*) FROM schema_migrations',
  },
  'node-pg-migrate': {
    kind: 'peer',
    note: 'its default: ALL pending files in ONE transaction',
    cmd: (c) => ({ argv: [c.node, join(BENCH, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js'), 'up', '-m', c.set.nodePgMigrate], env: { ...baseEnv(), DATABASE_URL: c.url } }),
    count: 'SELECT count(*) FROM pgmigrations',
  },
  'node-pg-migrate (tx per file)': {
    kind: 'peer',
    note: '`--no-single-transaction`: a transaction per file',
    cmd: (c) => ({
      argv: [c.node, join(BENCH, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js'), 'up', '--no-single-transaction', '-m', c.set.nodePgMigrate],
      env: { ...baseEnv(), DATABASE_URL: c.url },
    }),
    count: 'SELECT count(*) FROM pgmigrations',
  },
  'postgrator-cli': {
    kind: 'peer',
    note: 'each file as one multi-statement query, then its history row (two commits per file)',
    cmd: (c) => ({
      argv: [c.node, join(BENCH, 'node_modules', 'postgrator-cli', 'index.js'), '--no-config', '--host', '127.0.0.1', '--port', String(c.port), '--database', c.db, '--username', USER, '--password', PASSWORD, '-m', `${c.set.postgrator}/*`],
      env: baseEnv(),
    }),
    count: 'SELECT count(*) FROM schemaversion WHERE version > 0',
  },
  'graphile-migrate': {
    kind: 'peer',
    note: '`graphile-migrate migrate` of committed files; a transaction per file',
    cmd: (c) => ({ argv: [c.node, join(BENCH, 'node_modules', 'graphile-migrate', 'dist', 'cli.js'), 'migrate'], env: { ...baseEnv(), DATABASE_URL: c.url }, cwd: c.set.graphile }),
    count: 'SELECT count(*) FROM graphile_migrate.migrations',
  },
};

/** The floor for a no-op run of any Node tool: node + pg + login + SELECT 1. */
export const FLOOR = {
  kind: 'floor',
  note: '`node bench/floor.mjs`: start Node, load pg, log in (SCRAM), SELECT 1, disconnect',
  cmd: (c) => ({ argv: [c.node, join(BENCH, 'floor.mjs')], env: { ...baseEnv(), DATABASE_URL: c.url } }),
};

function baseEnv() {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
}

// The benchmark's server has no TLS. Every contender is told so (sslmode=disable), as the Node peers
// are by default (node-postgres tries no TLS unless asked): nobody pays a TLS attempt. The row
// `pgshift (sslmode=prefer)` shows what pgshift's libpq-like default costs against such a server.
function pgshiftEnv(c, sslmode = 'disable') {
  return { ...baseEnv(), DATABASE_URL: `${c.url}?sslmode=${sslmode}`, MIGRATIONS_DIR: c.set.plain, LOG_FORMAT: 'json', TERMINATION_LOG: '' };
}

function psqlEnv(c) {
  return { ...baseEnv(), PGHOST: '127.0.0.1', PGPORT: String(c.port), PGUSER: USER, PGPASSWORD: PASSWORD, PGDATABASE: c.db, PGSSLMODE: 'disable' };
}

/**
 * The psql script for a migration set (written once per set): psql reads each file itself with \i.
 * The history table and rows make psql do the same work the runners do.
 */
function psqlScript(c, mode) {
  const path = join(c.set.root, `psql-${mode}.sql`);
  if (c.scripts.has(path)) return path;
  const lines = ['CREATE TABLE schema_migrations (id serial PRIMARY KEY, filename varchar(255) NOT NULL UNIQUE, applied_at timestamp NOT NULL DEFAULT now());'];
  for (const name of c.set.names) {
    const file = `\\i ${join(c.set.plain, name)}`;
    const row = `INSERT INTO schema_migrations (filename) VALUES ('${name}');`;
    lines.push(...(mode === 'per-file' ? ['BEGIN;', file, row, 'COMMIT;'] : [file, row]));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  c.scripts.add(path);
  return path;
}
