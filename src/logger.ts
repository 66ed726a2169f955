// Where output goes (README "Output"): JSON lines (pino) on stdout, or on stderr when --json owns
// stdout; on a terminal, readable text — progress on stdout, warnings and errors on stderr. Every
// byte written is redacted (redact.ts): fields by name first, then URLs and connection strings by
// their structure, then free text of the configured secrets, without ever breaking a JSON document.
import pino, { type Logger } from 'pino';
import type { Config, LogFormat, LogLevel } from './config/types.js';
import { describeTarget } from './session/target.js';
import { makeRedactor } from './redact.js';
import { COLOR, PLAIN, renderEvent, type LogEvent, type Style } from './report.js';

export type { Logger };

export interface Terminal {
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export interface OutputOptions {
  /** --json: stdout carries only the machine-readable document; logs go to stderr. */
  json: boolean;
  terminal: Terminal;
  version: string;
}

export interface Output {
  log: Logger;
  /** Human report text, or the --json document, on stdout. */
  print(text: string): void;
  /** Whether print() was called (so --json never prints a second document). */
  printed(): boolean;
  /** Scrubs secrets from text headed elsewhere (the termination message). */
  scrub(text: string): string;
  /** Secrets learnt while running (a fleet's target query returns connection strings): scrubbed from then on. */
  addSecrets(secrets: readonly string[]): void;
  /** True when stdout is a terminal a progress line may be redrawn on (not under --json). */
  live: boolean;
  /** True when log lines are rendered as readable text rather than JSON. */
  textMode: boolean;
  style: Style;
}

type OutputConfig = Pick<Config, 'logLevel' | 'logFormat' | 'color' | 'secrets'> & Partial<Pick<Config, 'connection' | 'migrationsDir'>>;

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const LEVEL_WARN = 40;

export const REDACT_PATHS = ['password', '*.password', 'connectionString', '*.connectionString', 'databaseUrl', '*.databaseUrl', 'url', '*.url'];

export function createOutput(config: OutputConfig, options: OutputOptions): Output {
  const logIsTTY = options.json ? options.terminal.stderrIsTTY : options.terminal.stdoutIsTTY;
  const textMode = resolveFormat(config.logFormat, logIsTTY) === 'text';
  let secrets = [...config.secrets];
  let redactor = makeRedactor(secrets, publicNames(config));
  const stdout = pino.destination({ dest: 1, sync: true });
  // Opened at the first line that needs it: a run with nothing to warn about never does.
  let stderrDest: ReturnType<typeof pino.destination> | undefined;
  const stderr = () => (stderrDest ??= pino.destination({ dest: 2, sync: true }));
  const printStyle = options.json ? PLAIN : (config.color ?? options.terminal.stdoutIsTTY) ? COLOR : PLAIN;
  const errStyle = (config.color ?? options.terminal.stderrIsTTY) ? COLOR : PLAIN;
  // Text on a terminal follows psql and dbmate: progress and results on stdout, diagnostics
  // (warnings, errors) on stderr. JSON lines stay on one stream, in order (README "Output").
  const stream = textMode
    ? {
        write(line: string) {
          const event = parseEvent(line);
          if (!event) return void (options.json ? stderr() : stdout).write(redactor.text(line));
          const diagnostic = options.json || event.level >= LEVEL_WARN;
          const scrubbed = redactor.suspect(line) ? (redactor.value(event) as LogEvent) : event;
          (diagnostic ? stderr() : stdout).write(`${renderEvent(scrubbed, diagnostic ? errStyle : printStyle)}\n`);
        },
      }
    : { write: (line: string) => void (options.json ? stderr() : stdout).write(redactor.json(line)) };
  const log = pino(
    {
      level: config.logLevel satisfies LogLevel,
      base: { app: 'pgshift', version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    stream,
  );
  let printed = false;
  return {
    log,
    print: (text) => {
      printed = true;
      stdout.write(options.json ? redactor.json(text, 2) : redactor.text(text));
    },
    printed: () => printed,
    scrub: (text) => redactor.text(text),
    addSecrets: (more) => {
      secrets = [...new Set([...secrets, ...more])];
      redactor = makeRedactor(secrets, publicNames(config));
    },
    live: !options.json && options.terminal.stdoutIsTTY,
    textMode,
    style: printStyle,
  };
}

export function resolveFormat(format: LogFormat, isTTY: boolean): 'text' | 'json' {
  if (format === 'auto') return isTTY ? 'text' : 'json';
  return format;
}

/** A pino line as an event with a numeric level, or undefined when it is not one. */
function parseEvent(line: string): LogEvent | undefined {
  try {
    const parsed = JSON.parse(line) as LogEvent & { level: number | string };
    const level = typeof parsed.level === 'string' ? (LEVELS[parsed.level] ?? 30) : parsed.level;
    return { ...parsed, level };
  } catch {
    return undefined;
  }
}

/** What pgshift prints on purpose; a secret inside one of these is a fragment of a name, not a leak. */
function publicNames(config: OutputConfig): string[] {
  const c = config.connection;
  if (!c) return [];
  const names = [describeTarget(c), `${c.host}:${c.port}`, c.host, c.user, c.database];
  if (config.migrationsDir) names.push(config.migrationsDir);
  return names;
}

/**
 * Errors in logs: the message, and what identifies the failure (code, PostgreSQL's SQLSTATE,
 * detail, hint, context) where there is one — not pino's default `type` and `stack`, which for
 * the plain objects pgshift logs read `"type":"Object","stack":""`.
 */
export function serializeError(err: unknown): unknown {
  if (err === null || typeof err !== 'object') return err === undefined ? undefined : { message: String(err) };
  const e = err as Record<string, unknown>;
  const out: Record<string, unknown> = { message: typeof e.message === 'string' ? e.message : String(err) };
  const pgError = typeof e.severity === 'string' && typeof e.code === 'string';
  if (typeof e.code === 'string') out[pgError ? 'sqlstate' : 'code'] = e.code;
  for (const key of ['detail', 'hint', 'where'] as const) {
    if (typeof e[key] === 'string' && e[key]) out[key === 'where' ? 'context' : key] = e[key];
  }
  return out;
}
