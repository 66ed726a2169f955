// What a fleet run shows: on a terminal a live progress line and a final table grouped by outcome;
// in containers JSON lines (one fleet.target event a target, fleet.progress now and then, one
// fleet.summary); with --json one document holding every target's result.
import type { FleetContext as Context } from './context.js';
import type { FleetFailedError } from '../errors.js';
import { renderJson } from '../report.js';
import type { TargetResult, TargetStatus } from './target.js';

const REDRAW_MS = 250;
const PROGRESS_EVENT_MS = 10_000;
/** Names shown per group on a terminal; --json lists every target. */
const SHOWN = 10;

export interface Progress {
  started(): void;
  finished(result: TargetResult): void;
  end(): void;
}

export function createProgress(ctx: Context, total: number): Progress {
  const since = Date.now();
  let done = 0;
  let failed = 0;
  let running = 0;
  let drawnAt = 0;
  let loggedAt = since;
  const line = () => {
    const elapsed = Date.now() - since;
    const left = total - done - failed - running;
    const finished = done + failed;
    const eta = finished > 0 && left + running > 0 ? ` · ETA ${seconds((elapsed / finished) * (left + running))}` : '';
    return `${done} done · ${failed} failed · ${running} running · ${left} left · ${seconds(elapsed)} elapsed${eta}`;
  };
  const draw = (force = false) => {
    if (ctx.out.live && (force || Date.now() - drawnAt >= REDRAW_MS)) {
      drawnAt = Date.now();
      ctx.out.print(`\r\x1b[K${line()}`);
    } else if (!ctx.out.live && Date.now() - loggedAt >= PROGRESS_EVENT_MS) {
      loggedAt = Date.now();
      ctx.log.info({ event: 'fleet.progress', done, failed, running, left: total - done - failed - running, elapsedMs: Date.now() - since }, line());
    }
  };
  return {
    started: () => {
      running++;
      draw();
    },
    finished: (r) => {
      running--;
      if (r.status === 'failed' || r.status === 'interrupted') failed++;
      else done++;
      logTarget(ctx, r);
      draw(r.status === 'failed');
    },
    end: () => {
      if (ctx.out.live) ctx.out.print('\r\x1b[K');
    },
  };
}

function logTarget(ctx: Context, r: TargetResult): void {
  const fields = { event: 'fleet.target', target: r.target, status: r.status, applied: r.applied, totalApplied: r.totalApplied, latest: r.latest, pending: r.pending, exitCode: r.exitCode, code: r.code, durationMs: r.durationMs };
  if (r.status === 'failed' || r.status === 'interrupted') {
    // The error line goes to stderr; the progress line on stdout is cleared first so they do not share a line.
    if (ctx.out.live) ctx.out.print('\r\x1b[K');
    ctx.log.error({ ...fields, err: { message: r.error } }, `${r.target}: ${r.status === 'interrupted' ? 'interrupted, rolled back' : `failed (exit ${r.exitCode})`}`);
  } else if (!ctx.out.live) {
    ctx.log.info(fields, `${r.target}: ${STATUS_TITLE[r.status]}`);
  }
}

const STATUS_TITLE: Record<TargetStatus, string> = {
  applied: 'applied',
  upToDate: 'up to date',
  behind: 'behind',
  failed: 'failed',
  interrupted: 'interrupted (rolled back)',
  notStarted: 'not started (untouched)',
};
const GROUP_ORDER: readonly TargetStatus[] = ['failed', 'interrupted', 'behind', 'applied', 'upToDate', 'notStarted'];

/** Shows the outcome; throws `failure` after it was shown, else returns the one-line outcome. */
export function reportFleet(ctx: Context, results: TargetResult[], failure: FleetFailedError | undefined): string {
  const counts = countBy(results, (r) => r.status);
  const versions = ctx.args.command === 'up' ? undefined : countBy(results.filter((r) => r.status === 'upToDate' || r.status === 'behind'), (r) => r.latest ?? '(nothing applied)');
  const summary = { targets: results.length, ...counts, ...(versions ? { versions } : {}) };
  if (ctx.args.format === 'json') {
    ctx.out.print(renderJson(ctx.args.command, failure === undefined, { fleet: summary, exitCode: failure?.exitCode ?? 0, targets: results }));
  } else if (ctx.out.textMode) {
    ctx.out.print(renderTable(results, versions));
  }
  ctx.log.info({ event: 'fleet.summary', ...summary, exitCode: failure?.exitCode ?? 0 }, `fleet: ${describeCounts(counts)}`);
  if (failure) throw failure;
  return `${ctx.args.command} over ${results.length} target(s): ${describeCounts(counts)}`;
}

function renderTable(results: TargetResult[], versions: Record<string, number> | undefined): string {
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

function describeCounts(counts: Partial<Record<TargetStatus, number>>): string {
  return GROUP_ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${STATUS_TITLE[s]}`).join(', ');
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
