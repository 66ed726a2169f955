// Keeping passwords out of every byte written, without mangling what is written.
//
// Structure first: a URL's userinfo password and a `password=` connection-string value are
// redacted wherever they appear, whatever the password is. Then free text (server messages, SQL
// excerpts, error messages, the human report) is scrubbed of the configured secrets — but only
// where a secret stands as a word of its own: a short or common password (`5432`, `postgres`,
// `true`) is not hunted inside longer words, migration file names, timestamps or the names pgshift
// prints on purpose (user@host:port/database), where it cannot be a leak. JSON is scrubbed value
// by value: keys, numbers, booleans and the fields that hold names are never touched, so a
// document stays JSON whatever the password is.

export interface Redactor {
  /** Free text: structure redacted, then every standalone occurrence of a secret. */
  text(s: string): string;
  /** One serialized JSON document or pino line; returned as it came unless something needed redacting. */
  json(serialized: string, indent?: number): string;
  /** A parsed JSON value, redacted string by string (names kept). */
  value(v: unknown, key?: string): unknown;
  /** The cheap test every line passes first: false means nothing in it can need redacting. */
  suspect(s: string): boolean;
}

export const CENSOR = '****';

/** Fields that hold names pgshift prints on purpose (a file name is not a secret), or codes. */
const NAME_KEYS = new Set([
  'app', 'appliedAt', 'appliedChecksum', 'checksum', 'code', 'command', 'database', 'dir', 'event', 'file', 'host',
  'level', 'lock', 'migrationsDir', 'mode', 'name', 'passwordFile', 'path', 'source', 'sqlstate', 'sslmode', 'status',
  'table', 'time', 'user', 'version',
]);

/** `scheme://user:password@`: the password runs to the last `@` of the token (better a few characters too many than half a password). */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s"'<>@/:]*:)[^\s"'<>]*@/gi;
/** libpq's key=value form (also PGPASSWORD=, ?password=): a quoted value or up to the next space or quote. */
const KEY_VALUE = /(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s'"]+)/gi;
const STRUCTURE_HINT = /:\/\/|password\s*=/i;
/** Names that merely contain a secret as a fragment: migration file names (with their folder) and timestamps. */
const NAME_TOKENS = /[\p{L}\p{N}_.+\-/]*\.sql(?![\p{L}\p{N}_])|\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?/giu;
const WORD = /[\p{L}\p{N}_]/u;

/**
 * `secrets`: the configured password in the forms it was given; `names`: what pgshift prints on
 * purpose (user@host:port/database, host:port, …), inside which a secret is a fragment, not a leak.
 */
export function makeRedactor(secrets: readonly string[], names: readonly string[] = []): Redactor {
  const forms = secretForms(secrets);
  // Serialized JSON shows a secret holding `"` or `\` escaped; the cheap test must see that form too.
  const serialized = [...new Set(forms.map((f) => JSON.stringify(f).slice(1, -1)))];
  const publicNames = names.filter((n) => n.length > 0);

  const suspect = (s: string) => STRUCTURE_HINT.test(s) || forms.some((f) => s.includes(f)) || serialized.some((f) => s.includes(f));

  const text = (s: string): string => {
    let out = s;
    if (forms.some((f) => out.includes(f))) out = scrubSecrets(out, forms, publicNames);
    if (STRUCTURE_HINT.test(out)) out = out.replace(URL_USERINFO, `$1${CENSOR}@`).replace(KEY_VALUE, `$1${CENSOR}`);
    return out;
  };

  const value = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key !== undefined && NAME_KEYS.has(key) ? v : text(v);
    if (Array.isArray(v)) return v.map((item) => value(item, key));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = value(item, k);
      return out;
    }
    return v;
  };

  const json = (s: string, indent?: number): string => {
    if (!suspect(s)) return s;
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      return text(s);
    }
    const trailing = /\n*$/.exec(s)?.[0] ?? '';
    return JSON.stringify(value(parsed), null, indent) + trailing;
  };

  return { text, json, value, suspect };
}

/** Each secret as given and URL-encoded, longest first (so a longer form is replaced whole). */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function scrubSecrets(s: string, forms: readonly string[], names: readonly string[]): string {
  const spared = nameRanges(s, names);
  const cuts: Array<[number, number]> = [];
  for (const form of forms) {
    for (let i = s.indexOf(form); i !== -1; i = s.indexOf(form, i + 1)) {
      const end = i + form.length;
      if (cuts.some(([a, b]) => i < b && end > a)) continue;
      if (embeddedInWord(s, i, end, form)) continue;
      if (spared.some(([a, b]) => a <= i && end <= b && b - a > form.length)) continue;
      cuts.push([i, end]);
    }
  }
  if (cuts.length === 0) return s;
  cuts.sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [a, b] of cuts) {
    out += s.slice(at, a) + CENSOR;
    at = b;
  }
  return out + s.slice(at);
}

/** `5432` in `t5432` or `port_5432`: a word that merely contains the secret (\b on the sides where the secret is a word character). */
function embeddedInWord(s: string, start: number, end: number, form: string): boolean {
  const before = start > 0 && WORD.test(s[start - 1]!) && WORD.test(form[0]!);
  const after = end < s.length && WORD.test(s[end]!) && WORD.test(form[form.length - 1]!);
  return before || after;
}

function nameRanges(s: string, names: readonly string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const m of s.matchAll(NAME_TOKENS)) ranges.push([m.index, m.index + m[0].length]);
  for (const name of names) {
    for (let i = s.indexOf(name); i !== -1; i = s.indexOf(name, i + 1)) ranges.push([i, i + name.length]);
  }
  return ranges;
}
