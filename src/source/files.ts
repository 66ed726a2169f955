// A migration file as the rest of pgshift sees it: held in memory whole, or (over LARGE_FILE_BYTES)
// read in parts; lexed when its mode or parts are first asked for.

import { openSync, closeSync, readFileSync } from 'node:fs';
import { SourceError } from '../errors.js';
import { analyzeSql, type SqlAnalysis } from '../sql/mode.js';
import { analyzeChunks, sqlParts, splitPart } from '../sql/parts.js';
import { PART_CHARS } from '../sql/limits.js';
import { startingStrings } from '../sql/scanner.js';
import type { FileAnalysis } from '../sql/mode.js';
import type { MigrationFile, SqlPart } from '../types.js';
import { hasDownPart, upPart } from './annotations.js';
import { digests, holdsNul, notUtf8, readWhole, sha256, textChunks } from './text.js';

/**
 * A file larger than this is never held in memory whole: it is read in chunks for its checksums,
 * lexed part by part when its mode is first needed, and read again part by part while it is applied.
 */
export const LARGE_FILE_BYTES = 4 << 20;

export interface Read {
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
 * What an InMemoryFile holds of what was read, beyond its checksums (its text is always held when
 * working it out was part of checksumming): 'text' decoded now, 'bytes' to decode when first used,
 * 'nothing' to read the file again then.
 */
export type Hold = 'text' | 'bytes' | 'nothing';

/** What a file's analysis answers, worked out when first asked for (or by checkContent). */
export abstract class AnalyzedFile {
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
export class InMemoryFile extends AnalyzedFile implements MigrationFile {
  readonly version: string;
  readonly name: string;
  readonly path: string;
  readonly checksum: string;
  readonly rawChecksum: string;
  #bytes: Buffer | undefined;
  #sql: string | undefined;
  #analysis: SqlAnalysis | undefined;

  /** See Hold. Without 'bytes', `read.bytes` may be a view of a buffer that is about to be reused. */
  constructor(read: Read, hold: Hold) {
    super();
    ({ version: this.version, name: this.name, path: this.path, checksum: this.checksum, rawChecksum: this.rawChecksum } = read);
    const text = read.sql ?? (hold === 'text' ? read.bytes.toString('utf8') : undefined);
    this.#sql = text === undefined ? undefined : upPart(text);
    this.#bytes = text === undefined && hold === 'bytes' ? read.bytes : undefined;
  }

  /** Normalized text (leading BOM removed, CRLF → LF); of another tool's two-way file, the up part (annotations.ts). */
  get sql(): string {
    if (this.#sql === undefined) {
      this.#sql = upPart((this.#bytes ?? this.#readAgain()).toString('utf8'));
      this.#bytes = undefined;
    }
    return this.#sql;
  }

  /** The bytes again, for a file whose bytes were not kept: the same bytes (valid until the next read: see readStart), or a SourceError. */
  #readAgain(): Buffer {
    let bytes: Buffer;
    try {
      bytes = readWhole(this.path);
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

/**
 * A file over LARGE_FILE_BYTES, never in memory whole: peak memory stays near a part's size however
 * large the file. Read once here for its checksums and UTF-8; lexed part by part when its mode is
 * first asked for; read again part by part while it is applied, and checked to be unchanged then.
 */
export class LargeFile extends AnalyzedFile implements MigrationFile {
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
    beforeFirstLargeFile?.();
    beforeFirstLargeFile = undefined;
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

let beforeFirstLargeFile: (() => void) | undefined;

/**
 * `tune` runs once, just before the first file over LARGE_FILE_BYTES is read. The program (main.ts)
 * tunes its own runtime there; a library leaves its host's runtime alone.
 */
export function onFirstLargeFile(tune: () => void): void {
  beforeFirstLargeFile = tune;
}
