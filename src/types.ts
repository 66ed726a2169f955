// The shared nouns. Vocabulary (one word per idea): applied, pending, failed, outOfOrder, modified,
// missing, unfinished — see shared/STYLE.md.

/** How a file is run. */
export type TransactionMode =
  /** the whole file and its history row in one transaction (the default) */
  | 'transaction'
  /** the file wraps itself in one BEGIN … COMMIT: that block is the transaction, history row inside */
  | 'wrapped'
  /** statement by statement outside a wrapping transaction; history row after the last statement */
  | 'no-transaction';

/**
 * One statement as it stands in a file. Offsets index the text it was lexed from: the normalized file
 * text (BOM removed, CRLF → LF), or the part of it that holds the statement.
 */
export interface Statement {
  /** The statement's text from its first token up to, not including, its terminating `;`. */
  text: string;
  /** Offset of the statement's first character (after leading whitespace and comments). */
  start: number;
  /** Offset just past the statement's last character (before the `;`, or the end of input). */
  end: number;
  /** 1-based line of `start` in the file. */
  line: number;
  /** The lexer's finding that PostgreSQL refuses it inside a transaction block: its name, e.g. `CREATE INDEX CONCURRENTLY`. */
  refused?: string;
}

/**
 * A run of whole statements of a file, as it is sent to the server. A file is one part, or — over
 * 4 MiB — parts of about 64 KiB read from disk one at a time. A part after the first starts at the
 * start of a line; what precedes its first statement on that line belongs to the part before and is
 * blanked here (spaces), so positions in `text` map onto the file's lines and columns.
 */
export interface SqlPart {
  text: string;
  /** The file's line number of the first line of `text`. */
  line: number;
  /** Statements, with offsets into `text`. */
  statements: Statement[];
  /** The file's count of statements before this part's first. */
  index: number;
  /** The start of the first line as the file has it: the text that is blanked, for showing the line. */
  lead: string;
}

/** Something in a file that cannot run outside psql, or cannot be lexed; reported before anything runs. */
export interface SourceProblem {
  line: number;
  column: number;
  message: string;
}

export interface MigrationFile {
  /** The version prefix: `0002`, `20251018`, `20251019120000`. Unique within the folder. */
  version: string;
  /** The file name, as stored in the history table's `filename` column. */
  name: string;
  path: string;
  /** SHA-256 hex of the normalized text: leading BOM removed, CRLF → LF. */
  checksum: string;
  /** SHA-256 hex of the raw bytes, as the earlier script stored it; accepted as equal. */
  rawChecksum: string;
  mode: TransactionMode;
  /** Why this mode, for logs and `plan`: e.g. "line 4: CREATE INDEX CONCURRENTLY cannot run in a transaction block". */
  modeReason: string;
  /** A no-transaction file that also holds other statements: a failure halfway leaves it partly applied. */
  partialRisk: boolean;
  statementCount: number;
  /**
   * The normalized text, in order, as parts (runs of whole statements). Each call reads afresh; a
   * file read from disk part by part throws SourceError at its end if it no longer has `checksum`.
   */
  parts(): Iterable<SqlPart>;
}

/** A row of the history table. */
export interface HistoryRow {
  id: number;
  filename: string;
  /** RFC 3339 UTC, e.g. `2025-10-18T19:53:41.123456Z` (the TIMESTAMP column read in the session's TimeZone, which NOW() wrote it in). */
  appliedAt: string;
  checksum: string | null;
  executionTimeMs: number | null;
  success: boolean;
  errorMessage: string | null;
}

/**
 * `renamed`: applied under another name with the same version and content (counts as applied);
 * `conflict`: its version is applied under another name with other (or unknown) content.
 */
export type Status = 'applied' | 'renamed' | 'pending' | 'failed' | 'outOfOrder' | 'modified' | 'missing' | 'unfinished' | 'conflict';

export interface PlanEntry {
  name: string;
  status: Status;
  /** The file, when it is on disk (not for `missing`). */
  file?: MigrationFile;
  /** The latest history row, when there is one; for `renamed` and `conflict`, the row of the other name. */
  row?: HistoryRow;
  /** How the recorded checksum was found equal, when it is not pgshift's own (see ChecksumVariant). */
  checksumAs?: string;
}

/** A checksum of a file's content computed another way (raw CRLF bytes, with a BOM, md5), and how. */
export interface ChecksumVariant {
  checksum: string;
  /** e.g. `sha256 of the text with CRLF line ends` */
  how: string;
}

export interface Policy {
  /** missing, outOfOrder and renamed are errors. @default false */
  strict: boolean;
  /**
   * Other checksums of the same content, by file name, for files whose recorded checksum matched
   * neither of theirs (worked out only then: reading a file again is not for the no-op path).
   * @default none
   */
  variants?: ReadonlyMap<string, readonly ChecksumVariant[]>;
  /** `up --to`: apply pending files up to and including this file name. @default all */
  upTo?: string;
}

export interface Plan {
  applied: PlanEntry[];
  /** Files without a successful history row, in apply order; includes failed and outOfOrder ones. */
  pending: PlanEntry[];
  failed: PlanEntry[];
  outOfOrder: PlanEntry[];
  modified: PlanEntry[];
  missing: PlanEntry[];
  unfinished: PlanEntry[];
  /** Also in `applied`: files recorded under another name with the same version and content. */
  renamed: PlanEntry[];
  /** Files whose version is applied under another name with other or unknown content. */
  conflicts: PlanEntry[];
  /** Also in `applied`: legacy rows with no checksum recorded, so the file's content is not checked. */
  noChecksum: PlanEntry[];
  /** Also in `applied`: rows whose checksum was computed another way from the same content. */
  otherChecksum: PlanEntry[];
  /** What `up` would apply, in order. Empty when `problems` is not. */
  toApply: MigrationFile[];
  /** Reasons the run must stop before applying anything (exit 6). */
  problems: string[];
  /** Reasons to warn (missing, outOfOrder without --strict). */
  warnings: string[];
}

export type ApplyStatus = 'applied' | 'failed';

export interface ApplyResult {
  name: string;
  status: ApplyStatus;
  mode: TransactionMode;
  durationMs: number;
  checksum: string;
  error?: string;
}
