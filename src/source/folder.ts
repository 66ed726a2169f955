// The folder's entries: which are migration files (or folders holding one), which are passed over.

import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { sqitchMigrations } from '../tools/sqitch-plan.js';
import { DIR_FILES, DOWN, LOOKALIKE, MIGRATION_DIR, notRead, REPEATABLE } from './names.js';

/** A migration found in the folder: its name in the history table, its path, and what carries its version. */
export interface Candidate {
  name: string;
  path: string;
  /** The file name, or for a folder-per-migration layout the folder's name plus `.sql`. */
  versioned: string;
}

export function listCandidates(dir: string, problems: string[], warnings: string[], ignored: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  // join(dir, name) for every entry would normalize the same folder again each time.
  const base = join(dir, sep);
  let sqitch = false;
  for (const entry of readDir(dir)) {
    const path = base + entry.name;
    const kind = kindOf(entry, path);
    // A sqitch project: its plan says what is applied, in which order (tools/sqitch-plan.ts).
    if (entry.name === 'sqitch.plan' && kind === 'file') sqitch = true;
    if (kind === 'broken') problems.push(`${entry.name}: cannot be read (a dangling symlink?)`);
    else if (entry.name.endsWith('.sql') && DOWN.test(entry.name)) ignored.push(entry.name);
    else if (REPEATABLE.test(entry.name)) problems.push(`${entry.name}: a Flyway repeatable migration (R__), which pgshift does not support yet: apply its current content in a new versioned file if it changed, then remove it from MIGRATIONS_DIR`);
    else if (entry.name.endsWith('.sql') && kind === 'file') candidates.push({ name: entry.name, path, versioned: entry.name });
    else if (entry.name.endsWith('.sql')) warnings.push(`${entry.name}: not a regular file; ignored (subfolders are not read)`);
    else if (kind === 'dir' && MIGRATION_DIR.test(entry.name)) candidates.push(...fromMigrationDir(entry.name, path, warnings));
    else if (kind === 'file' && LOOKALIKE.test(entry.name)) warnings.push(notRead(entry.name, entry.name.trim().replace(/\.sql$/i, '.sql')));
  }
  if (!sqitch) return candidates;
  for (const c of candidates) problems.push(`${c.name}: beside sqitch.plan, where pgshift applies the plan's changes only: add it as a change (\`sqitch add\`), or move it out`);
  return sqitchMigrations(dir, problems);
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code})`;
    throw new ConfigError([`MIGRATIONS_DIR: ${dir} ${why}`]);
  }
}

/** Follows symlinks: Kubernetes ConfigMap volumes present every file as one. */
function kindOf(entry: Dirent, path: string): 'file' | 'dir' | 'other' | 'broken' {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const target = statSync(path);
    return target.isFile() ? 'file' : target.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'broken';
  }
}

/** `<version>_<name>/migration.sql` (Prisma) or `<version>_<name>/up.sql` (diesel); down.sql is a rollback. */
function fromMigrationDir(dirName: string, path: string, warnings: string[]): Candidate[] {
  const found = DIR_FILES.filter((f) => {
    try {
      return statSync(join(path, f)).isFile();
    } catch {
      return false;
    }
  });
  if (found.length === 1) return [{ name: `${dirName}/${found[0]}`, path: join(path, found[0]!), versioned: `${dirName}.sql` }];
  if (found.length > 1) warnings.push(`${dirName}/: holds both migration.sql and up.sql; ignored — keep one`);
  else for (const other of lookalikesIn(path)) warnings.push(notRead(`${dirName}/${other}`, `${dirName}/${other.trim().toLowerCase()}`));
  return [];
}

/** `Migration.sql`, `UP.SQL`, `migration.sql ` in a migration's folder that holds neither file: names Prisma and diesel would not read either. */
function lookalikesIn(path: string): string[] {
  try {
    return readdirSync(path).filter((f) => DIR_FILES.includes(f.trim().toLowerCase()));
  } catch {
    return [];
  }
}
