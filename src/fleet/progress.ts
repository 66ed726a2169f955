// A fleet's run as it goes: on a terminal a live progress line; in containers JSON lines (one
// fleet.target event a target, fleet.progress now and then, fleet.summary at the end). The final
// table and the --json document are renderings of the result (report.ts, output/render.ts).
import type { FleetContext as Context } from './context.js';
import type { FleetResult, TargetResult } from '../commands/results.js';
import { describeCounts, fleetSummary, seconds, STATUS_TITLE } from './report.js';

const REDRAW_MS = 250;
const PROGRESS_EVENT_MS = 10_000;
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

/** The fleet.summary event: what the run ended with, logged whatever the output format. */
export function logSummary(ctx: Context, result: FleetResult): void {
  const summary = fleetSummary(result);
  ctx.log.info({ event: 'fleet.summary', ...summary, exitCode: result.exitCode }, `fleet: ${describeCounts(summary)}`);
}
