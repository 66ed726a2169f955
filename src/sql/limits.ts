// How much SQL pgshift holds and sends at once.

/**
 * How much text a part of a large file holds (at least; a statement is never split): what the server
 * is sent at once, and what the lexer holds. Small parts keep peak memory low; the queries they add
 * cost less than the file's run time (docs/PERFORMANCE.md, "Large files").
 */
export const PART_CHARS = 64 << 10;

/**
 * The largest statement pgshift sends. A statement goes to the server whole, as one string, and is
 * held several times over on the way (the text, the query with what travels with it, pg's buffer),
 * so memory grows with the largest statement. Larger ones are refused before anything runs
 * (docs/PERFORMANCE.md, "Large files").
 */
export const MAX_STATEMENT_CHARS = 8 << 20;

export function tooLarge(chars: number, atLeast: '' | 'at least '): string {
  const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `this statement is ${atLeast}${mib(chars)} long, over the ${mib(MAX_STATEMENT_CHARS)} pgshift sends as one statement (it is held whole, several times over, in memory): split it into smaller statements (e.g. INSERTs of fewer rows: the file still runs in one transaction), or load the data with COPY … FROM a file on the database server`;
}

