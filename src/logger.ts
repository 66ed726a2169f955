// Where output goes (DESIGN.md "Output"): log lines on stdout — readable text on a terminal, JSON
// lines (pino) otherwise — and on stderr when --json owns stdout. Every byte written passes a
// scrubber that removes known secrets: redaction by field name is the first defence, this the last.
import pino, { type Logger } from 'pino';
import type { Config, LogFormat, LogLevel } from './config.js';
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
  /** True when log lines are rendered as readable text rather than JSON. */
  textMode: boolean;
  style: Style;
}

type OutputConfig = Pick<Config, 'logLevel' | 'logFormat' | 'color' | 'secrets'>;

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export const REDACT_PATHS = ['password', '*.password', 'connectionString', '*.connectionString', 'databaseUrl', '*.databaseUrl', 'url', '*.url'];

export function createOutput(config: OutputConfig, options: OutputOptions): Output {
  const logFd = options.json ? 2 : 1;
  const logIsTTY = options.json ? options.terminal.stderrIsTTY : options.terminal.stdoutIsTTY;
  const textMode = resolveFormat(config.logFormat, logIsTTY) === 'text';
  const style = (config.color ?? logIsTTY) ? COLOR : PLAIN;
  const scrub = makeScrubber(config.secrets);
  const logDest = pino.destination({ dest: logFd, sync: true });
  const outDest = logFd === 1 ? logDest : pino.destination({ dest: 1, sync: true });
  const printStyle = options.json ? PLAIN : (config.color ?? options.terminal.stdoutIsTTY) ? COLOR : PLAIN;
  const stream = {
    write(line: string) {
      logDest.write(scrub(textMode ? renderLine(line, style) : line));
    },
  };
  const log = pino(
    {
      level: config.logLevel satisfies LogLevel,
      base: { app: 'pgshift', version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    stream,
  );
  let printed = false;
  return {
    log,
    print: (text) => {
      printed = true;
      outDest.write(scrub(text));
    },
    printed: () => printed,
    scrub,
    textMode,
    style: printStyle,
  };
}

export function resolveFormat(format: LogFormat, isTTY: boolean): 'text' | 'json' {
  if (format === 'auto') return isTTY ? 'text' : 'json';
  return format;
}

function renderLine(line: string, style: Style): string {
  try {
    const parsed = JSON.parse(line) as LogEvent & { level: number | string };
    const level = typeof parsed.level === 'string' ? (LEVELS[parsed.level] ?? 30) : parsed.level;
    return `${renderEvent({ ...parsed, level }, style)}\n`;
  } catch {
    return line;
  }
}

/** Replaces every occurrence of each secret (and its URL- and JSON-escaped forms) with ****. */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (t) => t;
  return (text) => ordered.reduce((t, s) => t.split(s).join('****'), text);
}
