// Secrets: `*_FILE` variables (mounted secrets), and every form of a password, so that output can be
// scrubbed of it as a last line of defence.
import type { Env, Problems } from './fields.js';
import type { ConnectionSettings } from './types.js';

type ReadFile = (path: string) => string;

/** `NAME` or `NAME_FILE` (a mounted secret; one trailing newline trimmed). Both set is an error. */
export function secretVar(env: Env, name: string, readFile: ReadFile, problems: Problems): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) {
    problems.push(`${name} and ${name}_FILE: both are set; set only one`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    return readFile(file).replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    problems.push(`${name}_FILE: cannot read ${file} (${code})`);
    return undefined;
  }
}

/** The password in every form it was given: as used, URL-encoded, and as written in DATABASE_URL. */
export function secretsOf(c: ConnectionSettings, env: Env): string[] {
  const found = [...secretsFromEnv(env)];
  if (c.password) found.push(c.password, encodeURIComponent(c.password));
  return [...new Set(found)].filter((s) => s.length >= 3);
}

/**
 * Secrets straight from the environment, also for scrubbing output when the configuration itself is
 * invalid (so no Config exists yet). A URL's password is read generously, from the first `:` after
 * `//`, as written and decoded: a password holding an unencoded `/` or `@` is then still known
 * whole, whatever a URL parser makes of it.
 */
export function secretsFromEnv(env: Env): string[] {
  const found = [env.POSTGRES_PASSWORD, env.PGPASSWORD];
  const url = env.DATABASE_URL;
  if (url) {
    found.push(url);
    // To the first `@` (libpq's reading) and to the last (a password holding an unencoded `@`).
    for (const userinfo of [/^[a-z][a-z0-9+.-]*:\/\/[^@/:]*:([^@]*)@/is, /^[a-z][a-z0-9+.-]*:\/\/[^@/:]*:(.*)@/is]) {
      const written = userinfo.exec(url)?.[1];
      if (written) found.push(written, decodeOrSelf(written));
    }
  }
  return found.filter((s): s is string => typeof s === 'string' && s.length >= 3);
}

function decodeOrSelf(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
