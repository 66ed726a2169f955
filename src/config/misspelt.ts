// A variable that is not a setting but one slip away from one: a setting the user meant and pgshift
// would otherwise ignore without a word.
import { FLEET_SETTINGS } from '../fleet/settings.js';
import { SPEC } from './spec.js';

type Env = Record<string, string | undefined>;

/** Every variable pgshift reads, for the warning about a misspelt one. */
const SETTINGS = [
  ...Object.keys(SPEC),
  'DATABASE_URL', 'DATABASE_URL_FILE', 'POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB',
  'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGCHANNELBINDING', 'PGCONNECT_TIMEOUT', 'PGPASSFILE',
  'PGOPTIONS', 'PGAPPNAME', 'PGTARGETSESSIONATTRS',
  'NO_COLOR', 'FORCE_COLOR', 'TERMINATION_LOG',
  ...FLEET_SETTINGS,
];

/**
 * A variable that is not a setting but one slip away from one (`MIGRATION_SCHEMA`, `DATABSE_URL`,
 * `MIGRATIONS_DIRECTORY`): a setting the user meant and pgshift would otherwise ignore without a word.
 * Short names need a closer match, so that `USER` is not taken for `PGUSER`.
 */
export function misspelt(env: Env): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (SETTING_SET.has(name)) continue;
    const upper = name.toUpperCase();
    // A slip rarely touches both ends of a name: only settings sharing its first or last two letters are compared.
    const candidates = [...(BY_START.get(upper.slice(0, 2)) ?? []), ...(BY_END.get(upper.slice(-2)) ?? [])];
    const meant = candidates.find((s) => nearName(upper, s));
    if (meant) warnings.push(`${name} is not a pgshift setting and is ignored; did you mean ${meant}?`);
  }
  return warnings;
}

const SETTING_SET = new Set(SETTINGS);
const BY_START = groupBy(SETTINGS, (s) => s.slice(0, 2));
const BY_END = groupBy(SETTINGS, (s) => s.slice(-2));

function groupBy(names: string[], key: (name: string) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const n of names) groups.set(key(n), [...(groups.get(key(n)) ?? []), n]);
  return groups;
}

function nearName(name: string, setting: string): boolean {
  if (name === setting) return true;
  if (Math.min(name.length, setting.length) < 6) return false;
  const allowed = setting.length < 10 ? 1 : 2;
  if (Math.abs(name.length - setting.length) <= allowed && editDistance(name, setting) <= allowed) return true;
  // A word of the setting written out longer: MIGRATIONS_DIRECTORY for MIGRATIONS_DIR.
  const a = name.split('_');
  const b = setting.split('_');
  return a.length === b.length && a.every((word, i) => word === b[i] || (b[i]!.length >= 3 && word.startsWith(b[i]!)));
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
