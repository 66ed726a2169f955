#!/usr/bin/env node
// pgshift's benchmark: cold apply of N migrations and the no-op run (every pod start), against psql
// baselines and the peers (dbmate, node-pg-migrate, postgrator-cli, graphile-migrate), on a throwaway
// PostgreSQL 15 with fsync on. Every run gets a fresh database and must leave N history rows.
//
//   npm run bench                   # full: N = 10/100/1000, 5 runs each, no-op with 1000 files, scale
//   node bench/run.mjs --quick      # under ~2 minutes: fewer runs and peers
//   node bench/run.mjs --help
//
// Results: a markdown table on stdout and in bench/results/latest.md; raw numbers and every run's
// output in bench/results/raw/ (not committed).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate, generateLarge } from './lib/generate.mjs';
import { checkPrerequisites, loadAverage, runOnce, stats } from './lib/measure.mjs';
import { startServer } from './lib/server.mjs';
import { FLOOR, PGSHIFT, PSQL, TOOLS } from './lib/tools.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    sizes: { type: 'string' },
    'noop-files': { type: 'string' },
    'noop-runs': { type: 'string' },
    tools: { type: 'string' },
    node: { type: 'string', default: process.execPath },
    'no-build': { type: 'boolean', default: false },
    'no-scale': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (opts.help) {
  console.log(`node bench/run.mjs [--quick] [--runs N] [--sizes 10,100,1000] [--noop-files 1000] [--noop-runs 20]
  [--tools pgshift,dbmate,...] [--node /path/to/node] [--no-build] [--no-scale] [--out FILE]

Tools: ${Object.keys(TOOLS).join(', ')}
--quick: 3 runs; peers only at N = 100 and in the no-op; no 50 MB file; under ~2 minutes.
--node:  the Node binary that runs pgshift, the floor and the Node peers (default: this one).`);
  process.exit(0);
}

const QUICK = opts.quick;
const RUNS = Number(opts.runs ?? (QUICK ? 3 : 5));
const SIZES = (opts.sizes ?? '10,100,1000').split(',').map(Number);
const NOOP_FILES = Number(opts['noop-files'] ?? 1000);
const ONLY = opts.tools ? new Set(opts.tools.split(',').map((s) => s.trim())) : undefined;
const NODE = opts.node;
const OUT = resolve(opts.out ?? join(BENCH, 'results', 'latest.md'));
const RAW = join(BENCH, 'results', 'raw');
const SINGLE_TX = new Set(['psql (single tx)', 'pgshift --single-transaction', 'node-pg-migrate']);

const selected = (name) => !ONLY || ONLY.has(name) || TOOLS[name]?.kind === 'baseline';
/** Which tools run cold at size N (quick mode keeps the peers to N = 100). */
function coldTools(n) {
  return Object.keys(TOOLS).filter((name) => selected(name) && TOOLS[name].kind !== 'variant' && (!QUICK || TOOLS[name].kind !== 'peer' || n === 100));
}
const NOOP_TOOLS = Object.keys(TOOLS).filter((name) => selected(name) && TOOLS[name].kind !== 'baseline' && name !== 'pgshift --single-transaction' && name !== 'node-pg-migrate (tx per file)');

function log(line) {
  process.stderr.write(`${line}\n`);
}

async function main() {
  checkPrerequisites(PSQL);
  rmSync(RAW, { recursive: true, force: true });
  mkdirSync(RAW, { recursive: true });
  if (!opts['no-build']) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const machine = describeMachine();
  log(`machine: ${machine.cpu}, ${machine.nproc} cores, ${machine.mem}; node ${machine.node}; load ${machine.loadStart.join(' ')}`);
  const server = await startServer();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const loads = [];
  const sample = () => loads.push(loadAverage()[0]);
  const results = { machine, runs: RUNS, quick: QUICK, cold: [], noop: [], scale: [] };
  const cleanup = [];
  try {
    machine.server = (await admin.query('SELECT version()')).rows[0].version.split(' on ')[0];
    machine.fsync = (await admin.query('SHOW fsync')).rows[0].fsync;
    machine.psql = spawnSync(PSQL, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const env = { server, admin, scripts: new Set(), sample };
    let warmed = false;
    for (const n of SIZES) {
      log(`\n== cold apply, N = ${n}`);
      const set = await generate(n);
      cleanup.push(set.root);
      const tools = coldTools(n);
      if (!warmed) {
        log('   warm-up round (not counted)');
        for (const name of tools) await timedRun(env, name, set, n, 'warmup');
        warmed = true;
      }
      const samples = Object.fromEntries(tools.map((t) => [t, []]));
      for (let r = 0; r < RUNS; r++) {
        for (const name of roundOrder(tools, r)) samples[name].push(await timedRun(env, name, set, n, `r${r}`));
        sample();
        log(`   round ${r + 1}/${RUNS}: ${tools.map((t) => `${short(t)} ${fmt(samples[t].at(-1).ms)}`).join(' · ')}`);
      }
      for (const name of tools) results.cold.push(summarize(name, n, samples));
    }
    log(`\n== no-op, ${NOOP_FILES} files on disk, all applied`);
    const set = await generate(NOOP_FILES);
    cleanup.push(set.root);
    results.noop = await noopRuns(env, set);
    if (!opts['no-scale']) results.scale = await scaleRuns(env);
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  }
  machine.loadEnd = loadAverage();
  machine.loadDuring = stats(loads.length ? loads : [NaN]);
  writeFileSync(join(RAW, 'results.json'), JSON.stringify(results, null, 2));
  const md = renderMarkdown(results);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  process.stdout.write(md);
  const missed = targets(results).filter((t) => t.met === false);
  if (missed.length) log(`\n${missed.length} target(s) missed: ${missed.map((t) => t.name).join('; ')}`);
}

/**
 * A round's order: each psql baseline right next to the pgshift mode it is compared with (ABBA
 * across rounds), so a paired ratio compares runs made seconds apart on this shared machine; the
 * peers after them, rotated.
 */
function roundOrder(tools, r) {
  const pairs = [
    ['psql (tx per file)', 'pgshift'],
    ['psql (single tx)', 'pgshift --single-transaction'],
  ].map((pair) => pair.filter((t) => tools.includes(t)));
  const paired = new Set(pairs.flat());
  const first = pairs.flatMap((pair) => (r % 2 ? [...pair].reverse() : pair));
  return [...first, ...rotate(tools.filter((t) => !paired.has(t)), r)];
}

/** Rotates the order each round so drifting load hurts no tool systematically. */
function rotate(list, r) {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

let dbCounter = 0;
async function freshDatabase(env) {
  const name = `bench_${process.pid}_${++dbCounter}`;
  await env.admin.query(`CREATE DATABASE ${name}`);
  return name;
}

async function dropDatabase(env, name) {
  await env.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

function context(env, set, db) {
  return { port: env.server.port, db, url: env.server.url(db), set, node: NODE, scripts: env.scripts };
}

/** One timed run on a fresh database, verified afterwards. */
async function timedRun(env, name, set, n, tag) {
  const db = await freshDatabase(env);
  try {
    const result = runOnce(TOOLS[name].cmd(context(env, set, db)), { logDir: RAW, label: `cold-${n}-${name}-${tag}` });
    await verify(env, db, name, n);
    return result;
  } finally {
    await dropDatabase(env, db);
  }
}

/** The history must hold exactly N rows, and the last migration's objects must exist. */
async function verify(env, db, name, n) {
  const client = new pg.Client({ connectionString: env.server.url(db) });
  await client.connect();
  try {
    const count = Number((await client.query(TOOLS[name].count)).rows[0].count);
    if (count !== n) throw new Error(`VERIFY FAILED: ${name} left ${count} history rows in ${db}, expected ${n}`);
    const tables = Number((await client.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t_[0-9]+$'`)).rows[0].count);
    const expected = expectedTables(n);
    if (tables !== expected) throw new Error(`VERIFY FAILED: ${name} created ${tables} migration tables in ${db}, expected ${expected}`);
  } finally {
    await client.end();
  }
}

function expectedTables(n) {
  let count = 0;
  for (let i = 1; i <= n; i++) if (i <= 2 || i % 7 === 0) count++;
  return count;
}

async function noopRuns(env, set) {
  const dbs = {};
  for (const name of NOOP_TOOLS.filter((n) => TOOLS[n].kind !== 'variant')) {
    dbs[name] = await freshDatabase(env);
    log(`   setup: ${name} applies ${NOOP_FILES} files`);
    runOnce(TOOLS[name].cmd(context(env, set, dbs[name])), { logDir: RAW, label: `noop-setup-${name}` });
    await verify(env, dbs[name], name, NOOP_FILES);
  }
  const names = ['floor', ...NOOP_TOOLS];
  // The floor and pgshift's variant rows run against pgshift's database (the variant finds it all applied).
  const spec = (name) => (name === 'floor' ? FLOOR : TOOLS[name]).cmd(context(env, set, dbs[name] ?? dbs.pgshift ?? 'postgres'));
  for (const name of names) runOnce(spec(name), { logDir: RAW, label: `noop-warmup-${name}` });
  const samples = Object.fromEntries(names.map((t) => [t, []]));
  const runs = Number(opts['noop-runs'] ?? (QUICK ? 5 : 20));
  for (let r = 0; r < runs; r++) {
    for (const name of rotate(names, r)) {
      samples[name].push(runOnce(spec(name), { logDir: RAW, label: `noop-${name}-r${r}` }));
      if (name !== 'floor') await verify(env, dbs[name] ?? dbs.pgshift, name, NOOP_FILES);
    }
    env.sample();
    log(`   round ${r + 1}/${runs}: ${names.map((t) => `${short(t)} ${fmt(samples[t].at(-1).ms)}`).join(' · ')}`);
  }
  for (const db of new Set(Object.values(dbs))) await dropDatabase(env, db);
  return names.map((name) => summarize(name, NOOP_FILES, samples, 'floor'));
}

/** 10,000 files planned (`pgshift --dry-run` on an empty database) and one 50 MB file applied. */
async function scaleRuns(env) {
  const out = [];
  log('\n== scale: 10,000 files planned');
  const many = await generate(10_000, { layouts: ['plain'] });
  try {
    const db = await freshDatabase(env);
    const spec = { argv: [NODE, PGSHIFT, '--dry-run'], env: { ...TOOLS.pgshift.cmd(context(env, many, db)).env } };
    runOnce(spec, { logDir: RAW, label: 'scale-plan-warmup' });
    const samples = [];
    for (let r = 0; r < (QUICK ? 3 : RUNS); r++) samples.push(runOnce(spec, { logDir: RAW, label: `scale-plan-r${r}` }));
    out.push({ what: '`pgshift --dry-run`, 10,000 pending files (whole process)', ms: stats(samples.map((s) => s.ms)), rssKB: stats(samples.map((s) => s.rssKB)), limitMs: 1000 });
    await dropDatabase(env, db);
  } finally {
    rmSync(many.root, { recursive: true, force: true });
  }
  if (QUICK) return out;
  log('== scale: one 50 MB migration');
  const large = await generateLarge(50 * 1024 * 1024);
  try {
    const samples = [];
    for (let r = 0; r < 3; r++) {
      const db = await freshDatabase(env);
      samples.push(runOnce(TOOLS.pgshift.cmd(context(env, large, db)), { logDir: RAW, label: `scale-large-r${r}` }));
      const c = new pg.Client({ connectionString: env.server.url(db) });
      await c.connect();
      const rows = Number((await c.query('SELECT count(*) FROM public.schema_migrations WHERE success')).rows[0].count);
      const data = Number((await c.query('SELECT count(*) FROM big_seed')).rows[0].count);
      await c.end();
      if (rows !== 1 || data !== large.rows) throw new Error(`VERIFY FAILED: 50 MB file: ${rows} history rows, ${data} data rows (expected 1, ${large.rows})`);
      await dropDatabase(env, db);
    }
    out.push({ what: `pgshift applies one ${(large.bytes / 1048576).toFixed(0)} MB migration (${large.rows.toLocaleString('en')} rows in 100-row INSERTs)`, ms: stats(samples.map((s) => s.ms)), rssKB: stats(samples.map((s) => s.rssKB)), limitKB: (3 * large.bytes) / 1024 });
  } finally {
    rmSync(large.root, { recursive: true, force: true });
  }
  return out;
}

function summarize(name, n, samples, baselineName) {
  const mine = samples[name];
  const base = baselineName ?? (SINGLE_TX.has(name) ? 'psql (single tx)' : 'psql (tx per file)');
  const baseSamples = samples[base];
  const ms = stats(mine.map((s) => s.ms));
  const row = { name, n, note: (name === 'floor' ? FLOOR : TOOLS[name]).note, ms, rssKB: stats(mine.map((s) => s.rssKB)), baseline: base };
  if (baseSamples && base !== name) {
    const b = stats(baseSamples.map((s) => s.ms));
    row.ratio = ms.median / b.median;
    row.paired = stats(mine.map((s, i) => s.ms / baseSamples[i].ms)).median;
  }
  return row;
}

function targets(results) {
  const cold = (name, n) => results.cold.find((r) => r.name === name && r.n === n);
  const noop = results.noop.find((r) => r.name === 'pgshift');
  const list = [];
  const check = (name, value, limit, unit = '×') => list.push({ name, value, limit, unit, met: value === undefined || Number.isNaN(value) ? undefined : value <= limit });
  // Ratios are judged on the paired ratio (runs seconds apart); the ratio of medians is shown too.
  const ratio = (row) => row && { value: row.paired, also: row.ratio };
  const checkRatio = (name, row, limit) => {
    check(name, ratio(row)?.value, limit);
    if (row) list[list.length - 1].also = row.ratio;
  };
  checkRatio('cold 1000 files, tx per file ≤ 1.10 × psql (tx per file)', cold('pgshift', 1000), 1.1);
  checkRatio('cold 1000 files, --single-transaction ≤ 1.10 × psql (single tx)', cold('pgshift --single-transaction', 1000), 1.1);
  checkRatio(`no-op, ${NOOP_FILES} files ≤ 1.25 × floor (node + pg + SELECT 1)`, noop, 1.25);
  check('no-op peak RSS ≤ 80 MB', noop ? noop.rssKB.max / 1024 : undefined, 80, 'MB');
  for (const s of results.scale) {
    if (s.limitMs) check('10,000 files planned < 1 s', s.ms.median / 1000, s.limitMs / 1000, 's');
    if (s.limitKB) check('50 MB migration: peak RSS ≤ 3 × its size', s.rssKB.max / 1024, s.limitKB / 1024, 'MB');
  }
  return list;
}

// --- output ------------------------------------------------------------------------------------

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const sec = (ms) => (ms / 1000).toFixed(3);
const mb = (kb) => (kb / 1024).toFixed(0);
const short = (name) => name.replace(' (tx per file)', '/f').replace(' (single tx)', '/1').replace(' --single-transaction', '/1').replace('node-pg-migrate', 'npm-m').replace('postgrator-cli', 'postgrator').replace('graphile-migrate', 'graphile');

function describeMachine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const free = spawnSync('free', ['-h'], { encoding: 'utf8' }).stdout ?? '';
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (+ uncommitted src changes)' : '';
  const node = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    cpu,
    nproc: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim(),
    mem: `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    free: free.trim(),
    node,
    commit: `${commit}${dirty}`,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    loadStart: loadAverage(),
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

function renderMarkdown(res) {
  const m = res.machine;
  const L = [];
  L.push('# pgshift benchmark results', '');
  L.push(`${m.date} · pgshift ${m.commit} · \`node bench/run.mjs${QUICK ? ' --quick' : ''}\` · ${res.runs} runs per cell (no-op: ${res.noop[0]?.ms.n ?? 0}), medians with min–max`, '');
  L.push(`Machine: ${m.cpu}, ${m.nproc} cores (nproc), ${m.mem}, Linux ${m.kernel}. Node ${m.node}. Server: ${m.server}, fsync ${m.fsync}, SCRAM-SHA-256 login over TCP (127.0.0.1); client ${m.psql}.`);
  L.push(`Load average (1 min) at start ${m.loadStart[0]}, during ${m.loadDuring.min}–${m.loadDuring.max} (median ${m.loadDuring.median.toFixed(2)}), at end ${m.loadEnd[0]}: the machine is shared, so compare ratios measured in the same run, not absolute times across runs.`, '');
  L.push('## Cold apply: N migrations into a fresh database', '');
  L.push('| N | tool | median | min – max | × baseline (ratio of medians) | paired × (median of per-round ratios) | peak RSS |');
  L.push('|--:|---|--:|--:|--:|--:|--:|');
  for (const r of res.cold) {
    const ratio = r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}× ${short(r.baseline)}`;
    L.push(`| ${r.n} | ${r.name} | ${sec(r.ms.median)} s | ${sec(r.ms.min)} – ${sec(r.ms.max)} | ${ratio} | ${r.paired === undefined ? '—' : `${r.paired.toFixed(2)}×`} | ${mb(r.rssKB.median)} MB |`);
  }
  L.push('', 'Baselines: `psql/f` = psql (tx per file), `psql/1` = psql (single tx). Tools that put all files in one transaction are compared with `psql/1`.', '');
  L.push(`## No-op: ${NOOP_FILES} files on disk, all applied (every pod start)`, '');
  L.push('| tool | median | min – max | × floor | paired × | peak RSS (median / max) |');
  L.push('|---|--:|--:|--:|--:|--:|');
  for (const r of res.noop) {
    L.push(`| ${r.name} | ${sec(r.ms.median)} s | ${sec(r.ms.min)} – ${sec(r.ms.max)} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`} | ${r.paired === undefined ? '—' : `${r.paired.toFixed(2)}×`} | ${mb(r.rssKB.median)} / ${mb(r.rssKB.max)} MB |`);
  }
  if (res.scale.length) {
    L.push('', '## Scale', '', '| what | median | min – max | peak RSS (max) |', '|---|--:|--:|--:|');
    for (const s of res.scale) L.push(`| ${s.what} | ${sec(s.ms.median)} s | ${sec(s.ms.min)} – ${sec(s.ms.max)} | ${mb(s.rssKB.max)} MB |`);
  }
  L.push('', '## Targets', '', 'Ratios: the paired ratio (median of per-round ratios, each pgshift run next to its baseline), with the ratio of medians in brackets.', '');
  L.push('| target | measured | limit | met |', '|---|--:|--:|:-:|');
  for (const t of targets(res)) {
    const also = t.also === undefined ? '' : ` (${t.also.toFixed(2)}×)`;
    const v = t.value === undefined ? 'not measured' : t.unit === '×' ? `${t.value.toFixed(2)}×${also}` : `${t.value.toFixed(1)} ${t.unit}`;
    L.push(`| ${t.name} | ${v} | ${t.unit === '×' ? `${t.limit}×` : `${t.limit.toFixed(1)} ${t.unit}`} | ${t.met === undefined ? '—' : t.met ? 'yes' : '**no**'} |`);
  }
  L.push('', '## What each row runs', '');
  for (const [name, t] of [['floor', FLOOR], ...Object.entries(TOOLS)]) L.push(`- **${name}**: ${t.note}.`);
  L.push('- Every run gets a fresh database (`CREATE DATABASE`, untimed) and is checked afterwards: the tool\'s history table must hold exactly N rows and the N-th migration\'s tables must exist, or the benchmark stops.');
  L.push('- Times are wall-clock around the whole process (start-up, login, work, exit); peak RSS is GNU time\'s maximum resident set size of the process (psql\'s, not the server\'s).');
  L.push('');
  return L.join('\n');
}

await main();
