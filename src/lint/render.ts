// Findings as text (file:line:col, the line with a caret, the rule, why, the fix), as the --json
// document's entries, or as GitHub Actions workflow commands (annotations on the pull request).
import type { Style } from '../output/style.js';
import type { Finding, Summary } from './finding.js';

export type { Summary } from './finding.js';
import { RULES, type Severity } from './rules.js';

export function counts(findings: readonly Finding[]): Record<Severity | 'allowed', number> {
  const c = { error: 0, warning: 0, note: 0, allowed: 0 };
  for (const f of findings) c[f.allowed !== undefined ? 'allowed' : f.severity]++;
  return c;
}

export function lintOutcome(r: { findings: readonly Finding[]; summary: Summary }): string {
  const c = counts(r.findings);
  return `lint: ${c.error} error(s), ${c.warning} warning(s), ${c.note} note(s), ${c.allowed} allowed in ${r.summary.files} file(s)`;
}

export function renderText(findings: readonly Finding[], summary: Summary, style: Style): string {
  const blocks = findings.map((f) => (f.allowed !== undefined ? allowedText(f, style) : findingText(f, style)));
  const c = counts(findings);
  const tally = `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.note, 'note')}, ${c.allowed} allowed`;
  const paint = c.error ? style.red : c.warning ? style.yellow : style.green;
  blocks.push(`${paint(`lint: ${tally}`)} in ${plural(summary.files, 'file')} (${summary.scope}; ${summary.database})\n`);
  return blocks.join('\n');
}

function findingText(f: Finding, style: Style): string {
  const rule = RULES[f.rule];
  const paint = f.severity === 'error' ? style.red : f.severity === 'warning' ? style.yellow : style.dim;
  const number = String(f.line);
  const gutter = ' '.repeat(number.length);
  const caret = `${' '.repeat(Math.max(0, f.column - 1))}^`;
  return [
    `${style.bold(`${f.path}:${f.line}:${f.column}`)}: ${paint(f.severity)} ${style.bold(f.rule)}: ${f.detail}${f.size ? ` (${f.size})` : ''}`,
    ` ${number} | ${f.source}`,
    ` ${gutter} | ${paint(caret)}`,
    `  lock: ${rule.lock}`,
    `  why:  ${rule.why}`,
    `  fix:  ${rule.fix}`,
    '',
  ].join('\n');
}

function allowedText(f: Finding, style: Style): string {
  return `${style.dim(`${f.path}:${f.line}:${f.column}: allowed ${f.rule}: ${f.detail}`)} — reason: ${f.allowed}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function findingJson(f: Finding): Record<string, unknown> {
  const rule = RULES[f.rule];
  return {
    rule: f.rule,
    severity: f.severity,
    path: f.path,
    line: f.line,
    column: f.column,
    detail: f.detail,
    ...(f.size ? { size: f.size } : {}),
    ...(f.allowed !== undefined ? { allowed: f.allowed } : {}),
    lock: rule.lock,
    why: rule.why,
    fix: rule.fix,
  };
}

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'notice' };

/** One `::error file=…,line=…,col=…,title=…::message` line per finding not allowed. */
export function renderGithub(findings: readonly Finding[]): string {
  return findings
    .filter((f) => f.allowed === undefined)
    .map((f) => {
      const rule = RULES[f.rule];
      const props = `file=${property(f.path)},line=${f.line},col=${f.column},title=${property(`pgshift lint: ${f.rule}`)}`;
      const message = `${f.detail}${f.size ? ` (${f.size})` : ''}\nLock: ${rule.lock}\nWhy: ${rule.why}\nFix: ${rule.fix}`;
      return `::${COMMAND[f.severity]} ${props}::${data(message)}\n`;
    })
    .join('');
}

/** Workflow command escaping (the runner's own rules): data escapes %, CR, LF; properties also : and ,. */
function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
