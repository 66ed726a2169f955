// A history row and its file are matched by name, version and content: a renamed file is never
// applied again (#10.A4), a reused version is refused, and checksums recorded without pgshift (none,
// raw CRLF bytes, md5) are shown and proven, not waved through or called "modified" (#11.6).
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createDatabase();
  return () => db.drop();
});

const history = () => db.query<{ filename: string; success: boolean; checksum: string | null }>('SELECT filename, success, checksum FROM public.schema_migrations ORDER BY id');
const seeded = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM seed'))[0]!.n;
const warnings = (stdout: string) => jsonLines(stdout).filter((e) => e.event === 'plan.warning').map((e) => String(e.msg));
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

/** A data migration: applying it twice leaves two rows. */
const SEED = 'CREATE TABLE IF NOT EXISTS seed (id int);\nINSERT INTO seed VALUES (1);\n';

describe('a renamed file (#10.A4)', () => {
  it('is not applied again: it counts as applied with a warning, --strict refuses it, repair records the new name', async () => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await rename(join(dir, '0001_seed.sql'), join(dir, '0001_seed_users.sql'));
    await writeFile(join(dir, '0002_next.sql'), 'CREATE TABLE next (id int);');

    const strict = await runCli(['--strict'], env);
    expect(strict.code).toBe(6);
    expect(strict.stdout).toContain('renamed: 0001_seed_users.sql has the version and content of 0001_seed.sql, which is recorded as applied; refused by --strict: run `pgshift repair 0001_seed_users.sql` to record the new name');
    expect(await db.query(`SELECT to_regclass('public.next') AS t`)).toEqual([{ t: null }]);

    const up = await runCli([], env);
    expect(up.code, up.stdout).toBe(0);
    expect(jsonLines(up.stdout).filter((e) => e.event === 'migration.applied').map((e) => e.file)).toEqual(['0002_next.sql']);
    expect(warnings(up.stdout)).toEqual(['renamed: 0001_seed_users.sql has the version and content of 0001_seed.sql, which is recorded as applied: it counts as applied and is not run again; run `pgshift repair 0001_seed_users.sql` to record the new name']);
    expect(await seeded()).toBe(1);

    const list = await runCli(['--list', '--json'], env);
    expect(JSON.parse(list.stdout)).toMatchObject({ plan: { renamed: [{ file: '0001_seed_users.sql', status: 'renamed', recordedAs: '0001_seed.sql' }], missing: [], pending: [] } });

    const repair = await runCli(['repair', '0001_seed_users.sql'], { ...env, LOG_FORMAT: 'text' });
    expect(repair.code, repair.stdout).toBe(0);
    expect(repair.stdout).toContain('0001_seed_users.sql: recorded under its new name (was 0001_seed.sql; same version and content)');
    expect((await history()).map((r) => r.filename)).toEqual(['0001_seed_users.sql', '0002_next.sql']);
    const after = await runCli(['--strict'], env);
    expect(after.code).toBe(0);
    expect(warnings(after.stdout)).toEqual([]);
    expect(await seeded()).toBe(1);
  });

  it('refuses a new file that reuses an applied version with other content (exit 6), applying nothing', async () => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await rename(join(dir, '0001_seed.sql'), join(dir, '0001_more.sql'));
    await writeFile(join(dir, '0001_more.sql'), 'INSERT INTO seed VALUES (2);');
    await writeFile(join(dir, '0002_next.sql'), 'CREATE TABLE next (id int);');
    for (const args of [[], ['validate'], ['repair', '0001_more.sql']]) {
      const r = await runCli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(6);
      expect(r.stdout).toContain('conflict: 0001_more.sql has version 0001, which is applied as 0001_seed.sql with other content');
    }
    expect(await seeded()).toBe(1);
    expect(await db.query(`SELECT to_regclass('public.next') AS t`)).toEqual([{ t: null }]);
    expect((await history()).map((r) => r.filename)).toEqual(['0001_seed.sql']);
  });

  it('refuses a new name for a version recorded without a checksum until a person says it is the same (repair FILE)', async () => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await db.query('UPDATE public.schema_migrations SET checksum = NULL');
    await rename(join(dir, '0001_seed.sql'), join(dir, '0001_seed_users.sql'));
    const refused = await runCli([], env);
    expect(refused.code).toBe(6);
    expect(refused.stdout).toContain('which is applied as 0001_seed.sql with no checksum recorded');
    // A bulk repair does not decide it; naming the file does.
    expect(JSON.parse((await runCli(['repair', '--json'], env)).stdout)).toMatchObject({ changes: [] });
    expect((await runCli(['repair', '0001_seed_users.sql'], env)).code).toBe(0);
    expect(await history()).toMatchObject([{ filename: '0001_seed_users.sql', checksum: sha256(SEED) }]);
    expect((await runCli([], env)).code).toBe(0);
    expect(await seeded()).toBe(1);
  });
});

describe('checksums recorded without pgshift (#11.6)', () => {
  it('lists rows with no checksum, warns, and records the checksum on repair (dry run first), after which edits are caught', async () => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await db.query('UPDATE public.schema_migrations SET checksum = NULL');

    const list = await runCli(['--list'], { ...env, LOG_FORMAT: 'text' });
    expect(list.stdout).toMatch(/✓ 0001_seed\.sql \(.*\) \(no checksum recorded: content not checked\)/);
    expect(list.stdout).toContain('no checksum recorded: 0001_seed.sql has a history row without a checksum');
    expect(JSON.parse((await runCli(['--list', '--json'], env)).stdout)).toMatchObject({ plan: { noChecksum: [{ file: '0001_seed.sql' }] } });

    const dry = await runCli(['repair', '--dry-run'], { ...env, LOG_FORMAT: 'text' });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\(dry run\) 0001_seed\.sql: no checksum recorded → [0-9a-f]{12} recorded/);
    expect(await history()).toMatchObject([{ checksum: null }]);

    expect((await runCli(['repair'], env)).code).toBe(0);
    expect(await history()).toMatchObject([{ checksum: sha256(SEED) }]);
    await writeFile(join(dir, '0001_seed.sql'), SEED + 'INSERT INTO seed VALUES (3);\n');
    expect((await runCli(['validate'], env)).code).toBe(6);
  });

  it.each([
    ['sha256 of the text with CRLF line ends', () => sha256(SEED.replace(/\n/g, '\r\n'))],
    ['sha256 of the text with a UTF-8 BOM', () => sha256(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SEED)]))],
    ['md5 of the raw bytes', () => md5(SEED)],
  ])('accepts a checksum that is the %s of the same content, applies nothing again, and repair records pgshift\'s', async (how, recorded) => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await db.query('UPDATE public.schema_migrations SET checksum = $1', [recorded()]);
    const up = await runCli([], env);
    expect(up.code, up.stdout).toBe(0);
    expect(warnings(up.stdout)).toEqual([`checksum recorded another way: 0001_seed.sql (${how}): the same content, accepted; run \`pgshift repair\` to record pgshift's checksum (sha256 of the text with a leading BOM removed and CRLF → LF)`]);
    expect(await seeded()).toBe(1);
    const repair = await runCli(['repair', '--json'], env);
    expect(JSON.parse(repair.stdout)).toMatchObject({ changes: [{ file: '0001_seed.sql', change: expect.stringContaining(`(${how}) →`) as unknown }] });
    expect(await history()).toMatchObject([{ checksum: sha256(SEED) }]);
    expect(warnings((await runCli([], env)).stdout)).toEqual([]);
  });

  it('a checksum no variant explains is modified, and the message says what was compared', async () => {
    const dir = await writeMigrations({ '0001_seed.sql': SEED });
    const env = { DATABASE_URL: db.url, MIGRATIONS_DIR: dir };
    expect((await runCli([], env)).code).toBe(0);
    await db.query('UPDATE public.schema_migrations SET checksum = $1', [md5('something else')]);
    const r = await runCli([], env);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('(compared: the sha256 of its text (leading BOM removed, CRLF → LF) and of its raw bytes, with CRLF line ends, with a BOM, and the md5 of each)');
    expect(r.stdout).toContain('run `pgshift repair 0001_seed.sql`');
    expect(await seeded()).toBe(1);
  });
});
