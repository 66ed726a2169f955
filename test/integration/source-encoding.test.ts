// Files PostgreSQL cannot take as SQL text — a NUL byte, UTF-16 with or without a byte-order mark,
// small or read in chunks (> 4 MiB) — fail `validate` and `up` with exit 6 before anything runs,
// naming the file, where, and the fix (#10 C15); never "lost the connection… run again" (exit 4).
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations, type CliResult } from '../helpers/cli.js';
import { databasePerTest } from '../helpers/suite.js';

const db = databasePerTest();
const FIX = 'saved as UTF-16? save it as UTF-8';
const failure = (r: CliResult) => String((jsonLines(r.stdout).find((e) => e.event === 'run.failed')?.err as { message?: string } | undefined)?.message);
const utf16le = (text: string, bom: boolean) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, 'utf16le')]);
const large = (tail: string) => `${'SELECT 1;\n'.repeat(500_000)}${tail}`;

/** validate and up both exit 6 with `expected` in the message; nothing applied, no history row. */
async function refusedEverywhere(files: Record<string, string | Buffer>, expected: string): Promise<void> {
  const dir = await writeMigrations({ '0001_ok.sql': 'CREATE TABLE ok (id int);\n', ...files });
  const env = { DATABASE_URL: db().url, MIGRATIONS_DIR: dir };
  for (const args of [['validate'], []]) {
    const r = await runCli(args, env);
    expect(r.code, r.stdout).toBe(6);
    expect(failure(r)).toContain(expected);
  }
  expect(await db().query("SELECT to_regclass('ok') AS ok")).toEqual([{ ok: null }]);
  // Lexer findings come after the history table is in shape (up lexes only what is not applied): no row, though.
  const rows = await db().query('SELECT filename FROM public.schema_migrations').catch(() => []);
  expect(rows).toEqual([]);
}

describe('bytes PostgreSQL cannot take as SQL text (#10 C15)', () => {
  it('a NUL byte: its line and column', () => refusedEverywhere({ '0002_nul.sql': 'CREATE TABLE a (id int);\nSELECT 1;\nSELECT é\0;\n' }, `0002_nul.sql:3:9: holds a NUL byte, which PostgreSQL cannot take in SQL text: ${FIX}`));
  it('UTF-16 without a byte-order mark', () => refusedEverywhere({ '0002_u16.sql': utf16le('CREATE TABLE a (id int);\n', false) }, `0002_u16.sql:1:2: holds a NUL byte, which PostgreSQL cannot take in SQL text: ${FIX}`));
  it('UTF-16 with a byte-order mark', () => refusedEverywhere({ '0002_bom.sql': utf16le('CREATE TABLE a (id int);\n', true) }, '0002_bom.sql:1: is UTF-16 (it starts with the byte-order mark FF FE), not UTF-8; save it as UTF-8'));
  it('a NUL far into a file read in chunks', () => refusedEverywhere({ '0002_big.sql': large('SELECT 2;\r\n  SELECT \0;\n') }, `0002_big.sql:500002:10: holds a NUL byte, which PostgreSQL cannot take in SQL text: ${FIX}`), 120_000);
  it('a large UTF-16 file', () => refusedEverywhere({ '0002_big16.sql': utf16le(large(''), false) }, '0002_big16.sql:1:2: holds a NUL byte'), 120_000);
});

describe('one statement larger than pgshift sends at once (#10 C14)', () => {
  const insert = (mib: number) => {
    const row = `(1, '${'x'.repeat(200)}')`;
    return `INSERT INTO big VALUES\n${Array(Math.ceil((mib * (1 << 20)) / (row.length + 2))).fill(row).join(',\n')};\n`;
  };

  it('over 8 MiB: validate and up exit 6 naming file:line, the size, the limit and what to do; nothing applied', () =>
    refusedEverywhere({ '0002_big.sql': `CREATE TABLE big (id int, v text);\n${insert(12)}` }, '0002_big.sql:2:1: this statement is 12.0 MiB long, over the 8.0 MiB pgshift sends as one statement'), 120_000);

  it('under 8 MiB: applied whole', async () => {
    const dir = await writeMigrations({ '0001_big.sql': `CREATE TABLE big (id int, v text);\n${insert(7.5)}` });
    const r = await runCli([], { DATABASE_URL: db().url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(await db().query('SELECT count(*)::int > 35000 AS loaded FROM big')).toEqual([{ loaded: true }]);
  }, 120_000);
});

describe('files that look like migrations but are not read (#11 item 7)', () => {
  it('up warns, naming each with its new name, and applies the rest', async () => {
    const dir = await writeMigrations({ '0001_ok.sql': 'CREATE TABLE ok (id int);\n', '0002_upper.SQL': 'CREATE TABLE upper (id int);\n', '0003_space.sql ': 'CREATE TABLE space (id int);\n' });
    const r = await runCli([], { DATABASE_URL: db().url, MIGRATIONS_DIR: dir });
    expect(r.code, r.stdout).toBe(0);
    const warnings = jsonLines(r.stdout).filter((e) => e.event === 'source.warning').map((e) => e.msg);
    expect(warnings).toEqual([
      '"0002_upper.SQL": looks like a migration but is not read (its extension is not lower-case .sql); rename it to "0002_upper.sql" to apply it',
      '"0003_space.sql ": looks like a migration but is not read (its name ends in whitespace); rename it to "0003_space.sql" to apply it',
    ]);
    expect(await db().query('SELECT filename FROM public.schema_migrations')).toEqual([{ filename: '0001_ok.sql' }]);
  });
});
