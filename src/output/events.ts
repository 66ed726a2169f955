// How a log event reads on a terminal (LOG_FORMAT=text). Pure: a pino line's object in, text out.
import { PLAIN, type Style } from './style.js';

export interface LogEvent {
  level: number;
  msg?: string;
  event?: string;
  [key: string]: unknown;
}

const LEVEL_WARN = 40;
const LEVEL_ERROR = 50;
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'event', 'app', 'version', 'pid', 'hostname', 'err']);

/** How a log event reads on a terminal; the progress of `up` reads as a report, not as log lines. */
export function renderEvent(e: LogEvent, s: Style = PLAIN): string {
  switch (e.event) {
    case 'run.start':
      return `Applying ${String(e.pending)} pending migration(s)...`;
    case 'migration.start':
      return `  Applying: ${String(e.file)}`;
    case 'migration.applied':
      return `  ${s.green('✓')} Applied in ${String(e.durationMs)}ms`;
    case 'run.summary':
      return renderSummary(e, s);
  }
  const fields = Object.entries(e)
    .filter(([k, v]) => !HIDDEN_KEYS.has(k) && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  // The title often repeats the error's first line; say it once.
  const fullErr = errorText(e.err);
  const [firstLine = '', ...restLines] = fullErr.split('\n');
  const errText = e.msg && firstLine.replace(/:$/, '') === e.msg ? restLines.join('\n') : fullErr;
  // Info lines stay short on a terminal; warnings and errors carry their fields.
  const body = [e.msg ?? '', fields && e.level >= LEVEL_WARN ? s.dim(fields) : ''].filter(Boolean).join('  ');
  if (e.level >= LEVEL_ERROR) return `${s.red('✗')} ${body}${errText ? `\n${indent(errText)}` : ''}`;
  if (e.level >= LEVEL_WARN) return `${s.yellow('⚠')} ${body}${errText ? `\n${indent(errText)}` : ''}`;
  return s.dim(body);
}

function errorText(err: unknown): string {
  if (!err || typeof err !== 'object') return '';
  const m = (err as { message?: unknown }).message;
  return typeof m === 'string' ? m : '';
}

function indent(t: string): string {
  return t
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function renderSummary(e: LogEvent, s: Style): string {
  const applied = Number(e.applied ?? 0);
  const failed = Number(e.failed ?? 0);
  const total = Number(e.totalApplied ?? 0);
  if (applied === 0 && failed === 0) {
    return `${s.green('✓')} No pending migrations - database is up to date\n  (${total} migrations already applied)`;
  }
  const lines = [s.bold('Migration Summary'), `  Success: ${applied}`];
  if (failed) lines.push(`  ${s.red(`Failed: ${failed}`)}`);
  lines.push(`  Total applied: ${total} migrations`);
  return lines.join('\n');
}
