// libpq's password file (https://www.postgresql.org/docs/current/libpq-pgpass.html): PGPASSFILE, or
// ~/.pgpass, read only when no password is set. Read here rather than by pg — pg's own reading is
// deprecated (a warning on stderr each run) and its password would escape the output scrubber.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

export type PassFileRead = { text: string } | { warning: string } | undefined;

/** Socket folders libpq treats as "localhost" in the file (upstream's default and Debian's). */
const DEFAULT_SOCKET_DIRS = new Set(['/tmp', '/var/run/postgresql', '/run/postgresql']);

export function passFilePath(env: Record<string, string | undefined>): string | undefined {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  const home = env.HOME || safeHomedir();
  return home ? join(home, '.pgpass') : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** As libpq: a missing or unreadable file is skipped quietly; one that is not a plain file, or that others may read, with a warning. */
export function readPassFile(path: string): PassFileRead {
  try {
    const s = statSync(path);
    if (!s.isFile()) return { warning: `password file ${path} is not a plain file; ignored` };
    if (s.mode & 0o077) return { warning: `password file ${path} has group or world access; ignored (permissions should be u=rw, 0600, or less)` };
    return { text: readFileSync(path, 'utf8') };
  } catch {
    return undefined;
  }
}

/** The password of the first line that matches, as libpq reads the file. */
export function lookupPassword(text: string, target: PassTarget): string | undefined {
  const socket = target.host.startsWith('/');
  const host = socket && DEFAULT_SOCKET_DIRS.has(target.host.replace(/(.)\/+$/, '$1')) ? 'localhost' : target.host;
  const wanted = [host, String(target.port), target.database, target.user];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((value, i) => fields[i]!.raw === '*' || fields[i]!.value === value)) return fields[4]!.value;
  }
  return undefined;
}

/**
 * host:port:database:user:password, split at each `:` that no `\` escapes. A field that is exactly
 * `*` matches anything (`\*` is a star); the password ends at the next unescaped `:`.
 */
function splitFields(line: string): Array<{ value: string; raw: string }> {
  const fields: Array<{ value: string; raw: string }> = [];
  let value = '';
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) value += line[++i];
    else if (ch === ':') {
      fields.push({ value, raw: line.slice(start, i) });
      value = '';
      start = i + 1;
    } else value += ch;
  }
  fields.push({ value, raw: line.slice(start) });
  return fields;
}
