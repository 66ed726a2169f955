// Positions: offsets into a text ↔ lines and columns as PostgreSQL and editors count them.

/** A text with the offsets where its lines start; its first line is the file's line `firstLine`. */
export interface Lines {
  readonly sql: string;
  readonly lines: number[];
  readonly firstLine: number;
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Line (counted from `firstLine`) and column of an offset into `sql`, whose lines start at `lines`. */
export function locate({ sql: text, lines: starts, firstLine }: Lines, offset: number): { line: number; column: number } {
  const at = Math.min(Math.max(offset, 0), text.length);
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? 0) <= at) low = mid;
    else high = mid - 1;
  }
  const lineStart = starts[low] ?? 0;
  return { line: low + firstLine, column: countCharacters(text, lineStart, at) + 1 };
}

/** Characters (code points, as PostgreSQL and editors count them) in text[from, to). */
export function countCharacters(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++;
  }
  return count;
}

/** 1-based line and column of a 0-based offset into `text` (clamped to the text); reads the text only up to it. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const at = Math.min(Math.max(offset, 0), text.length);
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  const lineStart = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
  return { line, column: countCharacters(text, lineStart, at) + 1 };
}

/**
 * The offset into `source` of PostgreSQL's error position: `characters` counted (code points, or
 * bytes of their UTF-8 in a SQL_ASCII database: `inBytes`) into the text the server received, which
 * equals `source` from `sentStart` on; -1 when the text holds no such position. JavaScript offsets
 * count UTF-16 units, so they differ from positions after an emoji.
 */
export function offsetOfPosition(source: string, sentStart: number, characters: number, inBytes: boolean): number {
  let i = sentStart;
  let n = 0;
  // A negative start is our own ASCII prefix: one code unit per character.
  while (i < 0 && n < characters) {
    i += 1;
    n += 1;
  }
  while (n < characters && i < source.length) {
    const c = source.codePointAt(i) ?? 0;
    i += c > 0xffff ? 2 : 1;
    n += inBytes ? utf8Length(c) : 1;
  }
  return n === characters && i >= 0 ? i : -1;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}
