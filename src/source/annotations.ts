// Files written for goose, dbmate or node-pg-migrate hold both directions in one file, marked by
// comment lines. pgshift applies forward only: what it runs of such a file is the up part, with the
// down part blanked (every line kept, so errors still point at the file's own lines), and the
// tool's "no transaction" annotation becomes pgshift's own directive. The checksum stays that of
// the whole file.

interface Dialect {
  up: RegExp;
  down: RegExp;
  /** An annotation line that asks for no transaction. */
  noTransaction: RegExp;
}

const DIALECTS: Dialect[] = [
  // goose: `-- +goose Up`, `-- +goose Down`, `-- +goose NO TRANSACTION` (StatementBegin/End are
  // comments to pgshift, which splits dollar-quoted bodies itself).
  { up: /^--\s*\+goose\s+up\b/i, down: /^--\s*\+goose\s+down\b/i, noTransaction: /^--\s*\+goose\s+no\s+transaction\s*$/i },
  // dbmate: `-- migrate:up [transaction:false]`, `-- migrate:down`.
  { up: /^--\s*migrate:up\b/, down: /^--\s*migrate:down\b/, noTransaction: /^--\s*migrate:up\b.*\btransaction:false\b/ },
  // node-pg-migrate's SQL migrations: `-- Up Migration`, `-- Down Migration`.
  { up: /^--\s*up migration\s*$/i, down: /^--\s*down migration\s*$/i, noTransaction: /(?!)/ },
  // graphile-migrate's committed files: a header (`--! Previous: …`, `--! Hash: …`), then the
  // body, whose first line may be `--! no-transaction`; there is no down part.
  { up: /^--! Previous:/, down: /(?!)/, noTransaction: /^--!\s*no-transaction\b/ },
];

const NO_TRANSACTION = '-- pgshift:no-transaction';

/**
 * Words every up marker above holds (one scan of the text, far cheaper than testing every line
 * against every dialect): a file without any has no up part to cut.
 */
const ANY_UP = /goose|migrate:up|up migration|--! Previous:/i;

/**
 * The text pgshift runs of a file: unchanged unless it holds another tool's up and down markers.
 * Only a file with an up marker is read as such, so a plain file mentioning "down" is never cut.
 */
export function upPart(text: string): string {
  if (!ANY_UP.test(text)) return text;
  const lines = text.split('\n');
  const dialect = DIALECTS.find((d) => lines.some((l) => d.up.test(l.trim())));
  if (!dialect) return text;
  let section: 'before' | 'up' | 'down' = 'before';
  const out = lines.map((line) => {
    const t = line.trim();
    if (dialect.up.test(t)) section = 'up';
    else if (dialect.down.test(t)) section = 'down';
    else if (!dialect.noTransaction.test(t)) return section === 'down' ? '' : line;
    return dialect.noTransaction.test(t) ? NO_TRANSACTION : line;
  });
  return out.join('\n');
}

/** Another tool's down marker on a line of its own (the three dialects' `down` above, in one scan). */
const ANY_DOWN = /^[ \t]*--[ \t]*(?:\+goose[ \t]+down\b|migrate:down\b|down migration[ \t]*$)/im;

/** Whether text holds another tool's down marker: a file read in parts cannot have it cut (files.ts). */
export function hasDownPart(text: string): boolean {
  return ANY_DOWN.test(text);
}
