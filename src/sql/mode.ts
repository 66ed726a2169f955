// The transaction-mode decision: one transaction, the file's own BEGIN … COMMIT, or statement by
// statement — from the facts of a file's statements, whether it was lexed at once or in parts.

import type { SourceProblem, Statement, TransactionMode } from '../types.js';
import { firstUncovered } from './coverage.js';
import { changesSessionOnly, controlName, type Control } from './facts.js';
import { lex, type Lexed } from './lexer.js';
import { MAX_STATEMENT_CHARS, tooLarge } from './limits.js';
import { startingStrings } from './scanner.js';

/** What the lexer concludes about a whole file, whether it read it at once or in parts. */
export interface FileAnalysis {
  mode: TransactionMode;
  /** Why this mode, for logs and `plan`. */
  reason: string;
  /** Mode is no-transaction and more than one statement is not transaction control: a failure halfway leaves the file partly applied. */
  partialRisk: boolean;
  statementCount: number;
  /** The file holds ALTER TYPE … ADD VALUE (allowed in a transaction since PG 12, but the new value is unusable until commit). */
  addsEnumValue: boolean;
  problems: SourceProblem[];
  /**
   * Where the statements leave SQL uncovered (text that is neither whitespace, a comment nor `;`):
   * a lexer bug, which must stop the run before anything is sent. See firstUncovered.
   */
  uncovered: { line: number; column: number } | undefined;
}

/** analyzeSql's result: a file read at once, with its statements. */
export interface SqlAnalysis extends FileAnalysis {
  statements: Statement[];
  /** What runs in 'transaction' and 'wrapped' mode; same length and offsets as the input. */
  body: string;
  /**
   * Indices of the statements after which standard_conforming_strings changes: the server lexes a
   * query string whole with the setting it has when the string arrives, so the text is sent in
   * parts cut after each of them (see splitPart).
   */
  stringBreaks: number[];
}

const DEFAULT_REASON = 'default: whole file in one transaction';
const WRAPPED_REASON = 'file wraps itself in BEGIN … COMMIT';
const DIRECTIVE_REASON = '-- pgshift:no-transaction directive';
const DIRECTIVE = /^--\s*pgshift\s*:\s*no-transaction\s*$/i;

/**
 * What mode detection keeps of a file, fed statement by statement (a file read in parts is lexed one
 * part at a time): counts, the control statements, and the first refused statement.
 */
export class ModeFacts {
  count = 0;
  /**
   * Units that take effect apart when the file runs statement by statement, counting only those that
   * change the database: a statement outside the file's own blocks, or a whole BEGIN … COMMIT block.
   * SET/RESET change only the session, which is reset after every file.
   */
  units = 0;
  addsEnumValue = false;
  directive = false;
  refused: { line: number; name: string; insideOwnBlock: boolean } | undefined;
  readonly controls: ControlAt[] = [];
  readonly problems: SourceProblem[] = [];
  /** Statements (by index in the file) after which standard_conforming_strings changes. */
  readonly stringBreaks: number[] = [];
  uncovered: { line: number; column: number } | undefined;
  /** The file's own transaction block open after the statements so far: the statement that opened it, where. */
  #open: { name: string; line: number; column: number } | undefined;
  /** The open block already holds a statement that changes the database. */
  #blockCounted = false;

  add(text: string, lexed: Lexed): void {
    if (this.count === 0) {
      const firstStart = lexed.pieces[0]?.statement.start ?? text.length;
      this.directive ||= lexed.lineComments.some((c) => c.start < firstStart && DIRECTIVE.test(text.slice(c.start, c.end)));
    }
    for (const { statement, facts, firstWord, changesStrings } of lexed.pieces) {
      const index = this.count++;
      const chars = statement.end - statement.start;
      if (chars > MAX_STATEMENT_CHARS) this.problems.push({ ...lexed.at(statement.start), message: tooLarge(chars, '') });
      if (changesStrings) this.stringBreaks.push(index);
      if (facts.control === undefined && !changesSessionOnly(statement.text)) this.#countUnit();
      this.addsEnumValue ||= facts.addsEnumValue;
      if (facts.refused !== undefined && !this.refused) this.refused = { line: statement.line, name: facts.refused, insideOwnBlock: this.#open !== undefined };
      if (facts.control === undefined) continue;
      this.controls.push({ index, control: facts.control, line: statement.line, firstWord });
      if (facts.control === 'open' || facts.control === 'chain') {
        this.#open = { name: facts.control === 'chain' ? `${firstWord.toUpperCase()} AND CHAIN` : controlName(firstWord), ...lexed.at(statement.start) };
        this.#blockCounted = false;
      } else {
        this.#open = undefined;
      }
    }
    this.problems.push(...lexed.problems);
    // Lexer problems stop the file anyway (and a meta-command's line is no statement's text).
    if (lexed.problems.length === 0 && this.uncovered === undefined) {
      const at = firstUncovered(text.slice(0, lexed.cut), lexed.pieces.map((p) => p.statement));
      if (at >= 0) this.uncovered = lexed.at(at);
    }
  }

  #countUnit(): void {
    if (this.#open === undefined) this.units++;
    else if (!this.#blockCounted) {
      this.units++;
      this.#blockCounted = true;
    }
  }

  analysis(): FileAnalysis {
    const { mode, reason } = this.#decide();
    const problems = this.#open ? [...this.problems, unclosedBlock(this.#open)] : this.problems;
    return { mode, reason, partialRisk: mode === 'no-transaction' && this.units > 1, statementCount: this.count, addsEnumValue: this.addsEnumValue, problems, uncovered: this.uncovered };
  }

  #decide(): { mode: TransactionMode; reason: string } {
    const noTransaction = (reason: string) => ({ mode: 'no-transaction' as const, reason });
    if (this.directive) return noTransaction(DIRECTIVE_REASON);
    if (this.refused) {
      const reason = `line ${this.refused.line}: ${this.refused.name} cannot run inside a transaction block`;
      return noTransaction(this.refused.insideOwnBlock ? `${reason} (move it out of the file's BEGIN … COMMIT)` : reason);
    }
    const [first] = this.controls;
    if (!first) return { mode: 'transaction', reason: DEFAULT_REASON };
    if (this.#isCleanWrapper()) return { mode: 'wrapped', reason: WRAPPED_REASON };
    const opens = this.controls.filter((c) => c.control === 'open').length;
    if (opens > 1) return noTransaction(`${opens} BEGIN … COMMIT blocks: each runs as written`);
    const stray = this.#strayControl(first);
    return noTransaction(`transaction control at line ${stray.line} (${controlName(stray.firstWord)}): each statement runs as written`);
  }

  #isClosingCommit(c: ControlAt): boolean {
    return c.index === this.count - 1 && c.control === 'close';
  }

  /** Exactly two control statements: BEGIN/START TRANSACTION first, COMMIT/END last. */
  #isCleanWrapper(): boolean {
    const [open, close] = this.controls;
    return this.controls.length === 2 && open?.index === 0 && open.control === 'open' && close !== undefined && this.#isClosingCommit(close);
  }

  /** The control statement that keeps a file with at most one BEGIN from being a clean wrapper. */
  #strayControl(first: ControlAt): ControlAt {
    if (first.index !== 0 || first.control !== 'open') return first;
    // A BEGIN whose block never closes is itself the stray one.
    return this.controls.find((c) => c.index > 0 && !this.#isClosingCommit(c)) ?? first;
  }
}

/**
 * A transaction block the file opens and never closes: psql's session ends with it rolled back, so
 * committing it (as running on would) gives a database the file does not describe when run by psql.
 */
function unclosedBlock(open: { name: string; line: number; column: number }): SourceProblem {
  return {
    line: open.line,
    column: open.column,
    message: `${open.name} opens a transaction block that the file never closes (psql would roll it back when its session ends); end the block with COMMIT; — or remove the ${open.name} to let pgshift run the whole file in one transaction`,
  };
}

/** A control statement, where it stands in the file. */
interface ControlAt {
  index: number;
  control: Control;
  line: number;
  firstWord: string;
}


/** Decides how a file runs. `sql` is already normalized (BOM removed, CRLF → LF). Never throws. */
export function analyzeSql(sql: string, strings = startingStrings()): SqlAnalysis {
  const lexed = lex(sql, { strings });
  const facts = new ModeFacts();
  facts.add(sql, lexed);
  const analysis = facts.analysis();
  const statements = lexed.pieces.map((p) => p.statement);
  const last = statements[statements.length - 1];
  return { ...analysis, statements, body: analysis.mode === 'wrapped' && last ? blank(sql, last) : sql, stringBreaks: facts.stringBreaks };
}

/** Replaces the statement's characters with spaces (newlines kept) so offsets in the result equal those in `sql`. */
export function blank(sql: string, statement: Statement): string {
  const spaces = statement.text.replace(/[^\n]/g, ' ');
  return sql.slice(0, statement.start) + spaces + sql.slice(statement.end);
}
