// Lints migration files in order: parse each with PostgreSQL's parser, apply the rules with what
// earlier files did in mind, and honour `-- pgshift:allow RULE REASON` comments. Pure but for the parser.
import { lineColumnAt } from '../sql/positions.js';
import type { TransactionMode } from '../types.js';
import { checkStatement } from './check.js';
import { byteOffsets, type Parser } from './parse.js';
import type { Finding } from './finding.js';
import { RULES, type RuleId } from './rules.js';

export type { Finding } from './finding.js';
import { newFileState, newRunState, type Hit, type RunState } from './state.js';

export interface LintInput {
  /** As shown in findings: the path the user gave, or MIGRATIONS_DIR/name. */
  path: string;
  /** The normalized text (BOM removed, CRLF → LF). */
  text: string;
  mode: TransactionMode;
}

export interface LintOptions {
  /** MIGRATION_LOCK_TIMEOUT is set: every statement runs with a lock_timeout. */
  lockTimeoutSet: boolean;
}

export function lintFiles(parse: Parser, inputs: readonly LintInput[], options: LintOptions, run: RunState = newRunState()): Finding[] {
  return inputs.flatMap((input) => lintFile(parse, input, options, run));
}

function lintFile(parse: Parser, input: LintInput, options: LintOptions, run: RunState): Finding[] {
  const parsed = parse(input.text);
  if (!parsed.ok) return [finding(input, { rule: 'parse-error', offset: parsed.offset, start: 0, end: input.text.length, detail: parsed.message })];
  const state = newFileState(run, input.mode, options.lockTimeoutSet, byteOffsets(input.text).toChar);
  const allows = allowComments(input.text);
  const found: Finding[] = [];
  let previousEnd = 0;
  for (const s of parsed.statements) {
    for (const h of checkStatement(state, s)) {
      const f = finding(input, h);
      const from = previousEnd === 0 ? 1 : Math.min(lineOf(input.text, previousEnd) + 1, lineOf(input.text, s.start));
      const allow = allowFor(allows, h.rule, from, lineOf(input.text, s.end));
      if (allow) f.allowed = allow;
      found.push(f);
    }
    previousEnd = s.end;
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

function finding(input: LintInput, h: Hit): Finding {
  const { line, column } = lineColumnAt(input.text, h.offset);
  const f: Finding = { rule: h.rule, severity: RULES[h.rule].severity, path: input.path, line, column, detail: h.detail, source: input.text.split('\n')[line - 1] ?? '' };
  if (h.table !== undefined) f.table = h.table;
  if (h.typeChange) {
    f.typeChange = h.typeChange;
    // Without the column's current type (the database tells it) a change to one of these may be free.
    if (MAYBE_FREE.test(h.typeChange.to)) {
      f.severity = 'warning';
      f.detail += ': no rewrite only if binary-coercible from the current type (lint with the database to know)';
    }
  }
  if (h.notNull !== undefined) f.notNull = h.notNull;
  return f;
}

/** Types a column may change to without a rewrite, from some other types (grade.ts decides which). */
const MAYBE_FREE = /^(text|varchar(\(\d+\))?|numeric(\([\d,]+\))?|varbit(\(\d+\))?|inet)$/;

interface Allow {
  line: number;
  rules: string[];
  reason: string;
}

const ALLOW = /--\s*pgshift:allow\s+([a-z0-9,-]+)[ \t]*(.*)$/;

/** `-- pgshift:allow RULE[,RULE…] REASON` comments, by line. */
function allowComments(text: string): Allow[] {
  const found: Allow[] = [];
  text.split('\n').forEach((line, i) => {
    const m = ALLOW.exec(line);
    if (m) found.push({ line: i + 1, rules: m[1]!.split(','), reason: m[2]!.trim() });
  });
  return found;
}

/** The reason of an allow comment for `rule` on the statement's lines or the lines just before it. */
function allowFor(allows: Allow[], rule: RuleId, fromLine: number, toLine: number): string | undefined {
  const a = allows.find((x) => x.line >= fromLine && x.line <= toLine && x.rules.includes(rule) && x.reason !== '');
  return a?.reason;
}

function lineOf(text: string, offset: number): number {
  return lineColumnAt(text, offset).line;
}

/** An allow comment without a reason does not count: the reason is what a reviewer reads. */
export function allowsWithoutReason(text: string): Array<{ line: number; rules: string[] }> {
  return allowComments(text).filter((a) => a.reason === '');
}
