// The comparison behind the sample outputs in README.md and docs/ (scripts/doc-samples.mjs): what
// varies between honest runs is masked, anything else that differs is drift.
import { describe, expect, it } from 'vitest';
import { matches, normalize, parseSamples, replaceSamples } from '../../scripts/doc-samples.mjs';

const RUN = `$ pgshift
connecting to postgres@127.0.0.1:41234/app (from DATABASE_URL)
migration lock acquired
  Applying: 0001_a.sql
  ✓ Applied in 12ms
⚠ waiting for the migration lock held by pid 4711, application_name pgshift@job-x1, session started 2026-12-02T08:20:33.211Z  lock=-2388661418047288463 waitedMs=9
✗ modified: 0001_a.sql was applied with checksum f8b449bb2b65 but the file now has 9631a2006f86`;

const DOC = `$ pgshift
connecting to postgres@127.0.0.1:55439/app (from DATABASE_URL)
migration lock acquired
  Applying: 0001_a.sql
  ✓ Applied in 39ms
⚠ waiting for the migration lock held by pid 29480, application_name pgshift@vm, session started 2026-11-26T01:42:51.820Z  lock=6735801257890975269 waitedMs=2
✗ modified: 0001_a.sql was applied with checksum da4b03f361d3 but the file now has 32c72eae4b29`;

describe('a documented sample against a real run', () => {
  it('matches when only times, durations, ports, pids, hosts, lock keys and checksums differ', () => {
    expect(matches(DOC, RUN)).toBe(true);
  });

  it.each([
    ['a message reworded', DOC.replace('migration lock acquired', 'lock acquired')],
    ['a line the run no longer prints', `${DOC}\n✗ a migration failed; it was rolled back and recorded`],
    ['a line the run prints and the document lacks', DOC.replace('migration lock acquired\n', '')],
    ['a file name', DOC.replace('0001_a.sql was applied', '0002_b.sql was applied')],
    ['an exit code', `${DOC}  code=PLAN_REJECTED exitCode=6`],
  ])('is drift: %s', (_, altered) => {
    expect(matches(altered, RUN)).toBe(false);
  });

  it('a `…` line in the document stands for any lines of the run', () => {
    expect(matches('$ pgshift\n…\n✗ modified: 0001_a.sql was applied with checksum 000000000000 but the file now has 111111111111', RUN)).toBe(true);
    expect(matches('$ pgshift\n…\n✗ missing: 0001_a.sql', RUN)).toBe(false);
  });

  it('masks the same way on both sides, trailing spaces and blank edges aside', () => {
    expect(normalize('\n  ✓ Applied in 5ms  \nat 127.0.0.1:5432\n\n')).toBe('  ✓ Applied in <n>ms\nat 127.0.0.1:<port>');
  });
});

describe('marked blocks', () => {
  const md = ['intro', '<!-- sample: demo -->', '```text', 'old 1', 'old 2', '```', '', '  <!-- sample: nested -->', '  ```text', '  inner', '  ```', '```sh', 'not a sample', '```'].join('\n');

  it('finds each marked block, indented or not, and only those', () => {
    expect(parseSamples(md).map((s) => [s.name, s.text])).toEqual([['demo', 'old 1\nold 2'], ['nested', 'inner']]);
  });

  it('rewrites a block in place, keeping its indentation and the rest of the document', () => {
    const out = replaceSamples(md, new Map([['nested', 'new a\nnew b'], ['demo', 'fresh']]));
    expect(out).toBe(['intro', '<!-- sample: demo -->', '```text', 'fresh', '```', '', '  <!-- sample: nested -->', '  ```text', '  new a', '  new b', '  ```', '```sh', 'not a sample', '```'].join('\n'));
  });

  it('refuses a marker with no block after it', () => {
    expect(() => parseSamples('<!-- sample: lost -->\ntext')).toThrow('<!-- sample: lost --> must be followed by a fenced block');
  });
});
