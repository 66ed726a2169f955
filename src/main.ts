// The entrypoint (npm bin, image ENTRYPOINT): config → logger → command → rendered result, SIGTERM/
// SIGINT/SIGHUP → abort, error → exit code. The only module that touches `process`.
import { accessSync, constants, writeFileSync } from 'node:fs';
import { helpText } from './cli/help.js';
import { parseCli, type CliArgs } from './cli/parse.js';
import { runCommand } from './commands/index.js';
import { discover } from './config/docker.js';
import { loadConfig, outputSettings } from './config/load.js';
import type { Config } from './config/types.js';
import { EXIT, exitCodeOf, InterruptedError, MigrationFailedError, MigratorError, PlanRejectedError, UsageError, type ExitCode } from './errors.js';
import { renderJson } from './output/json.js';
import { createOutput, type Output } from './output/logger.js';
import { renderResult } from './output/render.js';
import { onFirstLargeFile } from './source/files.js';

declare const PGSHIFT_VERSION: string;
const VERSION = typeof PGSHIFT_VERSION === 'string' ? PGSHIFT_VERSION : '0.0.0-dev';
/** Kubernetes sends SIGKILL 30 s after SIGTERM by default; finish well before. */
const FORCE_EXIT_AFTER_SIGNAL_MS = 20_000;
const K8S_TERMINATION_LOG = '/dev/termination-log';

/**
 * V8 doubles its young generation while a program keeps allocating, and the pages stay resident:
 * applying a large file part by part would hold several times the memory it needs, and so would a
 * fleet, hundreds of runs in one process (pgshift runs in memory-limited pods). Set only once a
 * large file is met or a fleet starts: on every run the extra scavenges would slow the start, and
 * loading node:v8 at start-up costs too. Through getBuiltinModule (Node ≥ 20.16); older Node 20
 * releases, whose young generation stays small anyway, skip it.
 * Measurements: docs/PERFORMANCE.md, "Large files" and "Fleets".
 */
function keepYoungGenerationSmall(): void {
  const v8 = process.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  v8?.setFlagsFromString('--semi-space-growth-factor=1');
}
onFirstLargeFile(keepYoungGenerationSmall);

async function main(): Promise<ExitCode> {
  const terminal = { stdoutIsTTY: process.stdout.isTTY === true, stderrIsTTY: process.stderr.isTTY === true };
  let args: CliArgs;
  try {
    args = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`pgshift: ${(err as Error).message}\n`);
    return err instanceof UsageError ? EXIT.usage : EXIT.internal;
  }
  if (args.command === 'help') return print(helpText(VERSION, args.topic));
  if (args.command === 'version') return print(`${VERSION}\n`);

  const json = args.format === 'json';
  let env: Record<string, string | undefined> = process.env;
  let config: Config;
  try {
    env = await environment(args);
    config = loadConfig(env);
  } catch (err) {
    const settings = outputSettings(env);
    return finish(createOutput(settings, { json, terminal, version: VERSION }), settings, args, err);
  }
  const out = createOutput(config, { json, terminal, version: VERSION });
  if (config.fleet) keepYoungGenerationSmall();
  const controller = new AbortController();
  onSignals(controller, out);
  try {
    const result = await runCommand({ config, args, log: out.log, signal: controller.signal, out });
    writeTerminationLog(config, out, `pgshift ${args.command}: ${renderResult(out, args, result)}`);
    return EXIT.ok;
  } catch (err) {
    return finish(out, config, args, err);
  }
}

/** process.env, or — with --docker — the container's connection settings in place of ours. */
async function environment(args: CliArgs): Promise<Record<string, string | undefined>> {
  if (args.docker === undefined) return process.env;
  const { env } = await discover(args.docker || undefined);
  const rest = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|POSTGRES_|PG(HOST|PORT|USER|PASSWORD|DATABASE)$)/.test(k)));
  return { ...rest, ...env };
}

function print(text: string): ExitCode {
  process.stdout.write(text);
  return EXIT.ok;
}

function finish(out: Output, config: Pick<Config, 'terminationLog'>, args: CliArgs, err: unknown): ExitCode {
  const exitCode = exitCodeOf(err);
  const known = err instanceof MigratorError;
  const message = known ? err.message : `internal error (a bug; please report it): ${(err as Error)?.stack ?? String(err)}`;
  // A failed migration was reported in full by its migration.failed event, plan problems one by one.
  const reported = err instanceof MigrationFailedError || (err instanceof PlanRejectedError && err.reported);
  const detail = reported ? undefined : { message };
  // What the command had found or done is rendered as its result would be; otherwise --json says what failed.
  const partial = known ? err.partial : undefined;
  if (partial) renderResult(out, args, partial);
  out.log.error({ event: 'run.failed', code: known ? err.code : 'INTERNAL', exitCode, err: detail }, known ? failureTitle(err) : 'internal error');
  if (!partial && args.format === 'json') out.print(renderJson(args.command, false, { error: { code: known ? err.code : 'INTERNAL', exitCode, message } }));
  const oneLine = message.split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ');
  writeTerminationLog(config, out, `pgshift ${args.command} failed (exit ${exitCode}): ${oneLine}`);
  return exitCode;
}

function failureTitle(err: MigratorError): string {
  switch (err.code) {
    case 'CONFIG':
      return 'invalid configuration';
    case 'MIGRATION_FAILED':
      return 'a migration failed; it was recorded';
    case 'PLAN_REJECTED':
      return 'refusing to apply anything';
    case 'INTERRUPTED':
      return 'interrupted';
    default:
      return err.message.split('\n')[0] ?? err.code;
  }
}

/** The one-line outcome Kubernetes shows in `kubectl describe pod`. Never fails the run. */
function writeTerminationLog(config: Pick<Config, 'terminationLog'>, out: Output, line: string): void {
  const path = config.terminationLog ?? (isWritable(K8S_TERMINATION_LOG) ? K8S_TERMINATION_LOG : undefined);
  if (!path) return;
  try {
    writeFileSync(path, `${out.scrub(line).slice(0, 4000)}\n`);
  } catch (err) {
    out.log.debug({ event: 'termination_log.failed', err }, 'could not write the termination message');
  }
}

/** Only when it already exists: Kubernetes creates it; elsewhere we must not create /dev files. */
function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function onSignals(controller: AbortController, out: Output): void {
  // SIGHUP: the terminal or the ssh session went away; a running statement must not be left behind.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) {
        out.log.warn({ event: 'signal.again', signal }, 'second signal: exiting now');
        process.exit(exitCodeOf(controller.signal.reason));
      }
      out.log.warn({ event: 'signal', signal }, 'interrupting: cancelling the running statement, rolling back, releasing the lock');
      controller.abort(new InterruptedError(signal));
      setTimeout(() => process.exit(exitCodeOf(controller.signal.reason)), FORCE_EXIT_AFTER_SIGNAL_MS).unref();
    });
  }
}

const code = await main();
process.exitCode = code;
// A lingering handle (a socket the driver did not close) must not keep a finished Job pod alive.
setTimeout(() => process.exit(code), 2000).unref();
