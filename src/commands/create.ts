// `create NAME`: a new file from the template, with a version no other file (or concurrent `create`) has.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../abort.js';
import { SourceError } from '../errors.js';
import type { Context } from './context.js';
import type { CreateResult } from './results.js';

const TEMPLATE = `-- Migration: %NAME%
-- Created: %DATE% (UTC)
--
-- The whole file and its history row run in one transaction; a failure rolls all of it back.
-- Statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, …) are
-- detected and the file then runs statement by statement. To force that, put this on a line of
-- its own among these leading comments:
--   -- pgshift:no-transaction
-- Never edit a migration after it was applied: write a new one.

`;

export async function create(ctx: Context): Promise<CreateResult> {
  const slug = slugify(ctx.args.name ?? '');
  if (!slug) throw new SourceError(`cannot make a file name of ${JSON.stringify(ctx.args.name)}: use letters and digits, e.g. add_user_preferences`);
  const dir = ctx.config.migrationsDir;
  ensureFolder(ctx, dir);
  const now = new Date();
  const body = TEMPLATE.replace('%NAME%', slug).replace('%DATE%', now.toISOString().slice(0, 19).replace('T', ' '));
  // Another `create` may pick the same version at the same moment: a file that finds another with
  // its version after writing gives way (both may, when they wrote at once) and tries the next one.
  let after = now.getTime() - 1000;
  for (let attempt = 1; ; attempt++) {
    const version = nextVersion(dir, after);
    const name = `${version}_${slug}.sql`;
    const path = join(dir, name);
    try {
      writeFileSync(path, body, { flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(code === 'EEXIST' ? `${path} already exists; not overwritten` : `cannot write ${path} (${code}); check that MIGRATIONS_DIR is a writable folder`, { cause: err });
    }
    if (!stampedEntries(dir).some((e) => e.startsWith(`${version}_`) && e !== name)) {
      ctx.log.info({ event: 'create', path }, `created ${path}`);
      return { command: 'create', file: name, path };
    }
    rmSync(path, { force: true });
    if (attempt >= 20) throw new SourceError(`cannot find a free version in ${dir}: other \`pgshift create\` runs keep taking the same one; run it again`);
    after = versionTime(version)!;
    await sleep(Math.random() * 50 * attempt, ctx.signal);
  }
}

function ensureFolder(ctx: Context, dir: string): void {
  try {
    if (mkdirSync(dir, { recursive: true }) !== undefined) ctx.log.info({ event: 'create.folder', dir }, `created the folder ${dir} (MIGRATIONS_DIR)`);
  } catch (err) {
    throw new SourceError(`cannot create the folder ${dir} (${(err as NodeJS.ErrnoException).code}); set MIGRATIONS_DIR to a writable folder`, { cause: err });
  }
}

/**
 * A version (UTC YYYYMMDDHHMMSS) later than `after` (ms) and than every version of that shape
 * already in the folder: the current second, or the second after the newest one when that is taken.
 */
function nextVersion(dir: string, after: number): string {
  let newest = after;
  for (const entry of stampedEntries(dir)) newest = Math.max(newest, versionTime(entry.slice(0, 14)) ?? newest);
  const next = Math.max(Math.floor(Date.now() / 1000) * 1000, Math.floor(newest / 1000) * 1000 + 1000);
  return new Date(next).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Names in the folder that start with a 14-digit version (files, and folders of other tools' layouts). */
function stampedEntries(dir: string): string[] {
  return readdirSync(dir).filter((e) => /^\d{14}_/.test(e));
}

/** The UTC time a 14-digit version stands for; undefined for one that is no real time. */
function versionTime(version: string): number | undefined {
  const [y, mo, d, h, mi, s] = [version.slice(0, 4), version.slice(4, 6), version.slice(6, 8), version.slice(8, 10), version.slice(10, 12), version.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14) === version ? time : undefined;
}

function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
}
