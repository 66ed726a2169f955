// checksumVariants reads a file in chunks: each variant must equal the hash of the whole form.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/source/load.js';
import { checksumVariants } from '../../src/source/variants.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function load(bytes: Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-variants-'));
  writeFileSync(join(dir, '0001_a.sql'), bytes);
  return (await loadMigrations(dir, { lex: 'now' })).files[0]!;
}

describe('checksumVariants', () => {
  // Over 64 KiB, with a CRLF split across the first chunk boundary.
  const lf = `---\n${'-- x\n'.repeat(13107)}SELECT 1;\n-- é\n`;
  const crlf = lf.replace(/\n/g, '\r\n');

  it.each([
    ['LF', Buffer.from(lf)],
    ['CRLF', Buffer.from(crlf)],
    ['BOM + CRLF', Buffer.concat([BOM, Buffer.from(crlf)])],
  ])('of a %s file: every form of the same text', async (_, bytes) => {
    const file = await load(bytes);
    expect(file.checksum).toBe(sha256(lf));
    const byHow = Object.fromEntries(checksumVariants(file).map((v) => [v.how, v.checksum]));
    expect(byHow).toEqual({
      'sha256 of the text with CRLF line ends': sha256(crlf),
      'sha256 of the text with a UTF-8 BOM': sha256(Buffer.concat([BOM, Buffer.from(lf)])),
      'sha256 of the text with a BOM and CRLF line ends': sha256(Buffer.concat([BOM, Buffer.from(crlf)])),
      'md5 of the raw bytes': md5(bytes),
      'md5 of the text': md5(lf),
      'md5 of the text with CRLF line ends': md5(crlf),
    });
  });

  it('is empty for a file changed since it was read: its variants would prove nothing', async () => {
    const file = await load(Buffer.from('SELECT 1;\n'));
    writeFileSync(file.path, 'SELECT 2;\n');
    expect(checksumVariants(file)).toEqual([]);
  });
});
