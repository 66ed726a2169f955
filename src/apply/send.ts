// Sending a file inside a transaction: its text with our own statements around it in the same query
// (one round trip for a file of one part), and which of its statements failed when the query fails.
import { throwIfAborted } from '../abort.js';
import { cancelRunningQuery } from '../session/cancel.js';
import { blank } from '../sql/mode.js';
import type { MigrationFile, SqlPart, Statement } from '../types.js';
import { FileFailure, NO_TEXT, toFailure } from './failure.js';
import type { ApplyOptions } from './options.js';
import { completedStatements } from './query-state.js';
import { mayChangeSession } from './session-state.js';

/** What travels with a file's text when it is sent in a transaction. */
export interface Envelope {
  /** Statements sent before the first part, in the same query: `BEGIN`, MIGRATION_LOCK_TIMEOUT. */
  before: string[];
  /** Statements sent after the last part, in the same query: the lock check, the history row, COMMIT. */
  after: string[];
  /** Sent after `after` when a statement of the file may have changed the session (mayChangeSession). */
  reset: string[];
  /** Statements (by their index in the file) sent as spaces: a wrapper's own BEGIN or COMMIT. */
  blank: number[];
}

/**
 * Sends a file's text part by part, `before` with the first part and `after` with the last: a file of
 * one part is one query, one round trip. A large file's parts are read from disk as they are sent,
 * one ahead. Throws FileFailure; the caller rolls back.
 */
export async function sendParts(file: MigrationFile, options: ApplyOptions, envelope: Envelope): Promise<void> {
  const { client } = options.session;
  const completed = completedStatements(client);
  let lead = statementsSql(envelope.before);
  let leadCount = envelope.before.length;
  let changesSession = false;
  const send = async (part: SqlPart, tail: string): Promise<void> => {
    const text = blankStatements(part, envelope.blank);
    const before = completed();
    try {
      // A signal between two parts of a large file: no query is running to cancel.
      throwIfAborted(options.signal);
      await cancellable(options, () => client.query(`${lead}${text}${tail}`));
    } catch (err) {
      const failing = failingStatement(part, envelope.blank, completed() - before - leadCount);
      throw toFailure(file, err, { ...part, text }, -lead.length, options, undefined, failing);
    }
    lead = '';
    leadCount = 0;
  };
  let held: SqlPart | undefined;
  try {
    for (const part of file.parts()) {
      if (held) await send(held, '');
      changesSession ||= part.statements.some((st) => mayChangeSession(st.text));
      held = part;
    }
  } catch (err) {
    throw err instanceof FileFailure ? err : toFailure(file, err, NO_TEXT, 0, options);
  }
  const after = changesSession ? [...envelope.after, ...envelope.reset] : envelope.after;
  await send(held ?? { ...NO_TEXT, statements: [], index: 0 }, `\n;\n${after.join(';\n')}`);
}

/** `statements` as the head of a query: each ended by `;` and a newline. */
function statementsSql(statements: string[]): string {
  return statements.map((s) => `${s};\n`).join('');
}

/**
 * The statement of `part` that a failed query was running, from how many statements of the part the
 * server had completed (blanked statements send nothing); undefined when the failure came after the
 * part's statements (our own SQL: the lock check, the history row, COMMIT).
 */
function failingStatement(part: SqlPart, blanked: number[], done: number): Statement | undefined {
  if (done < 0) return undefined;
  let n = 0;
  for (const [i, st] of part.statements.entries()) {
    if (blanked.includes(part.index + i)) continue;
    if (n === done) return st;
    n += 1;
  }
  return undefined;
}

/** The part's text with the statements numbered `indices` (in the file) replaced by spaces. */
function blankStatements(part: SqlPart, indices: number[]): string {
  let text = part.text;
  for (const i of indices) {
    const statement = part.statements[i - part.index];
    if (statement) text = blank(text, statement);
  }
  return text;
}

/** Runs `fn`; if SIGTERM/SIGINT arrives meanwhile, asks the server to cancel the statement. */
export async function cancellable<T>(options: Pick<ApplyOptions, 'session' | 'connection' | 'signal'>, fn: () => Promise<T>): Promise<T> {
  const onAbort = () => void cancelRunningQuery(options.session, options.connection);
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn();
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
