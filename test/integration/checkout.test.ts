// In pgshift's own checkout the docs say `npm run pgshift -- …` (or `node dist/pgshift.mjs …`)
// instead of `npx pgshift`, which walks node_modules first: the script must run the built CLI and
// pass its exit code through.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, ROOT } from '../helpers/cli.js';

function npmRun(args: string[]) {
  return collect(spawn('npm', ['run', '--silent', 'pgshift', '--', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, TERMINATION_LOG: '' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('npm run pgshift in the checkout', () => {
  it('runs the built CLI', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await npmRun(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(version);
  });

  it("passes pgshift's exit code through (wrong usage: 2)", async () => {
    const r = await npmRun(['--list', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('--list');
  });
});
