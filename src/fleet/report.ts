// What a fleet's result shows: the table a terminal shows at the end, grouped by outcome; the
// --json document's summary; the outcome line. Pure: output/render.ts prints them.
import type { FleetResult, FleetSummary, TargetResult, TargetStatus } from '../commands/results.js';

/** Names shown per group on a terminal; --json lists every target. */
const SHOWN = 10;

export const STATUS_TITLE: Record<TargetStatus, string> = {
  applied: 'applied',
  upToDate: 'up to date',
  behind: 'behind',
  failed: 'failed',
  interrupted: 'interrupted (rolled back)',
  notStarted: 'not started (untouched)',
};
const GROUP_ORDER: readonly TargetStatus[] = ['failed', 'interrupted', 'behind', 'applied', 'upToDate', 'notStarted'];

/** The --json document's `fleet` member: targets counted by outcome (and, for status and plan, by their latest applied file). */
export function fleetSummary(r: FleetResult): FleetSummary {
  const counts = countBy(r.targets, (t) => t.status);
  const versions = r.ran === 'up' ? undefined : countBy(r.targets.filter((t) => t.status === 'upToDate' || t.status === 'behind'), (t) => t.latest ?? '(nothing applied)');
  return { targets: r.targets.length, ...counts, ...(versions ? { versions } : {}) };
}

export function fleetOutcome(r: FleetResult): string {
  return `${r.ran} over ${r.targets.length} target(s): ${describeCounts(fleetSummary(r))}`;
}

/** The table a terminal shows at the end: targets grouped by outcome, failures in full. */
export function renderFleetTable(r: FleetResult): string {
  const results = r.targets;
  const versions = fleetSummary(r).versions;
  const lines: string[] = [];
  if (versions) {
    lines.push(`Latest applied file across ${results.length} target(s):`);
    for (const [latest, n] of Object.entries(versions).sort((a, b) => b[0].localeCompare(a[0]))) lines.push(`  ${String(n).padStart(6)}  ${latest}`);
  }
  const width = Math.min(60, Math.max(...results.map((r) => r.target.length), 10));
  for (const status of GROUP_ORDER) {
    const group = results.filter((r) => r.status === status);
    if (group.length === 0) continue;
    lines.push(`${STATUS_TITLE[status][0]!.toUpperCase()}${STATUS_TITLE[status].slice(1)} (${group.length}):`);
    const full = status === 'failed' || status === 'interrupted';
    for (const r of full ? group : group.slice(0, SHOWN)) lines.push(`  ${r.target.padEnd(width)}  ${detail(r)}`);
    if (!full && group.length > SHOWN) lines.push(`  … and ${group.length - SHOWN} more (--json lists every target)`);
  }
  return `${lines.join('\n')}\n`;
}

function detail(r: TargetResult): string {
  const time = r.durationMs === undefined ? '' : `  ${seconds(r.durationMs)}`;
  switch (r.status) {
    case 'failed':
    case 'interrupted':
      return `exit ${r.exitCode}  ${(r.error ?? '').split('\n')[0]}`;
    case 'applied':
      return `${r.applied} applied (${r.totalApplied} in total)${time}`;
    case 'behind':
      return [r.pending ? `${r.pending} pending` : '', r.failedFiles ? `${r.failedFiles} failed` : '', r.problems ? `${r.problems} problem(s)` : ''].filter(Boolean).join(', ');
    case 'upToDate':
      return r.latest !== undefined ? `at ${r.latest ?? '(nothing applied)'}` : `${r.totalApplied ?? 0} applied${time}`;
    default:
      return '';
  }
}

function countBy<K extends string>(results: TargetResult[], key: (r: TargetResult) => K): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const r of results) counts[key(r)] = (counts[key(r)] ?? 0) + 1;
  return counts;
}

export function describeCounts(counts: Partial<Record<TargetStatus, number>>): string {
  return GROUP_ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${STATUS_TITLE[s]}`).join(', ');
}

export function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
