// Files over LARGE_FILE_BYTES are read in chunks and never held whole. They must be indistinguishable
// from small files in every result: checksums (BOM, CRLF, even split across two reads), UTF-8 errors,
// statements, problems. And what changes on disk after its checksum was taken is never applied.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import { LARGE_FILE_BYTES } from '../../src/source/files.js';
import { checkContent, loadMigrations, parseMigration } from '../../src/source/load.js';
import { checksumOf, normalize } from '../../src/source/text.js';
import type { MigrationFile } from '../../src/types.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const READ = 64 * 1024; // how much src/source/ reads at once
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function folder(files: Record<string, Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-large-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** A BOM, CRLF line ends, a CRLF and a two-byte character each split across two reads, then INSERTs past the threshold. */
function windowsFile(): Buffer {
  const head = Buffer.concat([BOM, Buffer.from(`-- ${'x'.repeat(READ - BOM.length - 4)}\r\n`)]); // the CR is the last byte of the first read
  const second = Buffer.from(`--${'y'.repeat(2 * READ - 3 - head.length)}é\r\n`); // é (C3 A9) straddles the second boundary
  const lines: string[] = [];
  for (let i = 0, size = 0; size < LARGE_FILE_BYTES; i++) size += lines[lines.push(`INSERT INTO t VALUES (${i}, 'row ${i} ünï');`) - 1]!.length + 2;
  const bytes = Buffer.concat([head, second, Buffer.from(`CREATE TABLE t (id int, note text);\r\n${lines.join('\r\n')}\r\n`)]);
  expect(bytes[READ - 1]).toBe(0x0d);
  expect(bytes[READ]).toBe(0x0a);
  expect(bytes.subarray(2 * READ - 1, 2 * READ + 1)).toEqual(Buffer.from('é'));
  return bytes;
}

const whole = (bytes: Buffer) => parseMigration('0001_big.sql', '0001', '/x', bytes, [], [])!;
const statementsOf = (f: MigrationFile) => [...f.parts()].flatMap((p) => p.statements.map((s) => ({ line: s.line, text: s.text })));

describe('a file over LARGE_FILE_BYTES', () => {
  it('has the checksums, mode and statements the same bytes have when read whole', async () => {
    const bytes = windowsFile();
    const dir = await folder({ '0001_big.sql': bytes });
    const [large] = (await loadMigrations(dir, { lex: 'now' })).files;
    const small = whole(bytes);
    expect(large!.checksum).toBe(checksumOf(normalize(bytes.toString('utf8'))));
    expect(large!.checksum).toBe(small.checksum);
    expect(large!.rawChecksum).toBe(sha(bytes));
    expect({ mode: large!.mode, reason: large!.modeReason, count: large!.statementCount }).toEqual({ mode: small.mode, reason: small.modeReason, count: small.statementCount });
    expect([...small.parts()]).toHaveLength(1);
    expect([...large!.parts()].length).toBeGreaterThan(20);
    expect(statementsOf(large!)).toEqual(statementsOf(small));
    await rm(dir, { recursive: true });
  });

  it('two BOMs: the same normalized text and checksum as when read whole', async () => {
    const bytes = Buffer.concat([BOM, BOM, Buffer.from('SELECT 1;\n'.repeat(LARGE_FILE_BYTES / 8))]);
    const dir = await folder({ '0001_boms.sql': bytes });
    const [large] = (await loadMigrations(dir, { lex: 'now' })).files;
    expect(large!.checksum).toBe(whole(bytes).checksum);
    expect([...large!.parts()][0]!.statements[0]).toMatchObject({ line: 1, start: 0, text: 'SELECT 1' });
    await rm(dir, { recursive: true });
  });

  it('the LF checkout of the same file has the same checksum', async () => {
    const bytes = windowsFile();
    const lf = Buffer.from(normalize(bytes.toString('utf8')));
    const dir = await folder({ '0001_crlf.sql': bytes, '0002_lf.sql': lf });
    const [crlf, unix] = (await loadMigrations(dir)).files;
    expect(crlf!.checksum).toBe(unix!.checksum);
    expect(unix!.rawChecksum).toBe(unix!.checksum);
    await rm(dir, { recursive: true });
  });

  const LINES = Math.ceil(LARGE_FILE_BYTES / 10);

  it('not UTF-8 deep inside: the same problem, line and offset as for a small file', async () => {
    const good = Buffer.from(`${'SELECT 1;\n'.repeat(LINES)}`);
    const bytes = Buffer.concat([good, Buffer.from([0x53, 0xff, 0x3b, 0x0a]), Buffer.from('SELECT 2;\n'.repeat(1000))]);
    const dir = await folder({ '0001_big.sql': bytes });
    const problems: string[] = [];
    parseMigration('0001_big.sql', '0001', '/x', bytes, problems, []);
    expect(problems).toEqual([`0001_big.sql:${LINES + 1}: is not valid UTF-8 (byte 0xff at offset ${good.length + 1}); save the file as UTF-8`]);
    await expect(loadMigrations(dir, { lex: 'now' })).rejects.toThrow(`  - ${problems[0]}`);
    await expect(loadMigrations(dir)).rejects.toThrow(`  - ${problems[0]}`);
    await rm(dir, { recursive: true });
  });

  it('a psql meta-command far into it is refused at its line, as in a small file', async () => {
    const bytes = Buffer.from(`${'SELECT 1;\n'.repeat(LINES)}\\i other.sql\nSELECT 2;\n`);
    const dir = await folder({ '0001_big.sql': bytes });
    const message = `0001_big.sql:${LINES + 1}:1: psql meta-command \\i cannot run outside psql`;
    await expect(loadMigrations(dir, { lex: 'now' })).rejects.toThrow(message);
    const { files } = await loadMigrations(dir);
    expect(() => checkContent(dir, files)).toThrow(message);
    await rm(dir, { recursive: true });
  });

  it('changed on disk after its checksum was taken: reading it again throws SourceError, at the end of the text', async () => {
    const bytes = Buffer.from(`CREATE TABLE t (id int);\n${'INSERT INTO t VALUES (1);\n'.repeat(LARGE_FILE_BYTES / 20)}`);
    const dir = await folder({ '0001_big.sql': bytes });
    const [file] = (await loadMigrations(dir)).files;
    // Same size, one statement changed near the end: every part but the last reads as before.
    const edited = Buffer.from(bytes);
    edited.write('2', edited.length - 4);
    await writeFile(join(dir, '0001_big.sql'), edited);
    let parts = 0;
    const read = () => {
      for (const part of file!.parts()) parts += part.statements.length > 0 ? 1 : 0;
    };
    expect(read).toThrow(SourceError);
    expect(read).toThrow(/^0001_big\.sql: changed on disk while pgshift was applying it \(its checksum was [0-9a-f]{12} when the folder was read and is [0-9a-f]{12} now\); keep MIGRATIONS_DIR unchanged while pgshift runs \(a volume or ConfigMap being updated\?\), then run again$/);
    expect(parts).toBeGreaterThan(2);
    expect(() => file!.mode).toThrow(SourceError);
    await rm(dir, { recursive: true });
  });

  it('removed after it was read: SourceError naming it', async () => {
    const dir = await folder({ '0001_big.sql': Buffer.from('SELECT 1;\n'.repeat(LARGE_FILE_BYTES / 9)) });
    const [file] = (await loadMigrations(dir)).files;
    await rm(dir, { recursive: true });
    expect(() => [...file!.parts()]).toThrow('0001_big.sql: cannot be read any more (ENOENT); run again');
  });

  it('one byte under the threshold is read whole (one part); one over, in parts', async () => {
    const text = (size: number) => Buffer.from(`${'SELECT 1;\n'.repeat(Math.floor(size / 10))}${'-'.repeat(size % 10)}`);
    const dir = await folder({ '0001_at.sql': text(LARGE_FILE_BYTES), '0002_over.sql': text(LARGE_FILE_BYTES + 1) });
    const [at, over] = (await loadMigrations(dir, { lex: 'now' })).files;
    expect([...at!.parts()]).toHaveLength(1);
    expect([...over!.parts()].length).toBeGreaterThan(1);
    expect(at!.statementCount).toBe(over!.statementCount);
    await rm(dir, { recursive: true });
  });
});

describe('a file over 4 MiB with a down part', () => {
  it('is refused (it is read in parts and cannot be cut), whatever the length of its lines', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadMigrations } = await import('../../src/source/load.js');
    const dir = mkdtempSync(join(tmpdir(), 'pgshift-down-'));
    const row = `(${'1'.repeat(60)})`;
    // One very long line first (a data load on one line), the marker at the end.
    writeFileSync(join(dir, '00001_seed.sql'), `-- +goose Up\nINSERT INTO t VALUES ${Array(80_000).fill(row).join(',')};\n-- +goose Down\nDELETE FROM t;\n`);
    await expect(loadMigrations(dir, { lex: 'now' })).rejects.toThrow("00001_seed.sql: holds another tool's down part (goose, dbmate or node-pg-migrate markers) and is larger than 4 MiB");
  });
});

describe("Flyway's checksum", () => {
  it('is a CRC32 of the lines without their line breaks and BOM, as a signed 32-bit number', async () => {
    const { crc32 } = await import('node:zlib');
    const { flywayChecksum } = await import('../../src/tools/flyway.js');
    const lines = 'CREATE TABLE log (n int);INSERT INTO log VALUES (1);';
    const expected = crc32(lines) | 0;
    for (const text of ['CREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n', '\uFEFFCREATE TABLE log (n int);\r\nINSERT INTO log VALUES (1);', 'CREATE TABLE log (n int);\r\rINSERT INTO log VALUES (1);\n\n']) {
      expect(flywayChecksum(Buffer.from(text))).toBe(expected);
    }
    expect(flywayChecksum(Buffer.from('ü'.repeat(100)))).toBe(crc32('ü'.repeat(100)) | 0);
  });
});
