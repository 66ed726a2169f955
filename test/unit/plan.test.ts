// buildPlan is pure: files and history rows in, a plan out. One case per line.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan.js';
import { checksumOf } from '../../src/source/text.js';
import type { HistoryRow, MigrationFile, Plan, Policy } from '../../src/types.js';

const file = (name: string, sql = `-- ${name}`): MigrationFile => ({
  version: name.split('_')[0]!,
  name,
  path: `/m/${name}`,
  checksum: checksumOf(sql),
  rawChecksum: 'raw-' + name,
  mode: 'transaction',
  modeReason: 'default',
  partialRisk: false,
  statementCount: 0,
  parts: () => [],
});
let nextId = 1;
const row = (name: string, over: Partial<HistoryRow> = {}): HistoryRow => ({ id: nextId++, filename: name, appliedAt: '2025-10-18 19:53:41.5', checksum: checksumOf(`-- ${name}`), executionTimeMs: 3, success: true, errorMessage: null, ...over });
const files = (...names: string[]) => names.map((n) => file(n));
const rows = (...names: string[]) => names.map((n) => row(n));

/** A one-line summary of a plan: `applied: a,b | pending: c | …` (empty groups left out). */
function summary(plan: Plan): string {
  const groups: Array<[string, string[]]> = [
    ['applied', plan.applied.map((e) => e.name)],
    ['pending', plan.pending.map((e) => e.name)],
    ['failed', plan.failed.map((e) => e.name)],
    ['outOfOrder', plan.outOfOrder.map((e) => e.name)],
    ['modified', plan.modified.map((e) => e.name)],
    ['missing', plan.missing.map((e) => e.name)],
    ['unfinished', plan.unfinished.map((e) => e.name)],
    ['renamed', plan.renamed.map((e) => `${e.row!.filename}→${e.name}`)],
    ['conflicts', plan.conflicts.map((e) => `${e.row!.filename}/${e.name}`)],
    ['noChecksum', plan.noChecksum.map((e) => e.name)],
    ['otherChecksum', plan.otherChecksum.map((e) => `${e.name} (${e.checksumAs})`)],
    ['toApply', plan.toApply.map((f) => f.name)],
    ['problems', plan.problems.map((p) => p.split(':')[0]!)],
    ['warnings', plan.warnings.map((p) => p.split(':')[0]!)],
  ];
  return groups
    .filter(([, v]) => v.length)
    .map(([k, v]) => `${k}: ${v.join(',')}`)
    .join(' | ');
}

const _ = (f: MigrationFile[], r: HistoryRow[], expected: string, strict = false) => () => expect(summary(buildPlan(f, r, { strict }))).toBe(expected);
const withPolicy = (f: MigrationFile[], r: HistoryRow[], policy: Partial<Policy>, expected: string) => () => expect(summary(buildPlan(f, r, { strict: false, ...policy }))).toBe(expected);
/** A row for `name` recorded with the checksum of `sql` (the content `file(name, sql)` has). */
const rowOf = (name: string, sql: string, over: Partial<HistoryRow> = {}) => row(name, { checksum: checksumOf(sql), ...over });
const crlfVariant = new Map([['1_b.sql', [{ checksum: 'c'.repeat(64), how: 'sha256 of the text with CRLF line ends' }]]]);

describe('buildPlan', () => {
  it('nothing applied yet', _(files('1_a.sql', '2_b.sql'), [], 'pending: 1_a.sql,2_b.sql | toApply: 1_a.sql,2_b.sql'));
  it('all applied', _(files('1_a.sql'), rows('1_a.sql'), 'applied: 1_a.sql'));
  it('applies in byte order of names', _(files('20251018_x.sql', '0003_c.sql', '003_a.sql', '0002_b.sql'), [], 'pending: 20251018_x.sql,0003_c.sql,003_a.sql,0002_b.sql | toApply: 20251018_x.sql,0003_c.sql,003_a.sql,0002_b.sql'));
  it('a failed file is pending again', _(files('1_a.sql', '2_b.sql'), [row('1_a.sql'), row('2_b.sql', { success: false, errorMessage: 'boom' })], 'applied: 1_a.sql | pending: 2_b.sql | failed: 2_b.sql | toApply: 2_b.sql'));
  it('outOfOrder is applied with a warning', _(files('1_a.sql', '2_b.sql', '3_c.sql'), rows('1_a.sql', '3_c.sql'), 'applied: 1_a.sql,3_c.sql | pending: 2_b.sql | outOfOrder: 2_b.sql | toApply: 2_b.sql | warnings: outOfOrder'));
  it('outOfOrder is refused with --strict', _(files('1_a.sql', '2_b.sql', '3_c.sql'), rows('1_a.sql', '3_c.sql'), 'applied: 1_a.sql,3_c.sql | pending: 2_b.sql | outOfOrder: 2_b.sql | problems: outOfOrder', true));
  it('missing warns', _(files('1_a.sql'), rows('1_a.sql', '2_b.sql'), 'applied: 1_a.sql | missing: 2_b.sql | warnings: missing'));
  it('missing is refused with --strict', _(files('1_a.sql'), rows('1_a.sql', '2_b.sql'), 'applied: 1_a.sql | missing: 2_b.sql | problems: missing', true));
  it('a newer file after a missing one is not outOfOrder', _(files('1_a.sql', '3_c.sql'), rows('1_a.sql', '2_b.sql'), 'applied: 1_a.sql | pending: 3_c.sql | missing: 2_b.sql | toApply: 3_c.sql | warnings: missing'));
  it('modified refuses everything', _([file('1_a.sql', 'edited'), file('2_b.sql')], rows('1_a.sql'), 'pending: 2_b.sql | modified: 1_a.sql | problems: modified'));
  it('the raw-bytes checksum of the earlier script is equal', _(files('1_a.sql'), [row('1_a.sql', { checksum: 'raw-1_a.sql' })], 'applied: 1_a.sql'));
  it('a row without checksum is applied, listed and warned about (#11.6)', _(files('1_a.sql'), [row('1_a.sql', { checksum: null })], 'applied: 1_a.sql | noChecksum: 1_a.sql | warnings: no checksum recorded'));
  it('unfinished refuses everything', _(files('1_a.sql', '2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: no-transaction file started' })], 'pending: 2_b.sql | unfinished: 1_a.sql | problems: unfinished'));
  it('an unfinished row without its file still refuses', _(files('2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: x' })], 'pending: 2_b.sql | unfinished: 1_a.sql | problems: unfinished'));
  it('a stale failed row without its file is ignored', _(files('2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'boom' })], 'pending: 2_b.sql | toApply: 2_b.sql'));
  it('applied keeps history order', _(files('1_a.sql', '2_b.sql'), rows('2_b.sql', '1_a.sql'), 'applied: 2_b.sql,1_a.sql'));
  it('no files, no history', _([], [], ''));

  // A file's version is applied under another name (#10.A4): never pending.
  it('renamed: same version and content under a new name is applied, not pending (#10.A4)', _([file('1_b.sql', 'x')], [rowOf('1_a.sql', 'x')], 'applied: 1_b.sql | renamed: 1_a.sql→1_b.sql | warnings: renamed'));
  it('renamed: the raw-bytes checksum counts as the same content', _([file('1_b.sql', 'x')], [row('1_a.sql', { checksum: 'raw-1_b.sql' })], 'applied: 1_b.sql | renamed: 1_a.sql→1_b.sql | warnings: renamed'));
  it('renamed: refused with --strict', _([file('1_b.sql', 'x')], [rowOf('1_a.sql', 'x')], 'applied: 1_b.sql | renamed: 1_a.sql→1_b.sql | problems: renamed', true));
  it('renamed: later files still apply', _([file('1_b.sql', 'x'), file('2_c.sql')], [rowOf('1_a.sql', 'x')], 'applied: 1_b.sql | pending: 2_c.sql | renamed: 1_a.sql→1_b.sql | toApply: 2_c.sql | warnings: renamed'));
  it('conflict: same version, other content, new name refuses everything (#10.A4)', _([file('1_b.sql', 'new'), file('2_c.sql')], [rowOf('1_a.sql', 'old')], 'pending: 2_c.sql | conflicts: 1_a.sql/1_b.sql | problems: conflict'));
  it('conflict: same version, no checksum recorded, new name refuses', _([file('1_b.sql', 'x')], [row('1_a.sql', { checksum: null })], 'conflicts: 1_a.sql/1_b.sql | problems: conflict'));
  it('conflict: a failed row of the old name is no conflict', _([file('1_b.sql', 'x')], [rowOf('1_a.sql', 'x', { success: false, errorMessage: 'boom' })], 'pending: 1_b.sql | toApply: 1_b.sql'));
  it('a folder-per-migration name carries its version', _([file('20200101_b.sql', 'x')], [rowOf('20200101_a/migration.sql', 'x')], 'applied: 20200101_b.sql | renamed: 20200101_a/migration.sql→20200101_b.sql | warnings: renamed'));
  it('another version under another name is missing, not renamed', _([file('2_b.sql', 'x')], [rowOf('1_a.sql', 'x')], 'pending: 2_b.sql | missing: 1_a.sql | toApply: 2_b.sql | warnings: missing'));

  // Checksums computed another way (#11.6).
  it('a checksum computed another way is accepted with a warning when a variant proves it', withPolicy([file('1_b.sql')], [row('1_b.sql', { checksum: 'C'.repeat(64) })], { variants: crlfVariant }, 'applied: 1_b.sql | otherChecksum: 1_b.sql (sha256 of the text with CRLF line ends) | warnings: checksum recorded another way'));
  it('without a matching variant it is modified', withPolicy([file('1_b.sql')], [row('1_b.sql', { checksum: 'd'.repeat(64) })], { variants: crlfVariant }, 'modified: 1_b.sql | problems: modified'));
  it('a variant also proves a rename', withPolicy([file('1_b.sql')], [row('1_a.sql', { checksum: 'c'.repeat(64) })], { variants: crlfVariant }, 'applied: 1_b.sql | renamed: 1_a.sql→1_b.sql | warnings: renamed'));

  // up --to (#12.4)
  it('--to applies up to and including the file', withPolicy(files('1_a.sql', '2_b.sql', '3_c.sql'), [], { upTo: '2_b.sql' }, 'pending: 1_a.sql,2_b.sql,3_c.sql | toApply: 1_a.sql,2_b.sql'));
  it('--to includes an out-of-order file before it', withPolicy(files('1_a.sql', '2_b.sql', '3_c.sql', '4_d.sql'), rows('1_a.sql', '3_c.sql'), { upTo: '4_d.sql' }, 'applied: 1_a.sql,3_c.sql | pending: 2_b.sql,4_d.sql | outOfOrder: 2_b.sql | toApply: 2_b.sql,4_d.sql | warnings: outOfOrder'));
  it('--to an applied file applies the out-of-order files before it only', withPolicy(files('1_a.sql', '2_b.sql', '3_c.sql', '4_d.sql'), rows('1_a.sql', '3_c.sql'), { upTo: '3_c.sql' }, 'applied: 1_a.sql,3_c.sql | pending: 2_b.sql,4_d.sql | outOfOrder: 2_b.sql | toApply: 2_b.sql | warnings: outOfOrder'));
  it('--to still refuses on any problem', withPolicy([file('1_a.sql', 'edited'), file('2_b.sql')], rows('1_a.sql'), { upTo: '2_b.sql' }, 'pending: 2_b.sql | modified: 1_a.sql | problems: modified'));

  it('says what to do about a modified file', () => {
    const plan = buildPlan([file('1_a.sql', 'edited')], rows('1_a.sql'), { strict: false });
    expect(plan.problems[0]).toMatch(/^modified: 1_a\.sql was applied with checksum [0-9a-f]{12} but the file now has [0-9a-f]{12} \(compared: the sha256 of its text \(leading BOM removed, CRLF → LF\) and of its raw bytes\); restore the file as it was applied \(from version control\), or if the edit is intended and already reflected in the database run `pgshift repair 1_a\.sql`$/);
    const all = buildPlan([file('1_a.sql', 'edited')], rows('1_a.sql'), { strict: false, variants: new Map([['1_a.sql', [{ checksum: 'c'.repeat(64), how: 'x' }]]]) });
    expect(all.problems[0]).toContain('(compared: the sha256 of its text (leading BOM removed, CRLF → LF) and of its raw bytes, with CRLF line ends, with a BOM, and the md5 of each)');
  });

  it('says what renamed and conflicting files are and what to do', () => {
    expect(buildPlan([file('1_b.sql', 'x')], [rowOf('1_a.sql', 'x')], { strict: false }).warnings).toEqual([
      'renamed: 1_b.sql has the version and content of 1_a.sql, which is recorded as applied: it counts as applied and is not run again; run `pgshift repair 1_b.sql` to record the new name',
    ]);
    expect(buildPlan([file('1_b.sql', 'new')], [rowOf('1_a.sql', 'old')], { strict: false }).problems[0]).toMatch(
      /^conflict: 1_b\.sql has version 1, which is applied as 1_a\.sql with other content \(checksum [0-9a-f]{12} recorded, [0-9a-f]{12} in the file\); a version is applied once, so it is not run: restore 1_a\.sql as it was applied, and give 1_b\.sql a version of its own \(`pgshift create NAME`, then move its SQL there\)$/,
    );
    expect(buildPlan([file('1_b.sql', 'x')], [row('1_a.sql', { checksum: null })], { strict: false }).problems[0]).toContain('If it is the same migration, run `pgshift repair 1_b.sql` to record the new name');
  });

  it('names the files with no checksum recorded, once, and what to do', () => {
    const plan = buildPlan(files('1_a.sql', '2_b.sql'), [row('1_a.sql', { checksum: null }), row('2_b.sql', { checksum: null })], { strict: false });
    expect(plan.warnings).toEqual(['no checksum recorded: 1_a.sql, 2_b.sql have history rows without a checksum (written before checksums were kept), so an edit to them goes unnoticed; once you have checked the files are as applied, run `pgshift repair` to record their checksums']);
  });

  it('quotes an unfinished row\'s message on one line, cut at a word (#11.2)', () => {
    const plan = buildPlan(files('1_a.sql'), [row('1_a.sql', { success: false, errorMessage: `unfinished: stopped partway; ${'word '.repeat(80)}\nsecond line` })], { strict: false });
    expect(plan.problems[0]).toMatch(/\(unfinished: stopped partway; (word )+…\); some of its statements/);
    const short = buildPlan(files('1_a.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: stopped partway; 1_a.sql: ERROR 22012: division by zero\n1 of 2 statements had taken effect before this one' })], { strict: false });
    expect(short.problems[0]).toContain('(unfinished: stopped partway; 1_a.sql: ERROR 22012: division by zero; 1 of 2 statements had taken effect before this one); some of its statements');
  });

  it('says how to clear an unfinished file', () => {
    const plan = buildPlan(files('1_a.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: no-transaction file started at X by pgshift@pod and did not finish' })], { strict: false });
    expect(plan.problems[0]).toContain('Check the database, complete or undo them by hand, then run `pgshift repair 1_a.sql` to clear the row (the file is applied again on the next run), or `pgshift baseline --to 1_a.sql` if it is complete');
  });
});
