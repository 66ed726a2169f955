// Other checksums of a file's content, for history rows whose checksum was computed another way
// (the raw bytes of a CRLF checkout, with a BOM, an md5). Read from disk only for a file whose
// recorded checksum matched neither of its own: never on the run where everything is applied.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { ChecksumVariant, MigrationFile } from '../types.js';
import { CHUNK_BYTES } from './text.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The forms hashed: each is the file's normalized text (BOM removed, CRLF → LF) written another way. */
const FORMS = [
  { bom: false, crlf: true, algorithm: 'sha256', how: 'sha256 of the text with CRLF line ends' },
  { bom: true, crlf: false, algorithm: 'sha256', how: 'sha256 of the text with a UTF-8 BOM' },
  { bom: true, crlf: true, algorithm: 'sha256', how: 'sha256 of the text with a BOM and CRLF line ends' },
  { bom: false, crlf: false, algorithm: 'md5', how: 'md5 of the text' },
  { bom: false, crlf: true, algorithm: 'md5', how: 'md5 of the text with CRLF line ends' },
] as const;

/**
 * The file's content as other tools may have checksummed it. Empty when the file can no longer be
 * read or is no longer what was read before (its checksums then prove nothing about it). Reads the
 * file in chunks: memory stays small whatever its size.
 */
export function checksumVariants(file: MigrationFile): ChecksumVariant[] {
  let fd: number;
  try {
    fd = openSync(file.path, 'r');
  } catch {
    return [];
  }
  const raw = { sha256: createHash('sha256'), md5: createHash('md5') };
  const text = createHash('sha256');
  const hashes = FORMS.map((f) => (f.bom ? createHash(f.algorithm).update(BOM) : createHash(f.algorithm)));
  try {
    for (const chunk of normalizedChunks(fd, raw)) {
      text.update(chunk);
      const crlf = withCrlf(chunk);
      FORMS.forEach((f, i) => hashes[i]!.update(f.crlf ? crlf : chunk));
    }
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
  if (raw.sha256.digest('hex') !== file.rawChecksum || text.digest('hex') !== file.checksum) return [];
  const variants: ChecksumVariant[] = FORMS.map((f, i) => ({ checksum: hashes[i]!.digest('hex'), how: f.how }));
  // Before the md5 of the text: for a file with neither BOM nor CR the two are one, and "raw bytes" says more.
  variants.splice(3, 0, { checksum: raw.md5.digest('hex'), how: 'md5 of the raw bytes' });
  return variants;
}

/**
 * The normalized text's bytes, chunk by chunk, as text.ts normalizes it (a leading BOM removed,
 * CRLF → LF); `raw` is fed the bytes as read. A CR at a chunk's end waits: it may begin a CRLF.
 */
function* normalizedChunks(fd: number, raw: { sha256: Hash; md5: Hash }): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let first = true;
  let cr = false;
  for (;;) {
    const n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
    let bytes = buffer.subarray(0, n);
    raw.sha256.update(bytes);
    raw.md5.update(bytes);
    if (first && n > 0) {
      first = false;
      if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
    }
    let latin1: string = (cr ? '\r' : '') + bytes.toString('latin1');
    cr = n > 0 && latin1.endsWith('\r');
    if (cr) latin1 = latin1.slice(0, -1);
    if (latin1) yield Buffer.from(latin1.replace(/\r\n/g, '\n'), 'latin1');
    if (n === 0) return;
  }
}

function withCrlf(lf: Buffer): Buffer {
  return Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}
