// Runs the built CLI (dist/pgshift.mjs, made by `npm run build`) as users do: a child process with
// environment variables, asserting exit codes, output and the database afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'pgshift.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CliOptions {
  /** Node binary to run the CLI with. @default process.execPath */
  node?: string;
  cwd?: string;
  /** Kill the child after this long (a hung CLI fails the test with its output; below the test timeout). @default 180000 */
  timeoutMs?: number;
}

/** A minimal environment: PATH plus what the test passes. Nothing leaks in from the developer's shell. */
export function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_FORMAT: 'json', TERMINATION_LOG: '' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) base[k] = v;
  return base;
}

export function spawnCli(args: string[], env: Record<string, string | undefined>, options: CliOptions = {}): ChildProcess {
  return spawn(options.node ?? process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

export function runCli(args: string[], env: Record<string, string | undefined>, options: CliOptions = {}): Promise<CliResult> {
  return collect(spawnCli(args, env, options), options);
}

/** Parses pino JSON lines (ignoring anything that is not JSON). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Writes fixture migrations inline into a fresh temp dir and returns its path. */
export async function writeMigrations(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-mig-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Resolves when `predicate` holds for the child's combined output so far. */
export function waitForOutput(child: ChildProcess, predicate: (out: string) => boolean, timeoutMs = 120_000): Promise<string> {
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`output never matched; got:\n${out}`)), timeoutMs);
    const onData = (d: Buffer | string) => {
      out += d.toString();
      if (predicate(out)) {
        clearTimeout(timer);
        resolvePromise(out);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/**
 * Milliseconds between two logged events by the run's own clock (pino's `time`): what the program
 * waited, without the process start-up a busy machine stretches.
 */
export function loggedSpanMs(events: Array<Record<string, unknown>>, from: string, to: string): number {
  const at = (name: string) => {
    const e = events.find((x) => x.event === name);
    if (!e) throw new Error(`no ${name} event in the log`);
    return Date.parse(String(e.time));
  };
  return at(to) - at(from);
}
