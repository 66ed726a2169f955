// Applies files the way the hand-run routine did: psql, one file after another (each statement in
// autocommit unless the file says otherwise). The reference pgshift's results are compared with.
import { execFileSync, spawnSync } from 'node:child_process';

export function psqlAvailable(): boolean {
  return spawnSync('psql', ['--version']).status === 0;
}

export function psqlFile(url: string, path: string): void {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', path], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
}
