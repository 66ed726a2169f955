// The coverage check: the statements the lexer found must cover every character of SQL in the file.

import type { Statement } from '../types.js';
import { runEnd, SLASH } from './scanner.js';

/** Whitespace, `;` and `--` comments: what may stand between statements (block comments are walked apart, they nest). */
const GAP_RUN = /(?:[ \n\t\r\f\v;]+|--[^\n\r]*)*/y;

/**
 * Offset of the first character of `text` that no statement covers and that is not whitespace, a
 * comment or a `;`; -1 when there is none. Written apart from the lexer, on purpose: a statement run
 * alone is sent as its text only, so a lexer slip that leaves SQL between two statements (a `--`
 * comment the lexer ends at the wrong character, say) would drop that SQL silently. Statements are in order.
 */
export function firstUncovered(text: string, statements: readonly Statement[]): number {
  let from = 0;
  for (const statement of statements) {
    const gapEnd = endOfGap(text, from, statement.start);
    if (gapEnd < statement.start) return gapEnd;
    from = statement.end;
  }
  const end = endOfGap(text, from, text.length);
  return end < text.length ? end : -1;
}

/** Where the run of whitespace, `;` and comments from `from` stops, at most `to`. */
export function endOfGap(text: string, from: number, to: number): number {
  let at = from;
  for (;;) {
    at = runEnd(GAP_RUN, text, at);
    if (at >= to) return to;
    if (!text.startsWith('/*', at)) return at;
    const closed = endOfBlockComment(text, at);
    if (closed < 0) return at;
    at = closed;
  }
}

/** Just past the `*\/` closing the (nesting) block comment opened at `at`; -1 if it never closes. */
function endOfBlockComment(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length - 1; i++) {
    if (text.charCodeAt(i) === SLASH && text.charCodeAt(i + 1) === 0x2a) {
      depth++;
      i++;
    } else if (text.charCodeAt(i) === 0x2a && text.charCodeAt(i + 1) === SLASH) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

