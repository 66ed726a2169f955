// `pgshift lint [FILE…] [--all]` and LINT=warn|refuse before `up`. Which files: the pending ones
// when the database can tell (the usual settings), every file when there is none to ask; named
// files when given. The database, when at hand, also grades each finding by the table's size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { connect } from '../session/connect.js';
import { closeSession, type Session } from '../session/session.js';
import { upPart } from '../source/annotations.js';
import { ConnectError, LintError, SourceError } from '../errors.js';
import type { LintResult } from '../commands/results.js';
import type { Logger } from '../output/logger.js';
import { followSessionStrings, loadMigrations } from '../source/load.js';
import { normalize } from '../source/text.js';
import { analyzeSql } from '../sql/mode.js';
import type { MigrationFile, Plan } from '../types.js';
import { grade } from './grade.js';
import { allowsWithoutReason, lintFiles, type LintInput } from './lint.js';
import { loadParser } from './parse.js';
import { counts, findingJson, lintOutcome, type Summary } from './render.js';
import { newRunState } from './state.js';

/** What lint needs of a command's context (commands/ passes its own). */
export interface LintContext {
  config: Config;
  args: { files?: string[]; all?: true };
  log: Logger;
  signal: AbortSignal;
}

/** The plan as `status` reads it (history found elsewhere included), from the commands module. */
export type ReadPlan = (session: Session, files: MigrationFile[]) => Promise<Plan>;

/** How long lint waits for a database that does not answer before it lints without one. */
const LINT_DB_WAIT_MS = 5_000;

/** The findings; when any is an error, thrown as a LintError carrying them (`partial`), exit 6. */
export async function lint(ctx: LintContext, readPlan: ReadPlan): Promise<LintResult> {
  const named = ctx.args.files ?? [];
  const files = named.length ? [] : (await loadMigrations(ctx.config.migrationsDir, { lex: 'now' })).files;
  const session = await openIfConfigured(ctx);
  try {
    const chosen = await choose(ctx, session, files, readPlan);
    const parse = await loadParser();
    const options = { lockTimeoutSet: ctx.config.migrationLockTimeoutMs !== undefined };
    // Every file (--all, or no database to tell which are pending) is linted each on its own: a
    // table created by an applied file is no longer empty.
    const findings = chosen.eachAlone ? chosen.inputs.flatMap((i) => lintFiles(parse, [i], options, newRunState())) : lintFiles(parse, chosen.inputs, options);
    const graded = session ? await grade(session.client, findings, thresholds(ctx.config)) : findings;
    warnReasonless(ctx, chosen.inputs);
    const summary: Summary = { files: chosen.inputs.length, scope: chosen.scope, database: session ? 'graded by table size from the database' : 'no database: not graded by table size' };
    const result: LintResult = { command: 'lint', findings: graded, summary };
    if (counts(graded).error === 0) return result;
    const err = new LintError(lintOutcome(result));
    err.partial = result;
    throw err;
  } finally {
    if (session) closeSession(session);
  }
}

async function openIfConfigured(ctx: LintContext): Promise<Session | undefined> {
  if (ctx.config.connection.source === 'defaults') {
    ctx.log.info({ event: 'lint.offline' }, 'no database settings: linting without a database (no sizes, every file)');
    return undefined;
  }
  const config = { ...ctx.config, dbWaitTimeoutMs: Math.min(ctx.config.dbWaitTimeoutMs, LINT_DB_WAIT_MS) };
  try {
    return await connect(config, ctx.log, ctx.signal);
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    ctx.log.warn({ event: 'lint.offline', err: { message: err.message } }, 'database not reachable: linting without it (no sizes, every file)');
    return undefined;
  }
}

interface Chosen {
  inputs: LintInput[];
  scope: string;
  /** Each file linted on its own, or all as one run (later files know the tables earlier ones created). */
  eachAlone: boolean;
}

async function choose(ctx: LintContext, session: Session | undefined, files: MigrationFile[], readPlan: ReadPlan): Promise<Chosen> {
  const named = ctx.args.files ?? [];
  if (named.length) return { inputs: named.map((p) => input(p, p)), scope: `${named.length} named`, eachAlone: false };
  const dir = ctx.config.migrationsDir;
  const all = () => files.map((f) => input(f.path, join(dir, f.name)));
  if (ctx.args.all) return { inputs: all(), scope: 'every file (--all)', eachAlone: true };
  if (!session) return { inputs: all(), scope: 'every file: no database to tell which are pending', eachAlone: true };
  followSessionStrings(files, session.standardConformingStrings);
  const pending = new Set((await readPlan(session, files)).pending.map((e) => e.name));
  return { inputs: files.filter((f) => pending.has(f.name)).map((f) => input(f.path, join(dir, f.name))), scope: 'pending files', eachAlone: false };
}

/** A file as lint reads it: the text pgshift would run (another tool's down part blanked). */
export function input(path: string, shown: string): LintInput {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SourceError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); name a migration file`, { cause: err });
  }
  const text = upPart(normalize(raw));
  return { path: shown, text, mode: analyzeSql(text).mode };
}

function thresholds(config: Config): { rows: number; bytes: number } {
  return { rows: config.lintLargeTableRows, bytes: config.lintLargeTableBytes };
}

function warnReasonless(ctx: LintContext, inputs: LintInput[]): void {
  for (const i of inputs) {
    for (const a of allowsWithoutReason(i.text)) {
      ctx.log.warn({ event: 'lint.allow_without_reason', path: i.path, line: a.line }, `${i.path}:${a.line}: -- pgshift:allow ${a.rules.join(',')} has no reason and is ignored; write why after the rule`);
    }
  }
}

/**
 * LINT=warn|refuse before `up`: the files about to be applied, graded on the run's own session
 * (idle, under the migration lock). `refuse` throws LintError (exit 6) before anything runs.
 */
export async function lintBeforeUp(ctx: Pick<LintContext, 'config' | 'log'>, session: Session, toApply: MigrationFile[]): Promise<void> {
  const dir = ctx.config.migrationsDir;
  const inputs = toApply.map((f) => input(f.path, join(dir, f.name)));
  const parse = await loadParser();
  const findings = await grade(session.client, lintFiles(parse, inputs, { lockTimeoutSet: ctx.config.migrationLockTimeoutMs !== undefined }), thresholds(ctx.config));
  for (const f of findings) {
    const fields = { event: 'lint.finding', ...findingJson(f) };
    const text = `${f.path}:${f.line}:${f.column}: ${f.allowed !== undefined ? 'allowed' : f.severity} ${f.rule}: ${f.detail}${f.size ? ` (${f.size})` : ''}`;
    if (f.allowed !== undefined || f.severity === 'note') ctx.log.info(fields, text);
    else ctx.log.warn(fields, text);
  }
  const c = counts(findings);
  if (c.error && ctx.config.lint === 'refuse') throw new LintError(`LINT=refuse: ${c.error} lint error(s) in the pending files; nothing was applied. Fix them, or allow each with \`-- pgshift:allow RULE REASON\` (see \`pgshift lint\`)`);
}
