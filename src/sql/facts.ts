// What one statement does that decides how a file runs: transaction control, statements PostgreSQL
// refuses inside a transaction block, ALTER TYPE … ADD VALUE, COPY to or from the client.

import { dollarTagAt, nextToken, startingStrings, type Scanner, type Token } from './scanner.js';

/**
 * What a statement does to the session's transaction block: `open` BEGIN/START TRANSACTION, `close`
 * COMMIT/END, `end` ROLLBACK/ABORT/PREPARE TRANSACTION, `chain` COMMIT/ROLLBACK AND CHAIN (ends one, opens the next).
 */
export type Control = 'open' | 'close' | 'end' | 'chain';

export interface Facts {
  control: Control | undefined;
  /** A statement PostgreSQL refuses inside a transaction block, named as its error names it where that reads well. */
  refused: string | undefined;
  addsEnumValue: boolean;
}

export function topLevelWords(tokens: Token[]): string[] {
  return tokens.filter((t) => t.kind === 'word' && t.depth === 0).map((t) => t.value);
}

function hasPair(words: string[], first: string, second: string): boolean {
  return words.some((w, i) => w === first && words[i + 1] === second);
}

export function factsOf(words: string[], tokens: Token[]): Facts {
  return {
    control: transactionControl(words),
    refused: refusedStatement(words, tokens),
    addsEnumValue: words[0] === 'alter' && words[1] === 'type' && hasPair(words, 'add', 'value'),
  };
}

function transactionControl(words: string[]): Control | undefined {
  const [first, second] = words;
  // Only COMMIT, END and ROLLBACK can chain; looking for AND CHAIN in every statement costs.
  const chains = (): boolean => hasPair(words, 'and', 'chain');
  switch (first) {
    case 'begin':
      return 'open';
    case 'start':
      return second === 'transaction' ? 'open' : undefined;
    case 'commit':
    case 'end':
      if (second === 'prepared') return undefined;
      return chains() ? 'chain' : 'close';
    case 'rollback':
      // ROLLBACK TO SAVEPOINT stays inside the block; ROLLBACK PREPARED is a refused statement.
      if (second === 'prepared' || words.includes('to')) return undefined;
      return chains() ? 'chain' : 'end';
    case 'abort':
      return 'end';
    case 'prepare':
      return second === 'transaction' ? 'end' : undefined;
    default:
      return undefined;
  }
}

/** Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock), by its own names. */
function refusedStatement(words: string[], tokens: Token[]): string | undefined {
  const [first, second] = words;
  switch (first) {
    case 'create':
    case 'drop':
      return refusedCreateOrDrop(words);
    case 'alter':
      return refusedAlter(words);
    case 'reindex':
      return refusedReindex(tokens);
    case 'vacuum':
      return 'VACUUM';
    case 'cluster':
      // Without a table, CLUSTER processes every table, each in its own transaction.
      return tokens.slice(1).every((t) => t.depth > 0 || t.value === '(' || t.value === ')' || t.value === 'verbose') ? 'CLUSTER' : undefined;
    case 'discard':
      return second === 'all' ? 'DISCARD ALL' : undefined;
    case 'do':
      return doBlockCommits(tokens) ? 'a DO block that commits (COMMIT or ROLLBACK in its body)' : undefined;
    case 'commit':
    case 'rollback':
      return second === 'prepared' ? `${first.toUpperCase()} PREPARED` : undefined;
    default:
      return undefined;
  }
}

/**
 * A DO block whose PL/pgSQL body commits or rolls back (a batched backfill): PostgreSQL allows that
 * only outside a transaction block. COMMIT/ROLLBACK count where a PL/pgSQL statement starts, found by
 * lexing the body, so the words in its own strings, comments and expressions do not.
 */
function doBlockCommits(tokens: Token[]): boolean {
  const top = tokens.filter((t) => t.depth === 0);
  const language = top.findIndex((t) => t.kind === 'word' && t.value === 'language');
  const named = language >= 0 ? top[language + 1]?.value.replace(/^'(.*)'$/s, '$1').toLowerCase() : 'plpgsql';
  if (named !== 'plpgsql') return false;
  const body = top.find((t, i) => i > 0 && t.kind === 'literal' && (t.value.startsWith('$') || t.value.startsWith("'")) && top[i - 1]?.value !== 'language');
  const code = body && bodyText(body.value);
  return code !== undefined && commitsAsStatement(code);
}

/** The code a DO's string holds: inside its dollar quotes, or its '…' with '' undone. */
function bodyText(literal: string): string | undefined {
  if (literal.startsWith("'")) return literal.slice(1, -1).replace(/''/g, "'");
  const tag = dollarTagAt(literal, 0);
  return tag === undefined || literal.length < 2 * tag.length ? undefined : literal.slice(tag.length, literal.length - tag.length);
}

/** Words after which a PL/pgSQL statement starts. */
const STATEMENT_STARTS = new Set([';', 'begin', 'then', 'else', 'loop']);

function commitsAsStatement(code: string): boolean {
  const body: Scanner = { sql: code, firstLine: 1, lines: [0], pos: 0, findings: [], lineComments: [], strings: startingStrings() };
  let previous: Token | undefined;
  for (let token = nextToken(body); token; token = nextToken(body)) {
    const atStart = previous === undefined || STATEMENT_STARTS.has(previous.value);
    if (atStart && token.kind === 'word' && (token.value === 'commit' || token.value === 'rollback')) {
      const next = nextToken(body);
      // COMMIT; ROLLBACK; COMMIT AND [NO] CHAIN — not `rollback_count := …` or ROLLBACK TO (not PL/pgSQL).
      if (next === undefined || next.value === ';' || next.value === 'and') return true;
      previous = next;
      continue;
    }
    previous = token;
  }
  return false;
}

function refusedCreateOrDrop(words: string[]): string | undefined {
  const verb = (words[0] ?? '').toUpperCase();
  const indexAt = words[1] === 'unique' ? 2 : 1;
  if (words[indexAt] === 'index' && words[indexAt + 1] === 'concurrently') return `${verb} INDEX CONCURRENTLY`;
  const object = words[1];
  if (object === 'database' || object === 'tablespace' || object === 'subscription') return `${verb} ${object.toUpperCase()}`;
  return undefined;
}

function refusedAlter(words: string[]): string | undefined {
  const object = words[1];
  if (object === 'system') return 'ALTER SYSTEM';
  if (object === 'table' && words.includes('detach') && words[words.length - 1] === 'concurrently') {
    return 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY';
  }
  if (object === 'database' && hasPair(words, 'set', 'tablespace')) return 'ALTER DATABASE … SET TABLESPACE';
  if (object === 'subscription' && words.includes('publication')) return 'ALTER SUBSCRIPTION … PUBLICATION';
  return undefined;
}

/** REINDEX [ (options) ] INDEX|TABLE|SCHEMA|SYSTEM|DATABASE [CONCURRENTLY] name; CONCURRENTLY may also be an option. */
function refusedReindex(tokens: Token[]): string | undefined {
  const concurrently = tokens.some((t, i) => {
    if (t.kind !== 'word' || t.value !== 'concurrently' || t.depth > 1) return false;
    const setting = tokens[i + 1];
    return !(t.depth === 1 && setting && ['false', 'off', '0'].includes(setting.value));
  });
  if (concurrently) return 'REINDEX CONCURRENTLY';
  const kind = topLevelWords(tokens).find((w) => ['index', 'table', 'schema', 'system', 'database'].includes(w));
  return kind === 'schema' || kind === 'system' || kind === 'database' ? `REINDEX ${kind.toUpperCase()}` : undefined;
}


export function copyDirection(words: string[]): 'from stdin' | 'to stdout' | undefined {
  if (words[0] !== 'copy') return undefined;
  for (let i = 1; i < words.length - 1; i++) {
    if (words[i] === 'from' && words[i + 1] === 'stdin') return 'from stdin';
    if (words[i] === 'to' && words[i + 1] === 'stdout') return 'to stdout';
  }
  return undefined;
}

/** A SET or RESET: it changes only the session (which is reset after every file), never the database. */
export function changesSessionOnly(statement: string): boolean {
  return /^(set|reset)\b/i.test(statement);
}

export function controlName(first: string): string {
  const name = first.toUpperCase();
  return first === 'start' || first === 'prepare' ? `${name} TRANSACTION` : name;
}

