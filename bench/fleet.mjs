#!/usr/bin/env node
// The fleet benchmark (issue 14, "Performance"), side by side in one run on a throwaway PostgreSQL 15
// (bench/lib/server.mjs: fsync on, SCRAM logins over TCP):
//   1. cold fleet: D databases × F migration files (bench/lib/generate.mjs), applied by one
//      `pgshift up` over a targets file, against a shell loop running pgshift once per database and a
//      shell loop of dbmate. Every contender starts from the same empty databases (the public schema
//      dropped and re-created, untimed) and is verified afterwards (F history rows in every database).
//   2. no-op fleet: T targets all applied, `pgshift up` against the floor (bench/fleet-floor.mjs:
//      Node + pg, log in to each target and SELECT 1, the same concurrency). T targets are schemas in
//      one database (T databases would need T × ~8 MB and minutes of CREATE DATABASE); each schema
//      target is its own session, as each database target is. The D databases' no-op is shown too.
//   3. peak RSS (GNU time) of every run, the fleet of T targets included.
//
//   node bench/fleet.mjs                         # D = 200, F = 20, T = 1000, concurrency 4
//   node bench/fleet.mjs --quick                 # D = 40, T = 200, one round: a smoke run
//   node bench/fleet.mjs --dbs 100 --targets 500 --runs 2
//
// Results: markdown on stdout and in bench/results/fleet.md; every run's output in bench/results/raw/fleet/.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate } from './lib/generate.mjs';
import { loadAverage, runOnce, stats } from './lib/measure.mjs';
import { startServer, withClient } from './lib/server.mjs';
import { PGSHIFT } from './lib/tools.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const DBMATE = join(BENCH, 'node_modules', '.bin', 'dbmate');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    dbs: { type: 'string' },
    files: { type: 'string', default: '20' },
    targets: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    runs: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'no-dbmate': { type: 'boolean', default: false },
    node: { type: 'string', default: process.execPath },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  console.log('node bench/fleet.mjs [--quick] [--dbs 200] [--files 20] [--targets 1000] [--concurrency 4] [--runs 2] [--no-dbmate] [--no-build] [--node PATH] [--out FILE]');
  process.exit(0);
}
const QUICK = opts.quick;
const DBS = Number(opts.dbs ?? (QUICK ? 40 : 200));
const FILES = Number(opts.files);
const TARGETS = Number(opts.targets ?? (QUICK ? 200 : 1000));
const CONCURRENCY = Number(opts.concurrency);
const RUNS = Number(opts.runs ?? (QUICK ? 1 : 2));
const NODE = opts.node;
const OUT = resolve(opts.out ?? join(BENCH, 'results', 'fleet.md'));
const RAW = join(BENCH, 'results', 'raw', 'fleet');
const log = (line) => process.stderr.write(`${line}\n`);
const base = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' });
const pgshiftEnv = (extra) => ({ ...base(), LOG_FORMAT: 'json', TERMINATION_LOG: '', ...extra });

async function main() {
  rmSync(RAW, { recursive: true, force: true });
  mkdirSync(RAW, { recursive: true });
  if (!opts['no-build']) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const machine = { loadStart: loadAverage(), node: spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim(), commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim(), date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC' };
  const server = await startServer({ max_connections: Math.max(100, CONCURRENCY * 4) });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const set = await generate(FILES, { layouts: ['plain', 'dbmate'] });
  const res = { machine, cold: [], noopDbs: [], noopTargets: [], coldTargets: undefined, setupMs: {} };
  try {
    machine.server = (await admin.query('SELECT version()')).rows[0].version.split(' on ')[0];
    const dbs = await databases(admin, server, res);
    await coldFleet(server, dbs, set, res);
    res.noopDbs = noop('databases', dbs.length, { FLEET_TARGETS_FILE: dbs.file }, { TARGETS_FILE: dbs.file }, set);
    await schemaFleet(admin, server, set, res);
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
    rmSync(set.root, { recursive: true, force: true });
  }
  machine.loadEnd = loadAverage();
  writeFileSync(join(RAW, 'results.json'), JSON.stringify(res, null, 2));
  const md = render(res);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

/** D empty databases (untimed setup) and a targets file of their connection strings. */
async function databases(admin, server, res) {
  const started = Date.now();
  const names = Array.from({ length: DBS }, (_, i) => `tenant_${String(i).padStart(4, '0')}`);
  for (const name of names) await admin.query(`CREATE DATABASE ${name}`);
  res.setupMs.createDatabases = Date.now() - started;
  log(`created ${DBS} databases in ${fmt(res.setupMs.createDatabases)}`);
  const file = join(RAW, 'targets');
  writeFileSync(file, `# the bench fleet\n${names.map((n) => `${server.url(n)}?sslmode=disable`).join('\n')}\n`);
  return Object.assign(names, { file, urls: names.map((n) => server.url(n)) });
}

/** Each contender from the same empty databases, in a rotating order, verified after each run. */
async function coldFleet(server, dbs, set, res) {
  const loopEnv = { TARGETS: dbs.file, NODE, PGSHIFT, DBMATE, MIGRATIONS_DIR: set.plain, DBMATE_DIR: set.dbmate };
  const contenders = {
    [`pgshift fleet (FLEET_CONCURRENCY=${CONCURRENCY})`]: {
      spec: { argv: [NODE, PGSHIFT, 'up'], env: pgshiftEnv({ FLEET_TARGETS_FILE: dbs.file, FLEET_CONCURRENCY: String(CONCURRENCY), MIGRATIONS_DIR: set.plain }) },
      count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
    },
    'shell loop: pgshift once per database': {
      spec: { argv: ['sh', '-c', 'grep -v "^#" "$TARGETS" | while read -r url; do DATABASE_URL="$url" "$NODE" "$PGSHIFT" up || exit 1; done'], env: pgshiftEnv(loopEnv) },
      count: 'SELECT count(*) FROM public.schema_migrations WHERE success',
    },
    ...(opts['no-dbmate']
      ? {}
      : {
          'shell loop: dbmate once per database': {
            spec: { argv: ['sh', '-c', 'grep -v "^#" "$TARGETS" | while read -r url; do "$DBMATE" --url "$url" --migrations-dir "$DBMATE_DIR" --no-dump-schema up || exit 1; done'], env: { ...base(), ...loopEnv } },
            count: 'SELECT count(*) FROM public.schema_migrations',
          },
        }),
  };
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const name of rotate(names, r)) {
      await reset(dbs);
      log(`cold round ${r + 1}/${RUNS}: ${name} …`);
      const run = runOnce(contenders[name].spec, { logDir: RAW, label: `cold-${name}-r${r}` });
      await verifyAll(dbs, contenders[name].count, name);
      samples[name].push(run);
      log(`   ${fmt(run.ms)}, peak RSS ${mb(run.rssKB)} MB`);
    }
  }
  const loop = stats(samples[names[1]].map((s) => s.ms)).median;
  for (const name of names) res.cold.push({ name, ms: stats(samples[name].map((s) => s.ms)), rssKB: stats(samples[name].map((s) => s.rssKB)), ratio: stats(samples[name].map((s) => s.ms)).median / loop });
  // Leave every database applied by pgshift for the no-op runs.
  await reset(dbs);
  runOnce(contenders[names[0]].spec, { logDir: RAW, label: 'cold-final-fleet' });
  await verifyAll(dbs, contenders[names[0]].count, 'final fleet');
}

/** The public schema dropped and re-created in every database: history and migrated objects gone. */
async function reset(dbs) {
  for (const url of dbs.urls) await withClient(url, (c) => c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));
}

async function verifyAll(dbs, sql, name) {
  for (const url of dbs.urls) {
    const n = Number((await withClient(url, (c) => c.query(sql))).rows[0].count);
    if (n !== FILES) throw new Error(`VERIFY FAILED: ${name} left ${n} history rows in ${url.split('/').pop()}, expected ${FILES}`);
  }
}

/** T schemas in one database: cold once (timed, RSS), then the no-op against the floor. */
async function schemaFleet(admin, server, set, res) {
  await admin.query('CREATE DATABASE tenants_by_schema');
  const url = `${server.url('tenants_by_schema')}?sslmode=disable`;
  const schemas = Array.from({ length: TARGETS }, (_, i) => `tenant_${String(i).padStart(5, '0')}`);
  const fleetEnv = { DATABASE_URL: url, FLEET_SCHEMAS: schemas.join(',') };
  log(`cold fleet of ${TARGETS} schemas × ${FILES} files …`);
  const cold = runOnce({ argv: [NODE, PGSHIFT, 'up'], env: pgshiftEnv({ ...fleetEnv, FLEET_CONCURRENCY: String(CONCURRENCY), MIGRATIONS_DIR: set.plain }) }, { logDir: RAW, label: 'cold-schemas' });
  const applied = Number((await withClient(url, (c) => c.query(`SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations' AND schemaname LIKE 'tenant_%'`))).rows[0].count);
  if (applied !== TARGETS) throw new Error(`VERIFY FAILED: ${applied} schemas have a history table, expected ${TARGETS}`);
  res.coldTargets = cold;
  log(`   ${fmt(cold.ms)}, peak RSS ${mb(cold.rssKB)} MB`);
  res.noopTargets = noop('schemas', TARGETS, fleetEnv, { DATABASE_URL: url, TARGET_COUNT: String(TARGETS) }, set);
}

/** The no-op fleet and its floor, alternating (ABBA) for RUNS + 1 rounds each. */
function noop(kind, count, fleetEnv, floorEnv, set) {
  const fleet = { argv: [NODE, PGSHIFT, 'up'], env: pgshiftEnv({ ...fleetEnv, FLEET_CONCURRENCY: String(CONCURRENCY), MIGRATIONS_DIR: set.plain }) };
  const floor = { argv: [NODE, join(BENCH, 'fleet-floor.mjs')], env: { ...base(), ...floorEnv, CONCURRENCY: String(CONCURRENCY) } };
  const samples = { fleet: [], floor: [] };
  for (let r = 0; r <= RUNS; r++) {
    for (const which of r % 2 ? ['floor', 'fleet'] : ['fleet', 'floor']) {
      const run = runOnce(which === 'fleet' ? fleet : floor, { logDir: RAW, label: `noop-${kind}-${which}-r${r}` });
      samples[which].push(run);
      log(`no-op ${count} ${kind}, ${which}: ${fmt(run.ms)}, peak RSS ${mb(run.rssKB)} MB`);
    }
  }
  const paired = stats(samples.fleet.map((s, i) => s.ms / samples.floor[i].ms)).median;
  return { kind, count, paired, fleet: { ms: stats(samples.fleet.map((s) => s.ms)), rssKB: stats(samples.fleet.map((s) => s.rssKB)) }, floor: { ms: stats(samples.floor.map((s) => s.ms)), rssKB: stats(samples.floor.map((s) => s.rssKB)) } };
}


const rotate = (list, r) => [...list.slice(r % list.length), ...list.slice(0, r % list.length)];
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const sec = (ms) => (ms / 1000).toFixed(2);
const mb = (kb) => (kb / 1024).toFixed(0);

function render(res) {
  const m = res.machine;
  const L = ['# pgshift fleet benchmark', ''];
  L.push(`${m.date} · pgshift ${m.commit} · \`node bench/fleet.mjs${QUICK ? ' --quick' : ''}\` · ${RUNS} round(s) · Node ${m.node} · ${m.server}, fsync on · load average ${m.loadStart[0]} at start, ${m.loadEnd[0]} at end (a shared machine: compare ratios within this run).`, '');
  L.push(`## Cold fleet: ${DBS} databases × ${FILES} files`, '');
  L.push('| contender | median | min – max | × shell loop of pgshift | peak RSS |', '|---|--:|--:|--:|--:|');
  for (const r of res.cold) L.push(`| ${r.name} | ${sec(r.ms.median)} s | ${sec(r.ms.min)} – ${sec(r.ms.max)} | ${r.ratio.toFixed(2)}× | ${mb(r.rssKB.max)} MB |`);
  L.push('', `## No-op fleet (every target applied), FLEET_CONCURRENCY = ${CONCURRENCY}`, '');
  L.push('| targets | pgshift fleet | floor (connect + SELECT 1 each) | paired × floor | pgshift peak RSS (max) |', '|---|--:|--:|--:|--:|');
  for (const r of [res.noopDbs, res.noopTargets]) L.push(`| ${r.count} ${r.kind} | ${sec(r.fleet.ms.median)} s | ${sec(r.floor.ms.median)} s | ${r.paired.toFixed(2)}× | ${mb(r.fleet.rssKB.max)} MB |`);
  L.push('', `Cold fleet of ${TARGETS} schemas × ${FILES} files: ${sec(res.coldTargets.ms)} s, peak RSS ${mb(res.coldTargets.rssKB)} MB.`, '');
  const cold = res.cold[0].ratio;
  const noop = res.noopTargets.paired;
  const rss = Math.max(res.noopTargets.fleet.rssKB.max, res.coldTargets.rssKB) / 1024;
  L.push('## Targets (issue 14)', '', '| target | measured | limit | met |', '|---|--:|--:|:-:|');
  L.push(`| cold fleet ÷ shell loop of pgshift (${DBS} × ${FILES}) | ${cold.toFixed(2)}× | 0.25× | ${cold <= 0.25 ? 'yes' : '**no**'} |`);
  L.push(`| no-op fleet ÷ floor (${TARGETS} targets) | ${noop.toFixed(2)}× | 1.5× | ${noop <= 1.5 ? 'yes' : '**no**'} |`);
  L.push(`| peak RSS, ${TARGETS} targets (cold and no-op) | ${rss.toFixed(0)} MB | 100 MB | ${rss <= 100 ? 'yes' : '**no**'} |`);
  L.push('', `Setup, untimed: CREATE DATABASE × ${DBS} took ${sec(res.setupMs.createDatabases)} s. Each cold contender starts from the same databases with the public schema dropped and re-created, and must leave ${FILES} history rows in every one.`, '');
  return L.join('\n');
}

await main();
