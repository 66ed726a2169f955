// Reading MIGRATIONS_DIR: which files are migrations, their versions, normalized text, checksums and
// transaction modes, and everything that must stop the run before anything is applied.
import { isUtf8 } from 'node:buffer';
import { createHash, hash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { ConfigError, SourceError } from './errors.js';
import { hasDownPart, upPart } from './annotations.js';
import { sqitchMigrations } from './tools/sqitch-plan.js';
import { analyzeChunks, analyzeSql, countCharacters, PART_CHARS, splitPart, sqlParts, startingStrings, type FileAnalysis, type SqlAnalysis } from './statements.js';
import type { MigrationFile, SqlPart } from './types.js';

/**
 * `20251019120000_name.sql`, `20251019_name.sql` (recommended), `0002_name.sql` (legacy). A version
 * may hold dashes (`2020-01-01-000000_name`, as diesel names them).
 */
const NAME = /^(\d(?:[\d-]*\d)?)_(.+)\.sql$/;
/** Flyway's versioned files: `V1__name.sql`, `V1.2__name.sql`, `V1_2__name.sql` (version 1.2). */
const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
/**
 * postgrator's `001.do.name.sql` (version 1) and graphile-migrate's committed `000001.sql` and
 * `000002-message.sql` (version 000001): the version is the digits before the first dot or dash.
 */
const DOTTED = /^(\d+)(?:\.do(?:\..*)?|-[-\w]*)?\.sql$/;
const POSTGRATOR = /^\d+\.do(?:\..*)?\.sql$/;
/** Flyway's repeatable files (`R__name.sql`): run again whenever they change, which pgshift does not do. */
const REPEATABLE = /^R__.+\.sql$/;
/** golang-migrate's rollback files, Flyway's undo files (`U1__name.sql`), postgrator's `001.undo.name.sql`: pgshift applies forward only. */
const DOWN = /\.down\.sql$|^U\d+(?:[._]\d+)*__.+\.sql$|^\d+\.undo\./;
/**
 * The version of a name as the history table stores it: `0003_x.sql`, Flyway's `V1_2__x.sql` (1.2),
 * or for a folder per migration `<version>_<name>/up.sql`; undefined for a name that carries none.
 */
export function versionOf(stored: string): string | undefined {
  const slash = stored.indexOf('/');
  const versioned = slash < 0 ? stored : `${stored.slice(0, slash)}.sql`;
  return versionIn(versioned);
}

function versionIn(versioned: string): string | undefined {
  const flyway = FLYWAY.exec(versioned);
  return flyway ? flyway[1]!.replace(/_/g, '.') : (NAME.exec(versioned) ?? DOTTED.exec(versioned))?.[1];
}
/** A folder per migration, as Prisma (`<version>_<name>/migration.sql`) and diesel (`…/up.sql`) lay them out. */
const MIGRATION_DIR = /^\d(?:[\d-]*\d)?_[^/\\]+$/;
const DIR_FILES = ['migration.sql', 'up.sql'];
const MAX_NAME_BYTES = 255; // the history table's VARCHAR(255)
const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * A file larger than this is never held in memory whole: it is read in chunks for its checksums,
 * lexed part by part when its mode is first needed, and read again part by part while it is applied.
 */
export const LARGE_FILE_BYTES = 4 << 20;
/**
 * How much of a file is read at once. Most migrations are smaller: one read into this shared buffer
 * holds them whole, without asking the file's size first (three system calls per file, not four).
 */
const CHUNK_BYTES = 64 << 10;
const readBuffer = Buffer.allocUnsafe(CHUNK_BYTES);

/** SHA-256 hex. crypto.hash (Node ≥ 20.12) skips a Hash object per file: a millisecond per 1000 files. */
const sha256: (data: Buffer | string) => string = typeof hash === 'function' ? (data) => hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex');

export interface LoadResult {
  files: MigrationFile[];
  /** Things worth a warning that don't stop the run (e.g. a file with no statements). */
  warnings: string[];
  /** Rollback files (`*.down.sql`) passed over. */
  ignored: string[];
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

/** A migration found in the folder: its name in the history table, its path, and what carries its version. */
interface Candidate {
  name: string;
  path: string;
  /** The file name, or for a folder-per-migration layout the folder's name plus `.sql`. */
  versioned: string;
}

export function loadMigrations(dir: string): LoadResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ignored: string[] = [];
  const files: MigrationFile[] = [];
  for (const candidate of listCandidates(dir, problems, warnings, ignored)) {
    const file = readMigration(candidate, problems, warnings, true);
    if (file) files.push(file);
  }
  return finishLoad(dir, files, problems, warnings, ignored);
}

/**
 * loadMigrations for the run on every pod start, where usually nothing is pending: it gives the event
 * loop a turn every few milliseconds (a connection being opened meanwhile makes progress), and it
 * lexes no file yet — checkContent() does that, for the files that are not applied as they are (a
 * file's mode, statements and body are also worked out when first read). Names, duplicate versions,
 * unreadable files and UTF-8 are checked here, as loadMigrations does.
 */
export async function loadMigrationsDeferred(dir: string): Promise<LoadResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ignored: string[] = [];
  const files: MigrationFile[] = [];
  let read = 0;
  for (const candidate of listCandidates(dir, problems, warnings, ignored)) {
    const file = readMigration(candidate, problems, warnings, false);
    if (file) files.push(file);
    if (++read % TURN_FILES === 0) await nextTurn();
  }
  return finishLoad(dir, files, problems, warnings, ignored);
}

/** Lets the event loop run once (node:timers/promises would be one more module to load at start-up). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * How many files loadMigrationsDeferred reads before it lets the event loop run: about 0.5 ms of
 * work here. Short, because a SCRAM login takes about eight turns of the event loop (socket, server
 * messages). Counted rather than timed: the first read of `performance` loads node:perf_hooks
 * (~0.7 ms of a no-op run on Node 24).
 */
const TURN_FILES = 64;

function finishLoad(dir: string, files: MigrationFile[], problems: string[], warnings: string[], ignored: string[]): LoadResult {
  files.sort((a, b) => byName(a.name, b.name));
  problems.push(...duplicateVersions(files), ...versionOrder(files, FLYWAY, FLYWAY_ORDER), ...versionOrder(files, POSTGRATOR, POSTGRATOR_ORDER));
  if (problems.length > 0) throw cannotApply(dir, problems);
  return { files, warnings, ignored };
}

function cannotApply(dir: string, problems: string[]): SourceError {
  return new SourceError(`${dir}: cannot be applied as it is:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * The lexer's findings for files read by loadMigrationsDeferred (files loadMigrations read were
 * checked then): throws SourceError, as loadMigrations would have, when any cannot be applied
 * (psql meta-commands, COPY … FROM stdin, unterminated quotes); returns the warnings.
 */
export function checkContent(dir: string, files: MigrationFile[]): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const file of files) if (file instanceof AnalyzedFile) reportAnalysis(file.name, file.analysis(), problems, warnings);
  if (problems.length > 0) throw cannotApply(dir, problems);
  return warnings;
}

function listCandidates(dir: string, problems: string[], warnings: string[], ignored: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  // join(dir, name) for every entry normalizes the same folder again each time (~1.5 ms per 1000 files).
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

/**
 * A name that looks like a migration's but is not read: `.SQL`, or whitespace after `.sql`. Warned
 * about, not read: the tools these folders come from (Flyway, dbmate, goose, Prisma) pass over them
 * too on Linux, and reading one would apply a file the rest of the team never saw run.
 */
const LOOKALIKE = /^\d[\d-]*_.*\.sql\s*$/i;

function notRead(name: string, renamed: string): string {
  const why = name.trim() !== name ? 'its name ends in whitespace' : !name.endsWith('.sql') ? 'its extension is not lower-case .sql' : 'a migration folder holds migration.sql or up.sql, in lower case';
  return `${JSON.stringify(name)}: looks like a migration but is not read (${why}); rename it to ${JSON.stringify(renamed)} to apply it`;
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

/** Reads a candidate; `lexNow` reports the lexer's findings now (else checkContent does, or the first use). */
function readMigration(candidate: Candidate, problems: string[], warnings: string[], lexNow: boolean): MigrationFile | undefined {
  const { name, path } = candidate;
  const version = versionIn(candidate.versioned);
  if (version === undefined) {
    problems.push(`${name}: a migration's name starts with its version: YYYYMMDDHHMMSS_description.sql, YYYYMMDD_description.sql or NNNN_description.sql (or Flyway's V1__description.sql, postgrator's 001.do.description.sql, graphile-migrate's 000001.sql)`);
    return undefined;
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    problems.push(`${name}: the name is longer than ${MAX_NAME_BYTES} bytes (the history table's filename column)`);
    return undefined;
  }
  let file: InMemoryFile | LargeFile | undefined;
  try {
    file = openMigration(name, version, path, problems, lexNow);
  } catch (err) {
    problems.push(`${name}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  if (file && lexNow) reportAnalysis(name, file.analysis(), problems, warnings);
  return file;
}

/**
 * `keep`: hold the bytes of a small file. Without it (the no-op path) only its checksums are kept and
 * the file is read again if its text is ever needed — on a no-op run, never: copying 1000 files out
 * of the shared buffer touched ~1.5 MB of fresh memory, ~1 ms of the run.
 */
function openMigration(name: string, version: string, path: string, problems: string[], keep: boolean): InMemoryFile | LargeFile | undefined {
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, readBuffer, 0, CHUNK_BYTES, 0);
    let bytes: Buffer;
    if (n < CHUNK_BYTES) {
      bytes = keep ? Buffer.from(readBuffer.subarray(0, n)) : readBuffer.subarray(0, n);
    } else {
      const size = fstatSync(fd).size;
      if (size > LARGE_FILE_BYTES) return LargeFile.read(name, version, path, fd, problems);
      bytes = readFileSync(fd);
      keep = true;
    }
    const read = readBytes(name, version, path, bytes, problems);
    return read && new InMemoryFile(read, keep);
  } finally {
    closeSync(fd);
  }
}

/** Builds a MigrationFile from raw bytes; `problems`/`warnings` collect what is wrong with it. */
export function parseMigration(name: string, version: string, path: string, bytes: Buffer, problems: string[], warnings: string[]): MigrationFile | undefined {
  const read = readBytes(name, version, path, bytes, problems);
  if (!read) return undefined;
  const file = new InMemoryFile(read, true);
  reportAnalysis(name, file.analysis(), problems, warnings);
  return file;
}

interface Read {
  version: string;
  name: string;
  path: string;
  bytes: Buffer;
  /** Normalized text (leading BOM removed, CRLF → LF), when it had to be worked out for the checksum. */
  sql: string | undefined;
  checksum: string;
  rawChecksum: string;
}

/**
 * Checks UTF-8 and checksums; undefined (with a problem) when the bytes are not UTF-8. The text is
 * decoded only if normalizing may change it: on a no-op run most files are never decoded at all.
 */
function readBytes(name: string, version: string, path: string, bytes: Buffer, problems: string[]): Read | undefined {
  if (!isUtf8(bytes)) {
    problems.push(notUtf8(name, bytes));
    return undefined;
  }
  // One memchr; NUL is valid UTF-8 but PostgreSQL takes no NUL in a query string (and UTF-16 text is full of them).
  if (bytes.includes(0)) {
    problems.push(holdsNul(name, [normalize(bytes.toString('utf8'))]));
    return undefined;
  }
  // Without a BOM or CRLF the normalized text is the bytes themselves: one hash serves both checksums.
  const rawChecksum = sha256(bytes);
  const sql = needsNormalizing(bytes) ? normalize(utf8.decode(bytes)) : undefined;
  const checksum = sql === undefined ? rawChecksum : checksumOf(sql);
  return { version, name, path, bytes, sql, checksum, rawChecksum };
}

function reportAnalysis(name: string, analysis: FileAnalysis, problems: string[], warnings: string[]): void {
  if (analysis.uncovered) {
    const { line, column } = analysis.uncovered;
    // Not a SourceError: nothing is wrong with the file. Thrown before anything runs, so no statement is dropped unseen.
    throw new Error(`${name}:${line}:${column}: the lexer's statements do not cover the SQL there (a pgshift bug; nothing was run): please report it with this file`);
  }
  for (const p of analysis.problems) problems.push(`${name}:${p.line}:${p.column}: ${p.message}`);
  if (analysis.statementCount === 0) warnings.push(`${name}: contains no SQL statements; it will be recorded as applied`);
}

/**
 * Lexes the files again, where needed, for a session whose standard_conforming_strings is `standard`
 * by default (a database or role setting): as psql does, the lexer starts each file from the value
 * the session reports, to which pgshift's reset after every file returns.
 */
export function followSessionStrings(files: readonly MigrationFile[], standard: boolean): void {
  for (const file of files) if (file instanceof AnalyzedFile) file.startStrings(standard);
}

/** What a file's analysis answers, worked out when first asked for (or by checkContent). */
abstract class AnalyzedFile {
  abstract analysis(): FileAnalysis;
  /** standard_conforming_strings at the file's start. */
  protected standardStrings = true;

  startStrings(standard: boolean): void {
    if (standard === this.standardStrings) return;
    this.standardStrings = standard;
    this.forgetAnalysis();
  }

  protected abstract forgetAnalysis(): void;

  get mode() {
    return this.analysis().mode;
  }
  get modeReason() {
    return this.analysis().reason;
  }
  get partialRisk() {
    return this.analysis().partialRisk;
  }
  get statementCount() {
    return this.analysis().statementCount;
  }
}

/** A file held in memory as one part; lexed when its mode or parts are first asked for, or by checkContent. */
class InMemoryFile extends AnalyzedFile implements MigrationFile {
  readonly version: string;
  readonly name: string;
  readonly path: string;
  readonly checksum: string;
  readonly rawChecksum: string;
  #bytes: Buffer | undefined;
  #sql: string | undefined;
  #analysis: SqlAnalysis | undefined;

  /** `keep`: hold `read.bytes` (else they are a view of a buffer that is about to be reused). */
  constructor(read: Read, keep: boolean) {
    super();
    ({ version: this.version, name: this.name, path: this.path, checksum: this.checksum, rawChecksum: this.rawChecksum } = read);
    this.#sql = read.sql === undefined ? undefined : upPart(read.sql);
    this.#bytes = read.sql === undefined && keep ? read.bytes : undefined;
  }

  /** Normalized text (leading BOM removed, CRLF → LF); of another tool's two-way file, the up part (annotations.ts). */
  get sql(): string {
    if (this.#sql === undefined) {
      this.#sql = upPart((this.#bytes ?? this.#readAgain()).toString('utf8'));
      this.#bytes = undefined;
    }
    return this.#sql;
  }

  /** The bytes again, for a file whose bytes were not kept: the same bytes, or a SourceError. */
  #readAgain(): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (err) {
      throw new SourceError(`${this.name}: cannot be read again (${(err as NodeJS.ErrnoException).code}); run again`);
    }
    const now = sha256(bytes);
    if (now !== this.rawChecksum) throw changedOnDisk(this.name, this.rawChecksum, now);
    return bytes;
  }

  analysis(): SqlAnalysis {
    return (this.#analysis ??= analyzeSql(this.sql, startingStrings(this.standardStrings)));
  }

  protected forgetAnalysis(): void {
    this.#analysis = undefined;
  }

  parts(): SqlPart[] {
    const { statements, stringBreaks } = this.analysis();
    return splitPart({ text: this.sql, line: 1, statements, index: 0, lead: '' }, stringBreaks);
  }
}

/** `expected` and `found` are checksums of the same kind (both of the text, or both of the raw bytes). */
function changedOnDisk(name: string, expected: string, found: string | undefined): SourceError {
  const what = found ? `its checksum was ${expected.slice(0, 12)} when the folder was read and is ${found.slice(0, 12)} now` : `it no longer reads as it did (checksum ${expected.slice(0, 12)})`;
  return new SourceError(
    `${name}: changed on disk while pgshift was applying it (${what}); keep MIGRATIONS_DIR unchanged while pgshift runs (a volume or ConfigMap being updated?), then run again`,
  );
}

/** The two checksums of a file read in chunks. */
interface Digests {
  raw: Hash;
  /** Of the normalized text (equal to `raw` when there is neither a BOM nor a CR to remove). */
  text: Hash;
}

const digests = (): Digests => ({ raw: createHash('sha256'), text: createHash('sha256') });

/**
 * A file over LARGE_FILE_BYTES, never in memory whole: peak memory stays near a part's size however
 * large the file. Read once here for its checksums and UTF-8; lexed part by part when its mode is
 * first asked for; read again part by part while it is applied, and checked to be unchanged then.
 */
class LargeFile extends AnalyzedFile implements MigrationFile {
  #analysis: FileAnalysis | undefined;

  private constructor(
    readonly version: string,
    readonly name: string,
    readonly path: string,
    readonly checksum: string,
    readonly rawChecksum: string,
  ) {
    super();
  }

  static read(name: string, version: string, path: string, fd: number, problems: string[]): LargeFile | undefined {
    keepYoungGenerationSmall();
    const sums = digests();
    let nul = false;
    let tail = '';
    let down = false;
    try {
      for (const chunk of textChunks(fd, sums)) {
        nul ||= chunk.includes('\0');
        // A marker split across two chunks is joined first. Of a line that goes on (a data file's
        // one-line INSERT), only its start is kept: a marker is a short line.
        const text = tail + chunk;
        const cut = text.lastIndexOf('\n') + 1;
        down ||= hasDownPart(text.slice(0, cut));
        tail = text.slice(cut, cut + 200);
      }
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      // Not UTF-8: the message (line, offset) comes from the whole file, as for any other file.
      problems.push(notUtf8(name, readFileSync(path)));
      return undefined;
    }
    if (nul) {
      // Located in a second pass, chunk by chunk: rare enough not to track lines on every read.
      const again = openSync(path, 'r');
      try {
        problems.push(holdsNul(name, textChunks(again, digests())));
      } finally {
        closeSync(again);
      }
      return undefined;
    }
    if (down || hasDownPart(tail)) {
      problems.push(`${name}: holds another tool's down part (goose, dbmate or node-pg-migrate markers) and is larger than ${LARGE_FILE_BYTES >> 20} MiB, which pgshift reads in parts and cannot cut; move the up part to a file of its own`);
      return undefined;
    }
    return new LargeFile(version, name, path, sums.text.digest('hex'), sums.raw.digest('hex'));
  }

  analysis(): FileAnalysis {
    return (this.#analysis ??= analyzeChunks(this.#chunks(), PART_CHARS, startingStrings(this.standardStrings)));
  }

  protected forgetAnalysis(): void {
    this.#analysis = undefined;
  }

  parts(): Iterable<SqlPart> {
    return sqlParts(this.#chunks(), PART_CHARS, startingStrings(this.standardStrings));
  }

  /** The text read afresh; throws SourceError at the end if it is no longer what was checksummed. */
  *#chunks(): Generator<string> {
    const changed = (found?: string) => changedOnDisk(this.name, this.checksum, found);
    const sums = digests();
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      throw new SourceError(`${this.name}: cannot be read any more (${(err as NodeJS.ErrnoException).code}); run again`, { cause: err });
    }
    try {
      yield* textChunks(fd, sums);
    } catch (err) {
      throw err instanceof TypeError ? changed() : err;
    } finally {
      closeSync(fd);
    }
    const found = sums.text.digest('hex');
    if (found !== this.checksum) throw changed(found);
  }
}

/**
 * V8 doubles its young generation while a program keeps allocating, up to 128 MB on Node 24 (32 MB on
 * Node 20) that stay resident: applying a 50 MB file part by part peaked at 210 MB there instead of
 * 97 MB. Set once a large file is met (pgshift runs in memory-limited pods); not for every run,
 * where the extra scavenges cost ~3 ms of a no-op start. V8 reads the flag whenever it would grow.
 */
function keepYoungGenerationSmall(): void {
  // node:v8 is loaded only here: at start-up it would cost every run ~2 ms. Through
  // getBuiltinModule (Node ≥ 20.16), not node:module's createRequire, which costs every start
  // ~0.8 ms to import; on older Node 20 releases, whose young generation stops at 32 MB, the flag is
  // not set.
  const host = globalThis.process as { getBuiltinModule?: (id: string) => unknown };
  const v8 = host.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  v8?.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The normalized text of the file open at `fd`, decoded chunk by chunk: the chunks joined equal
 * normalize(whole text), and `sums` are updated as they go. Throws TypeError on bytes that are not UTF-8.
 */
function* textChunks(fd: number, sums: Digests): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let first = true;
  // A CR at the end of a chunk waits for the next: it may be half of a CRLF.
  let cr = '';
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    const bytes = buffer.subarray(0, n);
    sums.raw.update(bytes);
    let text = cr + decoder.decode(bytes, { stream: n > 0 });
    cr = n > 0 && text.endsWith('\r') ? '\r' : '';
    if (cr) text = text.slice(0, -1);
    if (first && text) {
      text = normalize(text);
      first = false;
    } else {
      // normalize() without its leading-BOM rule, which holds for the file's start only.
      text = text.replace(/\r\n/g, '\n');
    }
    sums.text.update(text, 'utf8');
    if (text) yield text;
    if (n === 0) return;
  }
}

/** A leading UTF-8 BOM or a CR byte: normalize() may change the text. */
function needsNormalizing(bytes: Buffer): boolean {
  return (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) || bytes.includes(0x0d);
}

/** Text as UTF-8 with a leading BOM removed and CRLF → LF, so a Windows checkout isn't "modified". */
export function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

export function checksumOf(normalizedSql: string): string {
  return sha256(normalizedSql);
}

/** The problem to report for text holding a NUL character: at the first one's line and column. */
function holdsNul(name: string, chunks: Iterable<string>): string {
  let line = 1;
  let column = 1;
  for (const chunk of chunks) {
    const nul = chunk.indexOf('\0');
    const end = nul < 0 ? chunk.length : nul;
    const lineStart = chunk.lastIndexOf('\n', end - 1) + 1;
    for (let i = chunk.indexOf('\n'); i >= 0 && i < end; i = chunk.indexOf('\n', i + 1)) line++;
    column = (lineStart > 0 ? 1 : column) + countCharacters(chunk, lineStart, end);
    if (nul >= 0) break;
  }
  return `${name}:${line}:${column}: holds a NUL byte, which PostgreSQL cannot take in SQL text: saved as UTF-16? save it as UTF-8; otherwise remove the NUL`;
}

/** The problem to report for bytes that are not UTF-8: where the first bad byte is. */
function notUtf8(name: string, bytes: Buffer): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return `${name}:1: is UTF-16 (it starts with the byte-order mark ${bytes[0]!.toString(16).toUpperCase()} ${bytes[1]!.toString(16).toUpperCase()}), not UTF-8; save it as UTF-8`;
  const at = firstInvalidUtf8(bytes);
  const line = bytes.subarray(0, at).filter((b) => b === 10).length + 1;
  return `${name}:${line}: is not valid UTF-8 (byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}); save the file as UTF-8`;
}

/**
 * Offset of the first byte that is not valid UTF-8. Decoding with replacement keeps every valid
 * sequence as it is, so the text before the first U+FFFD re-encodes to exactly the bytes before the
 * fault — unless the file holds a real U+FFFD (EF BF BD), which is skipped.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(text.slice(from, i));
    from = i;
    const real = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!real) return offset;
  }
  return bytes.length;
}

/**
 * pgshift applies files in name order; Flyway and postgrator in version order (`V2__` before
 * `V10__`, `2.do.` before `10.do.`). Where the two differ the folder is refused rather than applied
 * in an order its author did not mean.
 */
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

function duplicateVersions(files: MigrationFile[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const f of files) {
    const other = seen.get(f.version);
    if (other) problems.push(`${other} and ${f.name}: two files with version ${f.version}; rename one (e.g. with \`pgshift create\`)`);
    else seen.set(f.version, f.name);
  }
  return problems;
}
