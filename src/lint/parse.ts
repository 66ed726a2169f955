// PostgreSQL's own parser (libpg_query compiled to WebAssembly), loaded on first use: only `lint`
// and `LINT` before `up` need it, and loading it costs far more than a no-op run (docs/LINT.md).
// The bundle keeps it in a file of its own beside dist/pgshift.mjs (scripts/build.mjs).

import { offsetOfPosition } from '../sql/positions.js';

/** A node of the parse tree as libpg_query's JSON has it: `{ NodeType: { …fields } }`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = Record<string, any>;

export interface ParsedStatement {
  /** The node's type, e.g. `IndexStmt`, and its fields. */
  kind: string;
  node: Node;
  /** Offsets (UTF-16 units) into the text of the statement's first token and just past its end. */
  start: number;
  end: number;
}

export type ParseOutcome = { ok: true; statements: ParsedStatement[] } | { ok: false; message: string; offset: number };

export type Parser = (text: string) => ParseOutcome;

let loading: Promise<Parser> | undefined;

/** The parser, loaded once per process. */
export function loadParser(): Promise<Parser> {
  loading ??= import('libpg-query').then(async (pg) => {
    await pg.loadModule();
    return (text: string) => parseWith(pg.parseSync, text);
  });
  return loading;
}

function parseWith(parseSync: (sql: string) => { stmts?: Array<{ stmt?: Node; stmt_location?: number; stmt_len?: number }> }, text: string): ParseOutcome {
  const offsets = byteOffsets(text);
  if (text.trim() === '') return { ok: true, statements: [] };
  try {
    const tree = parseSync(text);
    const statements: ParsedStatement[] = [];
    for (const s of tree.stmts ?? []) {
      const kind = Object.keys(s.stmt ?? {})[0];
      if (!kind) continue;
      const from = s.stmt_location ?? 0;
      const to = s.stmt_len ? from + s.stmt_len : offsets.bytes;
      statements.push({ kind, node: s.stmt![kind] as Node, start: offsets.toChar(from), end: offsets.toChar(to) });
    }
    return { ok: true, statements };
  } catch (err) {
    // Unlike node locations, an error's position counts characters, as the server's error cursor does.
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    return { ok: false, message: (err as Error).message, offset: Math.max(0, offsetOfPosition(text, 0, details?.cursorPosition ?? 0, false)) };
  }
}

export interface ByteOffsets {
  /** The text's length in UTF-8 bytes. */
  bytes: number;
  /** The UTF-16 offset of a UTF-8 byte offset (libpg_query's locations count bytes). */
  toChar(byte: number): number;
}

export function byteOffsets(text: string): ByteOffsets {
  const bytes = Buffer.byteLength(text);
  if (bytes === text.length) return { bytes, toChar: (b) => b };
  const starts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdbff ? 4 : code >= 0xdc00 && code <= 0xdfff ? 0 : 3;
    for (let k = 0; k < width; k++) starts.push(i);
  }
  return { bytes, toChar: (b) => (b >= starts.length ? text.length : starts[b]!) };
}
