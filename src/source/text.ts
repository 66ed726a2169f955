// Bytes → text: UTF-8 checked, a leading BOM removed and CRLF → LF (so a Windows checkout is not
// "modified"), checksums, and the problems to report for bytes PostgreSQL cannot take.

import { createHash, hash, type Hash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { countCharacters } from '../sql/positions.js';

export const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * How much of a file is read at once. Most migrations are smaller: one read into a shared buffer
 * holds them whole, without asking the file's size first (three system calls per file, not four).
 */
export const CHUNK_BYTES = 64 << 10;
const shared = Buffer.allocUnsafe(CHUNK_BYTES);

/**
 * The first CHUNK_BYTES of the file open at `fd` (all of it when `whole`), in a buffer shared by
 * every call: valid until the next call, so copy or decode what must outlive it.
 */
export function readStart(fd: number): { bytes: Buffer; whole: boolean } {
  const n = readSync(fd, shared, 0, CHUNK_BYTES, 0);
  return { bytes: shared.subarray(0, n), whole: n < CHUNK_BYTES };
}

/** The file at `path`: a view of the shared buffer (see readStart) when it is small, else its own buffer. */
export function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const start = readStart(fd);
    return start.whole ? start.bytes : readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 hex. crypto.hash (Node ≥ 20.12) skips a Hash object per file. */
export const sha256: (data: Buffer | string) => string = typeof hash === 'function' ? (data) => hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex');

/** The two checksums of a file read in chunks. */
export interface Digests {
  raw: Hash;
  /** Of the normalized text (equal to `raw` when there is neither a BOM nor a CR to remove). */
  text: Hash;
}

export const digests = (): Digests => ({ raw: createHash('sha256'), text: createHash('sha256') });

/**
 * The normalized text of the file open at `fd`, decoded chunk by chunk: the chunks joined equal
 * normalize(whole text), and `sums` are updated as they go. Throws TypeError on bytes that are not UTF-8.
 */
export function* textChunks(fd: number, sums: Digests): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let first = true;
  // A CR at the end of a chunk waits for the next: it may be half of a CRLF.
  let cr = '';
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    const bytes = buffer.subarray(0, n);
    sums.raw.update(bytes);
    let text = cr + decoder.decode(bytes, { stream: n > 0 });
    cr = n > 0 && text.endsWith('\r') ? '\r' : '';
    if (cr) text = text.slice(0, -1);
    if (first && text) {
      text = normalize(text);
      first = false;
    } else {
      // normalize() without its leading-BOM rule, which holds for the file's start only.
      text = text.replace(/\r\n/g, '\n');
    }
    sums.text.update(text, 'utf8');
    if (text) yield text;
    if (n === 0) return;
  }
}

/** A leading UTF-8 BOM or a CR byte: normalize() may change the text. */
export function needsNormalizing(bytes: Buffer): boolean {
  return (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) || bytes.includes(0x0d);
}

/** Text as UTF-8 with a leading BOM removed and CRLF → LF, so a Windows checkout isn't "modified". */
export function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

export function checksumOf(normalizedSql: string): string {
  return sha256(normalizedSql);
}

/** The problem to report for text holding a NUL character: at the first one's line and column. */
export function holdsNul(name: string, chunks: Iterable<string>): string {
  let line = 1;
  let column = 1;
  for (const chunk of chunks) {
    const nul = chunk.indexOf('\0');
    const end = nul < 0 ? chunk.length : nul;
    const lineStart = chunk.lastIndexOf('\n', end - 1) + 1;
    for (let i = chunk.indexOf('\n'); i >= 0 && i < end; i = chunk.indexOf('\n', i + 1)) line++;
    column = (lineStart > 0 ? 1 : column) + countCharacters(chunk, lineStart, end);
    if (nul >= 0) break;
  }
  return `${name}:${line}:${column}: holds a NUL byte, which PostgreSQL cannot take in SQL text: saved as UTF-16? save it as UTF-8; otherwise remove the NUL`;
}

/** The problem to report for bytes that are not UTF-8: where the first bad byte is. */
export function notUtf8(name: string, bytes: Buffer): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return `${name}:1: is UTF-16 (it starts with the byte-order mark ${bytes[0]!.toString(16).toUpperCase()} ${bytes[1]!.toString(16).toUpperCase()}), not UTF-8; save it as UTF-8`;
  const at = firstInvalidUtf8(bytes);
  const line = bytes.subarray(0, at).filter((b) => b === 10).length + 1;
  return `${name}:${line}: is not valid UTF-8 (byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}); save the file as UTF-8`;
}

/**
 * Offset of the first byte that is not valid UTF-8. Decoding with replacement keeps every valid
 * sequence as it is, so the text before the first U+FFFD re-encodes to exactly the bytes before the
 * fault — unless the file holds a real U+FFFD (EF BF BD), which is skipped.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(text.slice(from, i));
    from = i;
    const real = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!real) return offset;
  }
  return bytes.length;
}
