// Applies files the way the hand-run routine did: psql, one file after another (each statement in
// autocommit unless the file says otherwise). The reference pgshift's results are compared with.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export function psqlAvailable(): boolean {
  return spawnSync('psql', ['--version']).status === 0;
}

/**
 * Runs one file with psql. A leading UTF-8 BOM is dropped first: psql sends it to the server, where
 * PostgreSQL before 16 rejects it as a syntax error — one of the things pgshift handles and the
 * hand-run routine did not; the comparison is about the resulting schema.
 */
export function psqlFile(url: string, path: string): void {
  const bytes = readFileSync(path);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const file = bom ? join(mkdtempSync(join(tmpdir(), 'pgshift-psql-')), basename(path)) : path;
  if (bom) writeFileSync(file, bytes.subarray(3));
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
}
