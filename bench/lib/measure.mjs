// Running one contender once: wall time (measured here, around the child) and peak RSS (GNU time's
// %M, the child's maximum resident set size), with its output kept in a log file for post-mortems.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export function checkPrerequisites(psql) {
  const missing = [];
  if (!existsSync(GNU_TIME)) missing.push(`${GNU_TIME} (Debian package \`time\`: apt-get install time)`);
  if (!existsSync(psql)) missing.push(`${psql} (a PostgreSQL client: apt-get install postgresql-client; or set PSQL)`);
  if (missing.length) throw new Error(`missing: ${missing.join('; ')}`);
}

/**
 * Runs { argv, env, cwd } to completion. Returns { ms, rssKB }; throws (with the log's tail) on a
 * non-zero exit, because a failed run must never be reported as a fast one.
 */
export function runOnce(spec, { logDir, label }) {
  const log = join(logDir, `${label.replace(/[^a-z0-9]+/gi, '_')}.log`);
  const rssFile = `${log}.rss`;
  const fd = openSync(log, 'w');
  const argv = [GNU_TIME, '-f', '%M', '-o', rssFile, ...spec.argv];
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: spec.env, cwd: spec.cwd, stdio: ['ignore', fd, fd], maxBuffer: 0 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  closeSync(fd);
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const tail = readFileSync(log, 'utf8').split('\n').slice(-25).join('\n');
    throw new Error(`${label} exited ${r.status ?? r.signal}; last lines of ${log}:\n${tail}`);
  }
  const rssKB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { ms, rssKB };
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [NaN, NaN, NaN];
  }
}
