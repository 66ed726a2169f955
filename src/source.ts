// Reading MIGRATIONS_DIR: which files are migrations, their versions, normalized text, checksums and
// transaction modes, and everything that must stop the run before anything is applied.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, SourceError } from './errors.js';
import { analyzeSql } from './statements.js';
import type { MigrationFile } from './types.js';

/** `20251019120000_name.sql`, `20251019_name.sql` (recommended), `0002_name.sql` (legacy). */
const NAME = /^(\d+)_([^/\\]+)\.sql$/;
const MAX_NAME_BYTES = 255; // the history table's VARCHAR(255)
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface LoadResult {
  files: MigrationFile[];
  /** Things worth a warning that don't stop the run (e.g. a file with no statements). */
  warnings: string[];
}

/** Plain filename order, compared as bytes (`0002_…` < `0003_…` < `003_…` < `20251018_…`). */
export function byName(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function loadMigrations(dir: string): LoadResult {
  const entries = readDir(dir);
  const problems: string[] = [];
  const warnings: string[] = [];
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const file = readMigration(dir, entry, problems, warnings);
    if (file) files.push(file);
  }
  files.sort((a, b) => byName(a.name, b.name));
  problems.push(...duplicateVersions(files));
  if (problems.length > 0) throw new SourceError(`${dir}: cannot be applied as it is:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { files, warnings };
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.name.endsWith('.sql'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code})`;
    throw new ConfigError([`MIGRATIONS_DIR: ${dir} ${why}`]);
  }
}

function readMigration(dir: string, entry: Dirent, problems: string[], warnings: string[]): MigrationFile | undefined {
  const path = join(dir, entry.name);
  // Follow symlinks: Kubernetes ConfigMap volumes present every file as one.
  let isFile: boolean;
  try {
    isFile = entry.isFile() || (entry.isSymbolicLink() && statSync(path).isFile());
  } catch (err) {
    problems.push(`${entry.name}: cannot be read (${(err as NodeJS.ErrnoException).code}; a dangling symlink?)`);
    return undefined;
  }
  if (!isFile) {
    warnings.push(`${entry.name}: not a regular file; ignored (subfolders are not read)`);
    return undefined;
  }
  const match = NAME.exec(entry.name);
  if (!match) {
    problems.push(`${entry.name}: a migration's name starts with its version: YYYYMMDDHHMMSS_description.sql, YYYYMMDD_description.sql or NNNN_description.sql`);
    return undefined;
  }
  if (Buffer.byteLength(entry.name) > MAX_NAME_BYTES) {
    problems.push(`${entry.name}: the name is longer than ${MAX_NAME_BYTES} bytes (the history table's filename column)`);
    return undefined;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    problems.push(`${entry.name}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  return parseMigration(entry.name, match[1]!, path, bytes, problems, warnings);
}

/** Builds a MigrationFile from raw bytes; `problems`/`warnings` collect what is wrong with it. */
export function parseMigration(name: string, version: string, path: string, bytes: Buffer, problems: string[], warnings: string[]): MigrationFile | undefined {
  const sql = decode(name, bytes, problems);
  if (sql === undefined) return undefined;
  const analysis = analyzeSql(sql);
  for (const p of analysis.problems) problems.push(`${name}:${p.line}:${p.column}: ${p.message}`);
  if (analysis.statements.length === 0) warnings.push(`${name}: contains no SQL statements; it will be recorded as applied`);
  return {
    version,
    name,
    path,
    sql,
    checksum: checksumOf(sql),
    rawChecksum: createHash('sha256').update(bytes).digest('hex'),
    mode: analysis.mode,
    modeReason: analysis.reason,
    partialRisk: analysis.partialRisk,
    statements: analysis.statements,
    body: analysis.body,
  };
}

/** Text as UTF-8 with a leading BOM removed and CRLF → LF, so a Windows checkout isn't "modified". */
export function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

export function checksumOf(normalizedSql: string): string {
  return createHash('sha256').update(normalizedSql, 'utf8').digest('hex');
}

function decode(name: string, bytes: Buffer, problems: string[]): string | undefined {
  try {
    return normalize(utf8.decode(bytes));
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, at);
    const line = before.filter((b) => b === 10).length + 1;
    problems.push(`${name}:${line}: is not valid UTF-8 (byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}); save the file as UTF-8`);
    return undefined;
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest prefix that fails to decode (decoding is monotone in length
  // up to a partial sequence at the end, which `stream` tolerates).
  const probe = new TextDecoder('utf-8', { fatal: true });
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      probe.decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return lo;
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
