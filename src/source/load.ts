// Reading MIGRATIONS_DIR: every file a migration, with its version, checksums and (on first use)
// its transaction mode; and everything that must stop the run before anything is applied.

import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { SourceError } from '../errors.js';
import type { FileAnalysis } from '../sql/mode.js';
import type { MigrationFile } from '../types.js';
import { AnalyzedFile, InMemoryFile, LargeFile, LARGE_FILE_BYTES, type Hold, type Read } from './files.js';
import { listCandidates, type Candidate } from './folder.js';
import { byName, duplicateVersions, MAX_NAME_BYTES, versionIn, versionOrders } from './names.js';
import { checksumOf, holdsNul, needsNormalizing, normalize, notUtf8, readStart, sha256, utf8 } from './text.js';

export interface LoadResult {
  files: MigrationFile[];
  /** Things worth a warning that don't stop the run (e.g. a file with no statements). */
  warnings: string[];
  /** Rollback files (`*.down.sql`) passed over. */
  ignored: string[];
}

export interface LoadOptions {
  /**
   * When the lexer reads each file. 'on-use': when its mode or parts are first asked for, or by
   * checkContent — the run on every pod start, where usually nothing is pending, lexes only what it
   * applies, and holds only the checksums of the rest (a file is read again if it is used). 'later':
   * the same, but every file's text is held, for a command that will lex them all once connected
   * (status, plan): reading each file twice would cost more than holding the text. 'now': every
   * file as it is read, its findings refused together with the folder's.
   * @default 'on-use'
   */
  lex?: 'now' | 'later' | 'on-use';
}

/**
 * Reads MIGRATIONS_DIR: names, duplicate versions, unreadable files and UTF-8 are checked here (and,
 * with `lex: 'now'`, what the lexer finds); throws SourceError listing every problem. Gives the event
 * loop a turn every TURN_FILES files, so that a connection being opened meanwhile makes progress.
 */
export async function loadMigrations(dir: string, { lex = 'on-use' }: LoadOptions = {}): Promise<LoadResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ignored: string[] = [];
  const files: MigrationFile[] = [];
  let read = 0;
  for (const candidate of listCandidates(dir, problems, warnings, ignored)) {
    const file = readMigration(candidate, problems, warnings, lex);
    if (file) files.push(file);
    if (++read % TURN_FILES === 0) await nextTurn();
  }
  return finishLoad(dir, files, problems, warnings, ignored);
}

/** Lets the event loop run once (node:timers/promises would be one more module to load at start-up). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * How many files loadMigrations reads before it lets the event loop run: short, because a SCRAM
 * login takes about eight turns of the event loop (socket, server messages). Counted rather than
 * timed: the first read of `performance` loads node:perf_hooks, which a no-op run otherwise never needs.
 */
const TURN_FILES = 64;

function finishLoad(dir: string, files: MigrationFile[], problems: string[], warnings: string[], ignored: string[]): LoadResult {
  files.sort((a, b) => byName(a.name, b.name));
  problems.push(...duplicateVersions(files), ...versionOrders(files));
  if (problems.length > 0) throw cannotApply(dir, problems);
  return { files, warnings, ignored };
}

function cannotApply(dir: string, problems: string[]): SourceError {
  return new SourceError(`${dir}: cannot be applied as it is:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * The lexer's findings for files read with `lex: 'on-use'`: throws SourceError, as loading with
 * `lex: 'now'` would have, when any cannot be applied (psql meta-commands, COPY … FROM stdin,
 * unterminated quotes); returns the warnings.
 */
export function checkContent(dir: string, files: MigrationFile[]): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const file of files) if (file instanceof AnalyzedFile) reportAnalysis(file.name, file.analysis(), problems, warnings);
  if (problems.length > 0) throw cannotApply(dir, problems);
  return warnings;
}

/**
 * Lexes the files again, where needed, for a session whose standard_conforming_strings is `standard`
 * by default (a database or role setting): as psql does, the lexer starts each file from the value
 * the session reports, to which pgshift's reset after every file returns.
 */
export function followSessionStrings(files: readonly MigrationFile[], standard: boolean): void {
  for (const file of files) if (file instanceof AnalyzedFile) file.startStrings(standard);
}

/** Reads a candidate; with `lex: 'now'` the lexer's findings are reported now (else checkContent does, or the first use). */
function readMigration(candidate: Candidate, problems: string[], warnings: string[], lex: LoadOptions['lex']): MigrationFile | undefined {
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
    file = openMigration(name, version, path, problems, lex === 'on-use' ? 'nothing' : 'text');
  } catch (err) {
    problems.push(`${name}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  if (file && lex === 'now') reportAnalysis(name, file.analysis(), problems, warnings);
  return file;
}

/**
 * `hold: 'nothing'` (the no-op path): a small file's checksums only, and the file is read again if
 * its text is ever needed — on a no-op run, never: copying 1000 files out of the shared buffer would
 * touch fresh memory for every file. A file larger than the shared buffer has its own bytes anyway.
 */
function openMigration(name: string, version: string, path: string, problems: string[], hold: 'nothing' | 'text'): InMemoryFile | LargeFile | undefined {
  const fd = openSync(path, 'r');
  try {
    const start = readStart(fd);
    let bytes = start.bytes;
    let held: Hold = hold;
    if (!start.whole) {
      const size = fstatSync(fd).size;
      if (size > LARGE_FILE_BYTES) return LargeFile.read(name, version, path, fd, problems);
      bytes = readFileSync(fd);
      held = hold === 'nothing' ? 'bytes' : hold;
    }
    const read = readBytes(name, version, path, bytes, problems);
    return read && new InMemoryFile(read, held);
  } finally {
    closeSync(fd);
  }
}

/** Builds a MigrationFile from raw bytes; `problems`/`warnings` collect what is wrong with it. */
export function parseMigration(name: string, version: string, path: string, bytes: Buffer, problems: string[], warnings: string[]): MigrationFile | undefined {
  const read = readBytes(name, version, path, bytes, problems);
  if (!read) return undefined;
  const file = new InMemoryFile(read, 'text');
  reportAnalysis(name, file.analysis(), problems, warnings);
  return file;
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
