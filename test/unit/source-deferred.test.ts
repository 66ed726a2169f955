// loadMigrations lexing on use (the `up` path: files are lexed only when needed) gives the same files
// as lexing now, and checkContent reports exactly what lexing now would have refused.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkContent, loadMigrations } from '../../src/source/load.js';
import { analyzeSql } from '../../src/sql/mode.js';
import type { MigrationFile } from '../../src/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/statements/', import.meta.url));

async function folder(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-deferred-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

/** Every field of MigrationFile (the deferred ones are getters), and its parts. */
const plain = (f: MigrationFile) => {
  const { version, name, path, checksum, rawChecksum, mode, modeReason, partialRisk, statementCount } = f;
  return { version, name, path, checksum, rawChecksum, mode, modeReason, partialRisk, statementCount, parts: [...f.parts()] };
};

describe('loadMigrations, lexing on use', () => {
  const fixtures = (clean: boolean) => {
    const files: Record<string, string> = {};
    readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.sql'))
      .map((n) => readFileSync(join(FIXTURES, n), 'utf8'))
      .filter((sql) => (analyzeSql(sql).problems.length === 0) === clean)
      .forEach((sql, i) => (files[`${String(i + 1).padStart(4, '0')}_case.sql`] = sql));
    return files;
  };

  it('gives the same files as lexing now (every lexer fixture without problems)', async () => {
    const dir = await folder(fixtures(true));
    const eager = await loadMigrations(dir, { lex: 'now' });
    const deferred = await loadMigrations(dir);
    expect(deferred.files.length).toBeGreaterThan(20);
    expect(deferred.files.map(plain)).toEqual(eager.files.map(plain));
    expect(checkContent(dir, deferred.files)).toEqual(eager.warnings);
  });

  it("lex: 'later' (status, plan) gives the same files as lexing now, from the text it read once", async () => {
    const dir = await folder(fixtures(true));
    const eager = await loadMigrations(dir, { lex: 'now' });
    const later = await loadMigrations(dir, { lex: 'later' });
    // Held, not read again: the folder may go away once read.
    await rm(dir, { recursive: true });
    expect(checkContent(dir, later.files)).toEqual(eager.warnings);
    expect(later.files.map(plain)).toEqual(eager.files.map(plain));
  });

  it('checkContent refuses what lexing now refuses, in the same words (every lexer fixture with problems)', async () => {
    const dir = await folder(fixtures(false));
    const lines = (message: string) => message.split('\n').sort();
    const refused = await loadMigrations(dir, { lex: 'now' }).then(() => 'did not throw', (err: Error) => err.message);
    const { files } = await loadMigrations(dir);
    expect(lines(error(() => checkContent(dir, files)))).toEqual(lines(refused));
  });

  it('lexes nothing until asked, then reports what lexing now refuses', async () => {
    const dir = await folder({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);\n\\i other.sql\n', '0003_c.sql': '-- nothing\n' });
    await expect(loadMigrations(dir, { lex: 'now' })).rejects.toThrow('0002_b.sql:2:1: psql meta-command \\i cannot run outside psql');
    const { files } = await loadMigrations(dir);
    expect(files.map((f) => f.name)).toEqual(['0001_a.sql', '0002_b.sql', '0003_c.sql']);
    expect(checkContent(dir, files.slice(0, 1))).toEqual([]);
    expect(checkContent(dir, files.slice(2))).toEqual(['0003_c.sql: contains no SQL statements; it will be recorded as applied']);
    expect(() => checkContent(dir, files)).toThrow(`${dir}: cannot be applied as it is:\n  - 0002_b.sql:2:1: psql meta-command \\i cannot run outside psql`);
  });

  it('keeps only checksums of small files: a text needed later is read again and must be the same bytes', async () => {
    const crlf = 'CREATE TABLE c (id int);\r\n';
    const dir = await folder({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);', '0003_c.sql': crlf, '0004_d.sql': 'SELECT 4;' });
    const { files } = await loadMigrations(dir);
    await writeFile(join(dir, '0002_b.sql'), 'DROP TABLE everything;');
    await writeFile(join(dir, '0003_c.sql'), 'DROP TABLE c;'); // normalized when first read: its text was kept
    await rm(join(dir, '0004_d.sql'));
    const [a, b, c, d] = files as [MigrationFile, MigrationFile, MigrationFile, MigrationFile];
    expect([...a.parts()][0]?.text).toBe('CREATE TABLE a (id int);');
    // What was expected, what is there now (checksums of the raw bytes), and what to do.
    const now = createHash('sha256').update('DROP TABLE everything;').digest('hex');
    expect(error(() => [...b.parts()])).toBe(
      `0002_b.sql: changed on disk while pgshift was applying it (its checksum was ${b.rawChecksum.slice(0, 12)} when the folder was read and is ${now.slice(0, 12)} now); keep MIGRATIONS_DIR unchanged while pgshift runs (a volume or ConfigMap being updated?), then run again`,
    );
    expect(error(() => checkContent(dir, [b]))).toContain('0002_b.sql: changed on disk while pgshift was applying it');
    expect([...c.parts()][0]?.text).toBe('CREATE TABLE c (id int);\n');
    expect(error(() => d.mode)).toBe('0004_d.sql: cannot be read again (ENOENT); run again');
  });

  it("refuses two names that are one version to postgrator or Flyway, which read the number (1 and 001, 1 and 1.0)", async () => {
    const postgrator = await folder({ '001.do.a.sql': 'SELECT 1;', '1.do.b.sql': 'SELECT 2;' });
    await expect(loadMigrations(postgrator)).rejects.toThrow('001.do.a.sql and 1.do.b.sql: one version to postgrator, which reads both as 1; give one a version of its own');
    const flyway = await folder({ 'V1_0__a.sql': 'SELECT 1;', 'V1__b.sql': 'SELECT 2;', 'V2__c.sql': 'SELECT 3;' });
    await expect(loadMigrations(flyway)).rejects.toThrow("V1_0__a.sql and V1__b.sql: one version to Flyway, which reads both as 1; give one a version of its own");
    // Versions that differ as numbers are fine, however they are padded.
    const distinct = await folder({ '001.do.a.sql': 'SELECT 1;', '002.do.b.sql': 'SELECT 2;', 'V1_0__a.sql': 'SELECT 1;', 'V1_1__b.sql': 'SELECT 1;' });
    expect((await loadMigrations(distinct)).files).toHaveLength(4);
  });

  it('still refuses names, duplicate versions and bytes that are not UTF-8 at once', async () => {
    const dir = await folder({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;', 'x.sql': 'SELECT 1;', '0002_c.sql': Buffer.from([0xff]) });
    const message = await loadMigrations(dir).then(() => '', (err: Error) => err.message);
    expect(message).toContain("x.sql: a migration's name starts with its version");
    expect(message).toContain('0002_c.sql:1: is not valid UTF-8');
    expect(message).toContain('0001_a.sql and 0001_b.sql: two files with version 0001');
  });
});
