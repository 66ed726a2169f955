#!/usr/bin/env node
// The cold apply measured in CPU seconds, which a busy shared machine disturbs far less than
// wall-clock time: the client's (user + system, from GNU time) and the server's (the backend's,
// counted into the postmaster's reaped-children times when it exits). Compares pgshift builds with
// each other and with psql on the same files, in both transaction modes.
//
//   node bench/cpu.mjs [--n 1000] [--rounds 3] [--pgshift LABEL=path/to/pgshift.mjs ...]
//
// Without --pgshift: this checkout's dist/pgshift.mjs. Prints a markdown table (medians).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate } from './lib/generate.mjs';
import { startServer } from './lib/server.mjs';
import { PGSHIFT, TOOLS } from './lib/tools.mjs';

const { values: opts } = parseArgs({ options: { n: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' }, pgshift: { type: 'string', multiple: true } } });
const N = Number(opts.n);
const ROUNDS = Number(opts.rounds);
const BUILDS = (opts.pgshift ?? [`this=${PGSHIFT}`]).map((s) => s.split('='));
const TICKS = 100;

/** The postmaster's own and reaped children's CPU seconds (utime, stime, cutime, cstime). */
function serverCpu(dataDir) {
  const pid = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return fields.slice(11, 15).reduce((a, b) => a + Number(b), 0) / TICKS;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const server = await startServer();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const set = await generate(N, { layouts: ['plain'] });
  const contenders = [
    ['psql (tx per file)', TOOLS['psql (tx per file)'], undefined],
    ['psql (single tx)', TOOLS['psql (single tx)'], undefined],
    ...BUILDS.flatMap(([label, path]) => [
      [`pgshift ${label}`, TOOLS.pgshift, path],
      [`pgshift ${label} --single-transaction`, TOOLS['pgshift --single-transaction'], path],
    ]),
  ];
  const samples = new Map(contenders.map(([name]) => [name, []]));
  const scripts = new Set();
  let k = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, tool, path] of contenders) {
        const db = `cpu_${k++}`;
        await admin.query(`CREATE DATABASE ${db}`);
        const { argv, env } = tool.cmd({ port: server.port, db, url: server.url(db), set, node: process.execPath, scripts });
        if (path) argv[1] = path;
        const before = serverCpu(join(server.dir, 'data'));
        const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', ...argv], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
        if (run.status !== 0) throw new Error(`${name} failed (${run.status}): ${run.stderr.slice(-2000)}`);
        // The backend is reaped by the postmaster shortly after the client leaves.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const server_ = serverCpu(join(server.dir, 'data')) - before;
        const [, wall, user, sys] = /TIME (\S+) (\S+) (\S+)\s*$/.exec(run.stderr);
        const check = new pg.Client({ connectionString: server.url(db) });
        await check.connect();
        const rows = Number((await check.query(tool.count)).rows[0].count);
        await check.end();
        if (rows !== N) throw new Error(`${name}: ${rows} history rows, expected ${N}`);
        samples.get(name).push({ wall: Number(wall), client: Number(user) + Number(sys), server: server_ });
        await admin.query(`DROP DATABASE ${db}`);
        process.stderr.write(`round ${r + 1} ${name}: wall ${wall} s, client ${(Number(user) + Number(sys)).toFixed(2)} s, server ${server_.toFixed(2)} s\n`);
      }
    }
  } finally {
    await admin.end();
    await server.stop();
    rmSync(set.root, { recursive: true, force: true });
  }
  const lines = [`| N = ${N}, ${ROUNDS} rounds, medians | wall | client CPU | server CPU | client + server CPU | × psql (CPU) |`, '|---|--:|--:|--:|--:|--:|'];
  const total = (name) => median(samples.get(name).map((s) => s.client + s.server));
  for (const [name] of contenders) {
    const s = samples.get(name);
    const base = name.includes('single') ? 'psql (single tx)' : 'psql (tx per file)';
    const ratio = name.startsWith('psql') ? '—' : `${(total(name) / total(base)).toFixed(2)}×`;
    lines.push(`| ${name} | ${median(s.map((x) => x.wall)).toFixed(2)} s | ${median(s.map((x) => x.client)).toFixed(2)} s | ${median(s.map((x) => x.server)).toFixed(2)} s | ${total(name).toFixed(2)} s | ${ratio} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
