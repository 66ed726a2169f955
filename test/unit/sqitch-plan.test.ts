// sqitch.plan read as sqitch reads it. The ids are sqitch 1.3.1's own, printed by
// `sqitch plan --format 'format:%H %n'` for this plan: a project URI, notes (one with an escaped
// line break), a tag, dependencies on the project, another project and a conflict, and a rework.
import { describe, expect, it } from 'vitest';
import { parseSqitchPlan } from '../../src/tools/sqitch-plan.js';

const PLAN = `%syntax-version=1.0.0
%project=flipr
%uri=https://github.com/sqitchers/sqitch-intro/

log 2024-01-01T10:00:00Z Marge N. O'Vera <marge@example.com> # Creates the log table.
two [log] 2024-01-02T10:00:00Z Marge N. O'Vera <marge@example.com> # Logs 2,\\nwith a function
@v1.0 2024-01-03T10:00:00Z Marge N. O'Vera <marge@example.com> # Tag v1.0.
three [two !old other:x] 2024-01-04T10:00:00Z Marge <marge@example.com>
two [two@v1.0] 2024-01-05T10:00:00Z Marge <marge@example.com> # two() returns 20
`;

describe('parseSqitchPlan', () => {
  it('gives sqitch 1.3.1 change ids, plan order, and a reworked change its NAME@TAG script', () => {
    const plan = parseSqitchPlan(PLAN, (script) => script === 'deploy/two@v1.0.sql');
    expect(plan.project).toBe('flipr');
    expect(plan.changes.map((c) => [c.position, c.id, c.name, c.deployScript])).toEqual([
      [1, 'da186b72b4b034e102701f82655d088e9ce9e71d', 'log', 'deploy/log.sql'],
      [2, 'c4b048992330bdd881b2867b90e98dffc13a39f7', 'two', 'deploy/two@v1.0.sql'],
      [3, '7155b948c4fed57b722293e527bb249769fe2e35', 'three', 'deploy/three.sql'],
      [4, 'd894c099bc7adca3e2590d78320ea59c3030882e', 'two', 'deploy/two.sql'],
    ]);
  });

  it('CRLF line ends read as LF, as sqitch reads them', () => {
    expect(parseSqitchPlan(PLAN.replace(/\n/g, '\r\n'), () => true).changes[0]!.id).toBe('da186b72b4b034e102701f82655d088e9ce9e71d');
  });

  it('refuses what sqitch refuses: no %project, no blank line after the pragmas, a change without planner', () => {
    expect(() => parseSqitchPlan('%syntax-version=1.0.0\n\nlog 2024-01-01T10:00:00Z M <m@x>\n', () => true)).toThrow('no %project pragma');
    expect(() => parseSqitchPlan('%project=p\nlog 2024-01-01T10:00:00Z M <m@x>\n', () => true)).toThrow('a blank line must come between pragmas and changes');
    expect(() => parseSqitchPlan('%project=p\n\nlog 2024-01-01T10:00:00Z\n', () => true)).toThrow('line 3: a change needs a name, a timestamp, a planner name and an email');
  });
});
