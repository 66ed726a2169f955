// Durations as settings take them: `500ms`, `30s`, `10m`, `1h`, and libpq's whole seconds.
import { EnvError } from 'envalid';

/**
 * The longest duration any setting takes: PostgreSQL's lock_timeout and statement_timeout are
 * int milliseconds, and Node's timers fire at once beyond it.
 */
const MAX_DURATION_MS = 2_147_483_647;

export function parseDuration(input: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(input.trim());
  if (input.trim() === '0') return 0;
  if (!m) throw new EnvError('must be a duration such as 500ms, 30s, 10m or 1h');
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * factor);
  if (ms > MAX_DURATION_MS) throw new EnvError(`must be at most ${MAX_DURATION_MS}ms (about 596h), the most PostgreSQL's lock_timeout and Node's timers take`);
  return ms;
}

/** libpq's connect_timeout in milliseconds: whole seconds, at least 2; zero or negative: no bound. */
export function secondsOf(raw: string | undefined, name: string, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name}: must be a whole number of seconds`);
    return undefined;
  }
  const s = Number(raw);
  if (s * 1000 > MAX_DURATION_MS) {
    problems.push(`${name}: must be at most ${Math.floor(MAX_DURATION_MS / 1000)} seconds`);
    return undefined;
  }
  // libpq: zero or negative means wait indefinitely; values under 2 s are raised to 2 s.
  return s <= 0 ? undefined : Math.max(2, s) * 1000;
}
