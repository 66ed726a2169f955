// buildPlan is pure: files and history rows in, a plan out. One case per line.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan.js';
import { checksumOf } from '../../src/source.js';
import type { HistoryRow, MigrationFile, Plan } from '../../src/types.js';

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
  it('a row without checksum is accepted', _(files('1_a.sql'), [row('1_a.sql', { checksum: null })], 'applied: 1_a.sql'));
  it('unfinished refuses everything', _(files('1_a.sql', '2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: no-transaction file started' })], 'pending: 2_b.sql | unfinished: 1_a.sql | problems: unfinished'));
  it('an unfinished row without its file still refuses', _(files('2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: x' })], 'pending: 2_b.sql | unfinished: 1_a.sql | problems: unfinished'));
  it('a stale failed row without its file is ignored', _(files('2_b.sql'), [row('1_a.sql', { success: false, errorMessage: 'boom' })], 'pending: 2_b.sql | toApply: 2_b.sql'));
  it('applied keeps history order', _(files('1_a.sql', '2_b.sql'), rows('2_b.sql', '1_a.sql'), 'applied: 2_b.sql,1_a.sql'));
  it('no files, no history', _([], [], ''));

  it('says what to do about a modified file', () => {
    const plan = buildPlan([file('1_a.sql', 'edited')], rows('1_a.sql'), { strict: false });
    expect(plan.problems[0]).toMatch(/^modified: 1_a\.sql was applied with checksum [0-9a-f]{12} but the file now has [0-9a-f]{12}; restore the file, or if the edit is intended and already reflected in the database run `pgshift repair`$/);
  });

  it('says how to clear an unfinished file', () => {
    const plan = buildPlan(files('1_a.sql'), [row('1_a.sql', { success: false, errorMessage: 'unfinished: no-transaction file started at X by pgshift@pod and did not finish' })], { strict: false });
    expect(plan.problems[0]).toContain('Check the database, complete or undo them by hand, then run `pgshift repair` to clear the row (the file is applied again on the next run), or `pgshift baseline --to 1_a.sql` if it is complete');
  });
});
