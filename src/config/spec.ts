// The environment variables pgshift reads besides the connection, as envalid validators.
import { EnvError, makeExactValidator } from 'envalid';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import type { LogFormat, LogLevel } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_LENGTH = 63;

const duration = makeExactValidator<number>(parseDuration);

/**
 * PostgreSQL's rule for identifiers: unquoted, a name folds to lower case (`KB` is `kb`); in double
 * quotes it is kept as written (`"KB"`). Either way only letters, digits and _ are accepted.
 */
const identifier = makeExactValidator<string>((input) => {
  const quoted = /^"(.*)"$/s.exec(input);
  const name = quoted ? quoted[1]! : input;
  if (name.length > MAX_IDENTIFIER_LENGTH) throw new EnvError(`must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  if (!IDENTIFIER.test(name)) throw new EnvError('must be a plain identifier: letters, digits and _, not starting with a digit');
  return quoted ? name : name.toLowerCase();
});

const count = makeExactValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim())) throw new EnvError('must be a whole number (0 or more)');
  return Number(input.trim());
});

function oneOf<T extends string>(allowed: readonly T[]) {
  return makeExactValidator<T>((input) => {
    const v = input.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) throw new EnvError(`must be one of: ${allowed.join(', ')}`);
    return v as T;
  });
}

const text = makeExactValidator<string>((input) => input);

const size = makeExactValidator<number>(parseSize);

export const SPEC = {
  MIGRATIONS_DIR: text({ default: './migrations' }),
  MIGRATIONS_SCHEMA: identifier({ default: 'public' }),
  MIGRATIONS_TABLE: identifier({ default: 'schema_migrations' }),
  DB_WAIT_TIMEOUT: duration({ default: 60_000 }),
  LOCK_TIMEOUT: duration({ default: 600_000 }),
  AWAIT_TIMEOUT: duration({ default: 600_000 }),
  MIGRATION_LOCK_TIMEOUT: duration({ default: undefined }),
  MIGRATION_LOCK_RETRIES: count({ default: 3 }),
  LOG_LEVEL: oneOf<LogLevel>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])({ default: 'info' }),
  LOG_FORMAT: oneOf<LogFormat>(['text', 'json', 'auto'])({ default: 'auto' }),
  HISTORY: oneOf<'found' | 'new'>(['found', 'new'])({ default: 'found' }),
  LINT: oneOf<'off' | 'warn' | 'refuse'>(['off', 'warn', 'refuse'])({ default: 'off' }),
  LINT_LARGE_TABLE_ROWS: count({ default: 100_000 }),
  LINT_LARGE_TABLE_SIZE: size({ default: 100 << 20 }),
};
