// lint's command line, settings and the pure parts of its grading: one case per line.
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli.js';
import { loadConfig } from '../../src/config/load.js';
import { parseSize } from '../../src/config/size.js';
import { bytesText, rewrites } from '../../src/lint/grade.js';

describe('lint on the command line', () => {
  it('FILE… in order', () => expect(parseCli(['lint', 'b.sql', 'a.sql'])).toMatchObject({ command: 'lint', files: ['b.sql', 'a.sql'] }));
  it('--all', () => expect(parseCli(['lint', '--all'])).toMatchObject({ command: 'lint', all: true }));
  it('--format github', () => expect(parseCli(['lint', '--format', 'github'])).toMatchObject({ lintFormat: 'github', format: 'human' }));
  it('--format json is --json', () => expect(parseCli(['lint', '--format', 'json'])).toMatchObject({ lintFormat: 'json', format: 'json' }));
  it('--format other', () => expect(() => parseCli(['lint', '--format', 'sarif'])).toThrow('--format: one of text, json, github'));
  it('--all with FILEs', () => expect(() => parseCli(['lint', '--all', 'a.sql'])).toThrow('lint: name FILEs or --all, not both'));
  it('--all elsewhere', () => expect(() => parseCli(['up', '--all'])).toThrow('--all goes with `lint`'));
  it('--format elsewhere', () => expect(() => parseCli(['status', '--format', 'github'])).toThrow('--format goes with `lint`'));
});

describe('LINT settings', () => {
  // A password is set, so no password file is read.
  const load = (env: Record<string, string>) => loadConfig({ PGHOST: 'db', PGPASSWORD: 'secret-pw', ...env });
  it('off by default, with the default thresholds', () => expect(load({})).toMatchObject({ lint: 'off', lintLargeTableRows: 100_000, lintLargeTableBytes: 100 << 20 }));
  it('LINT=refuse', () => expect(load({ LINT: 'refuse' }).lint).toBe('refuse'));
  it('LINT=maybe is exit 3, naming the choices', () => expect(() => load({ LINT: 'maybe' })).toThrow('LINT: must be one of: off, warn, refuse'));
  it('thresholds', () => expect(load({ LINT_LARGE_TABLE_ROWS: '5000', LINT_LARGE_TABLE_SIZE: '2GB' })).toMatchObject({ lintLargeTableRows: 5000, lintLargeTableBytes: 2 * 2 ** 30 }));
  it('sizes', () => expect(['8192', '8kB', '500MB', '1.5GB', '1TB'].map(parseSize)).toEqual([8192, 8192, 500 << 20, 1.5 * 2 ** 30, 2 ** 40]));
  it('a size without a number', () => expect(() => parseSize('big')).toThrow('must be a size such as 8192, 500MB or 2GB'));
  it('sizes as shown', () => expect([0, 8192, 3 << 20, 5 * 2 ** 30].map(bytesText)).toEqual(['0 bytes', '8.0 kB', '3.0 MB', '5.0 GB']));
});

describe('column type changes that do not rewrite', () => {
  const free = (from: string, to: string) => !rewrites(from, to);
  it('varchar(n) → text', () => expect(free('character varying(20)', 'text')).toBe(true));
  it('varchar(n) → varchar', () => expect(free('character varying(20)', 'varchar')).toBe(true));
  it('varchar(n) → longer varchar', () => expect(free('character varying(20)', 'varchar(40)')).toBe(true));
  it('varchar(n) → shorter varchar', () => expect(free('character varying(20)', 'varchar(10)')).toBe(false));
  it('text → varchar', () => expect(free('text', 'varchar')).toBe(true));
  it('text → varchar(n)', () => expect(free('text', 'varchar(10)')).toBe(false));
  it('numeric(10,2) → numeric(12,2)', () => expect(free('numeric(10,2)', 'numeric(12,2)')).toBe(true));
  it('numeric(10,2) → numeric(12,3)', () => expect(free('numeric(10,2)', 'numeric(12,3)')).toBe(false));
  it('numeric(10,2) → numeric', () => expect(free('numeric(10,2)', 'numeric')).toBe(true));
  it('numeric → numeric(10,2)', () => expect(free('numeric', 'numeric(10,2)')).toBe(false));
  it('bit varying(8) → varbit(16)', () => expect(free('bit varying(8)', 'varbit(16)')).toBe(true));
  it('cidr → inet', () => expect(free('cidr', 'inet')).toBe(true));
  it('integer → bigint', () => expect(free('integer', 'int8')).toBe(false));
  it('USING always rewrites', () => expect(free('character varying(20)', 'text USING')).toBe(false));
});
