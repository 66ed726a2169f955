// Which names are migrations, their versions, and the order pgshift applies them in.

import type { MigrationFile } from '../types.js';

/**
 * `20251019120000_name.sql`, `20251019_name.sql` (recommended), `0002_name.sql` (legacy). A version
 * may hold dashes (`2020-01-01-000000_name`, as diesel names them).
 */
export const NAME = /^(\d(?:[\d-]*\d)?)_(.+)\.sql$/;
/** Flyway's versioned files: `V1__name.sql`, `V1.2__name.sql`, `V1_2__name.sql` (version 1.2). */
export const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
/**
 * postgrator's `001.do.name.sql` (version 1) and graphile-migrate's committed `000001.sql` and
 * `000002-message.sql` (version 000001): the version is the digits before the first dot or dash.
 */
export const DOTTED = /^(\d+)(?:\.do(?:\..*)?|-[-\w]*)?\.sql$/;
const POSTGRATOR = /^\d+\.do(?:\..*)?\.sql$/;
/** Flyway's repeatable files (`R__name.sql`): run again whenever they change, which pgshift does not do. */
export const REPEATABLE = /^R__.+\.sql$/;
/** golang-migrate's rollback files, Flyway's undo files (`U1__name.sql`), postgrator's `001.undo.name.sql`: pgshift applies forward only. */
export const DOWN = /\.down\.sql$|^U\d+(?:[._]\d+)*__.+\.sql$|^\d+\.undo\./;
/**
 * The version of a name as the history table stores it: `0003_x.sql`, Flyway's `V1_2__x.sql` (1.2),
 * or for a folder per migration `<version>_<name>/up.sql`; undefined for a name that carries none.
 */
export function versionOf(stored: string): string | undefined {
  const slash = stored.indexOf('/');
  const versioned = slash < 0 ? stored : `${stored.slice(0, slash)}.sql`;
  return versionIn(versioned);
}

/** The version a file name (or a folder's name plus `.sql`) carries, in any of the layouts above. */
export function versionIn(versioned: string): string | undefined {
  const flyway = FLYWAY.exec(versioned);
  return flyway ? flyway[1]!.replace(/_/g, '.') : (NAME.exec(versioned) ?? DOTTED.exec(versioned))?.[1];
}
/** A folder per migration, as Prisma (`<version>_<name>/migration.sql`) and diesel (`…/up.sql`) lay them out. */
export const MIGRATION_DIR = /^\d(?:[\d-]*\d)?_[^/\\]+$/;
export const DIR_FILES = ['migration.sql', 'up.sql'];
export const MAX_NAME_BYTES = 255; // the history table's VARCHAR(255)

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

/**
 * A name that looks like a migration's but is not read: `.SQL`, or whitespace after `.sql`. Warned
 * about, not read: the tools these folders come from (Flyway, dbmate, goose, Prisma) pass over them
 * too on Linux, and reading one would apply a file the rest of the team never saw run.
 */
export const LOOKALIKE = /^\d[\d-]*_.*\.sql\s*$/i;

export function notRead(name: string, renamed: string): string {
  const why = name.trim() !== name ? 'its name ends in whitespace' : !name.endsWith('.sql') ? 'its extension is not lower-case .sql' : 'a migration folder holds migration.sql or up.sql, in lower case';
  return `${JSON.stringify(name)}: looks like a migration but is not read (${why}); rename it to ${JSON.stringify(renamed)} to apply it`;
}

/**
 * pgshift applies files in name order; Flyway and postgrator in version order (`V2__` before
 * `V10__`, `2.do.` before `10.do.`). Where the two differ the folder is refused rather than applied
 * in an order its author did not mean.
 */
export function versionOrders(files: MigrationFile[]): string[] {
  return [
    ...versionOrder(files, FLYWAY, FLYWAY_ORDER),
    ...versionOrder(files, POSTGRATOR, POSTGRATOR_ORDER),
    ...oneNumber(files, FLYWAY, 'Flyway'),
    ...oneNumber(files, POSTGRATOR, 'postgrator'),
  ];
}

/**
 * Two names whose versions are written apart but are one number to the tool that reads them
 * (`1.do.` and `001.do.` for postgrator, `V1__` and `V1_0__` for Flyway): that tool's history has
 * one row for both, so importing it would record both files as applied. Spelt the same, the
 * duplicate is duplicateVersions' to report.
 */
function oneNumber(files: MigrationFile[], pattern: RegExp, tool: string): string[] {
  const seen = new Map<string, MigrationFile>();
  const problems: string[] = [];
  for (const f of files) {
    if (!pattern.test(f.name)) continue;
    const number = f.version.split('.').map((part) => BigInt(part).toString()).join('.').replace(/(\.0)+$/, '');
    const other = seen.get(number);
    if (other && other.version !== f.version) problems.push(`${other.name} and ${f.name}: one version to ${tool}, which reads both as ${number}; give one a version of its own`);
    else if (!other) seen.set(number, f);
  }
  return problems;
}

function versionOrder(files: MigrationFile[], pattern: RegExp, advice: (a: string, b: string) => string): string[] {
  const theirs = files.filter((f) => pattern.test(f.name));
  for (let i = 1; i < theirs.length; i++) {
    const [a, b] = [theirs[i - 1]!, theirs[i]!];
    if (compareVersions(a.version, b.version) > 0) return [advice(a.name, b.name)];
  }
  return [];
}

const FLYWAY_ORDER = (a: string, b: string) =>
  `${a} sorts before ${b} by name but after it by Flyway's version, and pgshift applies files in name order: rename the files so their names sort in version order without changing their versions (V1__ → V1_0__ next to V1_1__; V2__ → V002__ next to V010__: Flyway reads V1_0 as 1 and V002 as 2, so its history still matches)`;
const POSTGRATOR_ORDER = (a: string, b: string) =>
  `${a} sorts before ${b} by name but after it by postgrator's version, and pgshift applies files in name order: pad the versions with zeros so names sort in version order (2.do.x.sql → 002.do.x.sql next to 010.do.y.sql: postgrator reads 002 as 2, so its history still matches)`;

/** Flyway's version order: dot-separated numbers, compared as numbers (`1.10` after `1.9`; `1.0` equals `1`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(BigInt);
  const pb = b.split('.').map(BigInt);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? 0n, pb[i] ?? 0n];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function duplicateVersions(files: MigrationFile[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const f of files) {
    const other = seen.get(f.version);
    if (other) problems.push(`${other} and ${f.name}: two files with version ${f.version}; rename one (e.g. with \`pgshift create\`)`);
    else seen.set(f.version, f.name);
  }
  return problems;
}
