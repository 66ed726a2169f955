// argv → what to do. Pure: no process, no I/O; the help pages are in help.ts, main.ts prints them.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type Command = 'up' | 'status' | 'plan' | 'validate' | 'create' | 'baseline' | 'repair' | 'import' | 'wait' | 'await' | 'lint' | 'help' | 'version';

export interface CliArgs {
  command: Command;
  format: 'human' | 'json';
  strict: boolean;
  /** `create NAME` */
  name?: string;
  /** `baseline --to FILE`, `up --to VERSION`, `plan --to VERSION`: a file name or a version. */
  to?: string;
  /** `repair FILE`: that file only. */
  file?: string;
  /** `repair --dry-run`, `import --dry-run`: say what would change, write nothing. */
  dryRun?: true;
  /** `status --exit-code`: non-zero unless every file is applied as it is. */
  exitCode?: true;
  /** `help COMMAND`, `COMMAND --help`: that command's help. */
  topic?: Exclude<Command, 'help' | 'version'>;
  /** `--docker [NAME]`: connect to a running PostgreSQL container ('' = find the one). */
  docker?: string;
  /** `up --single-transaction`: all pending files in one transaction. */
  singleTransaction?: true;
  /** `import --from TOOL`: the tool whose history is carried over (detect.ts names them). */
  from?: string;
  /** `lint FILE…`: these files, in this order, instead of the pending ones. */
  files?: string[];
  /** `lint --all`: every file in MIGRATIONS_DIR, each on its own. */
  all?: true;
  /** `lint --format text|json|github`: github prints workflow commands (annotations). */
  lintFormat?: 'text' | 'json' | 'github';
  /** Fleets, `--canary N`: the first N targets run alone first (overrides FLEET_CANARY). */
  canary?: number;
  /** Fleets, `--fail-fast`: no new target starts after a failure. */
  failFast?: true;
}

const COMMANDS: readonly string[] = ['up', 'status', 'plan', 'validate', 'create', 'baseline', 'repair', 'import', 'wait', 'await', 'lint', 'help', 'version'];

/** Other spellings users type (flag forms, other tools' command names), and what they mean here. */
const ALIASES: Readonly<Record<string, string>> = {
  list: '--list',
  ls: '--list',
  info: '--list',
  history: '--list',
  'dry-run': '--dry-run',
  dryrun: '--dry-run',
  migrate: 'up',
  apply: 'up',
  deploy: 'up',
  new: 'create',
  goto: 'up --to VERSION',
  'up-to': 'up --to VERSION',
  check: 'validate',
  verify: 'validate',
};

export function parseCli(argv: string[]): CliArgs {
  const { rest: args, docker } = takeDocker(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        list: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
        to: { type: 'string' },
        'single-transaction': { type: 'boolean' },
        'exit-code': { type: 'boolean' },
        from: { type: 'string' },
        all: { type: 'boolean' },
        format: { type: 'string' },
        canary: { type: 'string' },
        'fail-fast': { type: 'boolean' },
      },
    });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const flag = /^Unknown option '(--[^']+)'/.exec(message)?.[1];
    const guess = flag && closest(flag.slice(2), FLAGS);
    throw new UsageError(`${message}${guess ? `; did you mean \`--${guess}\`?` : ''}; see \`pgshift --help\``);
  }
  const { values, positionals } = parsed;
  const command = chooseCommand(positionals[0], values);
  const cli: CliArgs = { command, format: values.json ? 'json' : 'human', strict: values.strict ?? false };
  if (docker !== undefined) cli.docker = docker;
  if (command === 'help') return withTopic(cli, positionals, values);
  takePositionals(cli, positionals.slice(1));
  takeFlags(cli, values);
  return cli;
}

/** `pgshift help [COMMAND]`, `pgshift COMMAND --help`, `pgshift --list --help`. */
function withTopic(cli: CliArgs, positionals: string[], values: Flags): CliArgs {
  const named = positionals[0] === 'help' ? positionals[1] : positionals[0];
  if (named !== undefined) {
    const topic = COMMANDS.includes(named) ? named : topicOfAlias(named);
    if (topic === undefined) throw unknownCommand(named);
    if (topic !== 'help' && topic !== 'version') cli.topic = topic as CliArgs['topic'];
  } else if (values.list) cli.topic = 'status';
  else if (values['dry-run']) cli.topic = 'plan';
  return cli;
}

/** `help list` is the help of `status`, `help migrate` that of `up`. */
function topicOfAlias(word: string): string | undefined {
  const meaning = ALIASES[word.toLowerCase()];
  if (meaning === undefined) return undefined;
  return meaning === '--list' ? 'status' : meaning === '--dry-run' ? 'plan' : meaning.split(' ')[0];
}

function takePositionals(cli: CliArgs, rest: string[]): void {
  if (cli.command === 'create') {
    if (rest.length !== 1) throw new UsageError('create needs one NAME, e.g. `pgshift create add_user_preferences`');
    cli.name = rest[0];
  } else if (cli.command === 'lint') {
    if (rest.length) cli.files = rest;
  } else if (cli.command === 'repair' && rest.length === 1) {
    cli.file = rest[0];
  } else if (rest.length > 0) {
    const what = cli.command === 'repair' ? '; `repair` takes at most one FILE' : '';
    throw new UsageError(`unexpected argument ${JSON.stringify(rest[cli.command === 'repair' ? 1 : 0])}${what}; see \`pgshift help ${cli.command}\``);
  }
}

function takeFlags(cli: CliArgs, values: Flags): void {
  const { command } = cli;
  if (values.to !== undefined) {
    if (command !== 'baseline' && command !== 'up' && command !== 'plan') throw new UsageError('--to goes with `up` (apply up to VERSION), `--dry-run`/`plan`, or `baseline`');
    cli.to = values.to;
  }
  if (values['single-transaction']) {
    if (command !== 'up') throw new UsageError('--single-transaction goes with `up`');
    cli.singleTransaction = true;
  }
  if (values['exit-code']) {
    if (command !== 'status') throw new UsageError('--exit-code goes with `status` (or `--list`)');
    cli.exitCode = true;
  }
  if (values['dry-run'] && (command === 'repair' || command === 'import')) cli.dryRun = true;
  takeLintFlags(cli, values);
  takeFleetFlags(cli, values);
  if (command === 'import') {
    if (values.from === undefined) throw new UsageError('import needs --from TOOL, e.g. `pgshift import --from flyway`; see `pgshift help import`');
    cli.from = values.from;
  } else if (values.from !== undefined) {
    throw new UsageError('--from goes with `import`');
  }
}

function takeLintFlags(cli: CliArgs, values: Flags): void {
  if ((values.all || values.format !== undefined) && cli.command !== 'lint') throw new UsageError(`--${values.all ? 'all' : 'format'} goes with \`lint\``);
  if (values.all) {
    if (cli.files) throw new UsageError('lint: name FILEs or --all, not both');
    cli.all = true;
  }
  if (values.format !== undefined) {
    if (values.format !== 'text' && values.format !== 'json' && values.format !== 'github') throw new UsageError('--format: one of text, json, github');
    cli.lintFormat = values.format;
    if (values.format === 'json') cli.format = 'json';
  }
}

/** `--canary N` and `--fail-fast` (fleets, `up`); without FLEET_* set they change nothing. */
function takeFleetFlags(cli: CliArgs, values: Flags): void {
  if (values.canary !== undefined) {
    if (cli.command !== 'up') throw new UsageError('--canary goes with `up` over a fleet');
    if (!/^\d+$/.test(values.canary)) throw new UsageError('--canary needs a whole number of targets, e.g. `--canary 5`');
    cli.canary = Number(values.canary);
  }
  if (values['fail-fast']) {
    if (cli.command !== 'up') throw new UsageError('--fail-fast goes with `up` over a fleet');
    cli.failFast = true;
  }
}

/** `--docker`, `--docker NAME` or `--docker=NAME` (NAME optional, so parseArgs cannot take it). */
function takeDocker(argv: string[]): { rest: string[]; docker?: string } {
  const rest: string[] = [];
  let docker: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--docker=')) docker = a.slice('--docker='.length);
    else if (a === '--docker') {
      const next = argv[i + 1];
      const takesNext = next !== undefined && !next.startsWith('-') && !COMMANDS.includes(next);
      docker = takesNext ? next : '';
      if (takesNext) i++;
    } else rest.push(a);
  }
  return docker === undefined ? { rest } : { rest, docker };
}

interface Flags {
  help?: boolean;
  version?: boolean;
  list?: boolean;
  'dry-run'?: boolean;
  to?: string;
  'single-transaction'?: boolean;
  'exit-code'?: boolean;
  from?: string;
  all?: boolean;
  format?: string;
  canary?: string;
  'fail-fast'?: boolean;
}

function chooseCommand(first: string | undefined, values: Flags): Command {
  if (values.help || first === 'help') return 'help';
  if (values.version) return 'version';
  if (first !== undefined && !COMMANDS.includes(first)) throw unknownCommand(first);
  const flagged: Command[] = [];
  if (values.list) flagged.push('status');
  // `repair --dry-run` and `import --dry-run` are those commands' own dry runs; elsewhere --dry-run is `plan`.
  if (values['dry-run'] && first !== 'repair' && first !== 'import') flagged.push('plan');
  const named = first as Command | undefined;
  const all = [...new Set([...(named ? [named] : []), ...flagged])];
  if (all.length > 1) throw new UsageError(`choose one of: ${all.map((c) => (c === 'status' ? '--list' : c === 'plan' ? '--dry-run' : c)).join(', ')}`);
  return all[0] ?? 'up';
}

function unknownCommand(word: string): UsageError {
  const guess = suggest(word);
  return new UsageError(`unknown command ${JSON.stringify(word)}${guess ? `; did you mean ${guess}?` : ''}; see \`pgshift --help\``);
}

const FLAGS = ['list', 'dry-run', 'json', 'strict', 'to', 'single-transaction', 'exit-code', 'from', 'all', 'format', 'canary', 'fail-fast', 'help', 'version', 'docker'];

/** The candidate at the smallest edit distance (at most 2, and less than the word's length). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(name, word);
    if (distance <= 2 && distance < word.length && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The closest command, alias or flag form; an alias names what it means here (`list` → `--list`). */
export function suggest(word: string): string | undefined {
  const w = word.toLowerCase().replace(/^-+/, '');
  const exact = ALIASES[w];
  if (exact) return suggestion(exact);
  const best = closest(w, [...COMMANDS, ...Object.keys(ALIASES)]);
  return best && suggestion(ALIASES[best] ?? best);
}

function suggestion(meaning: string): string {
  if (meaning === '--list') return '`pgshift --list` (or `pgshift status`)';
  if (meaning === '--dry-run') return '`pgshift --dry-run` (or `pgshift plan`)';
  return `\`pgshift ${meaning}\``;
}

/** Edit distance counting a swap of two neighbours as one edit (`lsit` is one from `list`), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
