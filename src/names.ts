// Migration file names: their versions and their order. Pure (the planner and the loader share it).

/**
 * `20251019120000_name.sql`, `20251019_name.sql` (recommended), `0002_name.sql` (legacy). A version
 * may hold dashes (`2020-01-01-000000_name`, as diesel names them).
 */
export const NAME = /^(\d(?:[\d-]*\d)?)_(.+)\.sql$/;
/** Flyway's versioned files: `V1__name.sql`, `V1.2__name.sql`, `V1_2__name.sql` (version 1.2). */
export const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;

/**
 * The version of a name as the history table stores it: `0003_x.sql`, Flyway's `V1_2__x.sql` (1.2),
 * or for a folder per migration `<version>_<name>/up.sql`; undefined for a name that carries none.
 */
export function versionOf(stored: string): string | undefined {
  const slash = stored.indexOf('/');
  const versioned = slash < 0 ? stored : `${stored.slice(0, slash)}.sql`;
  const flyway = FLYWAY.exec(versioned);
  return flyway ? flyway[1]!.replace(/_/g, '.') : NAME.exec(versioned)?.[1];
}
/** Plain filename order, compared as bytes (`0002_…` < `0003_…` < `003_…` < `20251018_…`). */
export function byName(a: string, b: string): number {
  // UTF-16 code units sort like UTF-8 bytes unless both differing units are ≥ 0xD800 (a surrogate
  // against U+E000–U+FFFF sorts the other way); only then are the bytes compared. Sorting 10,000
  // names would otherwise encode every name afresh at every comparison.
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
