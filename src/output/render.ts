// A command's result, rendered once: the --json document, the report on a terminal (or the same as
// a log event when logs are JSON lines), and the one-line outcome for the termination log.
import type { CliArgs } from '../cli/parse.js';
import type { CommandResult } from '../commands/results.js';
import { documentOf, planJson, renderJson } from './json.js';
import type { Output } from './logger.js';
import { fleetOutcome, renderFleetTable } from '../fleet/report.js';
import { counts, lintOutcome, renderGithub, renderText } from '../lint/render.js';
import { renderPlan, renderStatus } from './text.js';
import type { Style } from './style.js';

interface Renderer<R> {
  /** Whether the document says ok (a status with problems is rendered, exit 0, ok: false). @default true */
  ok?(r: R): boolean;
  /** The report people read on a terminal (text logs). */
  text?(r: R, s: Style, args: CliArgs): string;
  /** The report is the command's output, printed whatever the log format (lint's findings). */
  always?: true;
  /** The event that carries the report when logs are JSON lines (none: the command logged its own). */
  event?: { name: string; msg: string; fields(r: R): object };
  /** The outcome in one line (TERMINATION_LOG); `human`: text on a terminal without --json. */
  outcome(r: R, human: boolean): string;
}

type Renderers = { [C in CommandResult['command']]: Renderer<Extract<CommandResult, { command: C }>> };

const planOk = (r: { plan: { problems: string[] } }) => r.plan.problems.length === 0;

const RENDERERS: Renderers = {
  up: {
    ok: (r) => planOk(r) && r.failed === null,
    outcome: (r) => (r.applied.length ? `applied ${r.applied.length} migration(s); ${r.totalApplied} applied in total` : `nothing to do; ${r.totalApplied} migrations applied`),
  },
  status: {
    ok: planOk,
    text: (r, s) => renderStatus(r.plan, s),
    event: { name: 'status', msg: 'migration status', fields: (r) => planJson(r.plan) },
    outcome: (r) => `${r.plan.applied.length} applied, ${r.plan.pending.length} pending`,
  },
  plan: {
    ok: planOk,
    text: (r, s) => renderPlan(r.plan, s),
    event: { name: 'plan', msg: 'dry run: nothing applied', fields: (r) => planJson(r.plan) },
    outcome: (r) => `dry run: ${r.plan.toApply.length} would be applied`,
  },
  validate: {
    ok: planOk,
    outcome: (r, human) => (human ? `valid: ${r.files} files, ${r.plan.pending.length} pending` : `valid: ${r.files} files`),
  },
  create: { outcome: (r) => `created ${r.file}` },
  baseline: { outcome: (r) => `baseline: recorded ${r.recorded.length} file(s) as applied` },
  repair: { outcome: (r) => (r.dryRun ? `repair (dry run): ${r.changes.length} change(s) would be made; nothing written` : `repair: ${r.changes.length} change(s)`) },
  import: {
    outcome: (r) => {
      const summary = `${r.recorded.length} file(s) applied by ${r.tool} (${r.table})`;
      return r.dryRun ? `import dry run: would record ${summary}; ${r.pending.length} pending` : `import: recorded ${summary}; ${r.pending.length} pending`;
    },
  },
  wait: { outcome: () => 'database accepts connections' },
  await: { outcome: (r) => `all ${r.applied} migrations applied` },
  lint: {
    ok: (r) => counts(r.findings).error === 0,
    text: (r, s, args) => (args.lintFormat === 'github' ? renderGithub(r.findings) : renderText(r.findings, r.summary, s)),
    always: true,
    outcome: lintOutcome,
  },
  // Its events (fleet.target, fleet.summary) were logged as the targets ran.
  fleet: { ok: (r) => r.exitCode === 0, text: renderFleetTable, outcome: fleetOutcome },
};

function rendererOf<R extends CommandResult>(result: R): Renderer<R> {
  return RENDERERS[result.command] as unknown as Renderer<R>;
}

/** Prints what the result shows: under --json its document, on a terminal its report. Returns the outcome line. */
export function renderResult(out: Output, args: CliArgs, result: CommandResult): string {
  const r = rendererOf(result);
  if (args.format === 'json') out.print(renderJson(args.command, r.ok?.(result) ?? true, documentOf(result)));
  else if (r.text && (out.textMode || r.always)) out.print(r.text(result, out.style, args));
  else if (r.event) out.log.info({ event: r.event.name, ...r.event.fields(result) }, r.event.msg);
  return r.outcome(result, out.textMode && args.format !== 'json');
}
