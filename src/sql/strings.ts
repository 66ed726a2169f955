// standard_conforming_strings followed past each statement, as psql follows the server's reports.

import type { Control } from './facts.js';
import { standardNow, type StringsSetting, type Token } from './scanner.js';

/**
 * Follows standard_conforming_strings past a statement (its transaction control and, for SET or
 * RESET, the tokens) as the server's report to psql would; true when the value in effect changed.
 */
export function followStrings(setting: StringsSetting, control: Control | undefined, firstWord: string, tokens: Token[]): boolean {
  const before = standardNow(setting);
  const set = firstWord === 'set' || firstWord === 'reset' ? stringsStatement(tokens) : undefined;
  if (set) {
    const value = set.value ?? setting.initial;
    // Outside a transaction block, SET LOCAL changes nothing (the server only warns).
    if (!set.local) Object.assign(setting, { session: value, local: undefined });
    else if (setting.atBegin !== undefined) setting.local = value;
  }
  if (control !== undefined) endOrOpenBlock(setting, control, firstWord);
  return standardNow(setting) !== before;
}

function endOrOpenBlock(setting: StringsSetting, control: Control, firstWord: string): void {
  if (control === 'open') {
    setting.atBegin ??= setting.session;
    return;
  }
  // ROLLBACK and ABORT undo the block's SETs; COMMIT, END and PREPARE TRANSACTION keep its session SETs.
  const rollsBack = firstWord === 'rollback' || firstWord === 'abort';
  if (rollsBack && setting.atBegin !== undefined) setting.session = setting.atBegin;
  setting.local = undefined;
  setting.atBegin = control === 'chain' ? setting.session : undefined;
}

/**
 * `SET [SESSION|LOCAL] standard_conforming_strings {TO|=} value|DEFAULT`, `RESET standard_conforming_strings`,
 * `RESET ALL`: the value it sets (undefined: the default), or undefined for any other statement.
 */
function stringsStatement(tokens: Token[]): { value: boolean | undefined; local: boolean } | undefined {
  const values = tokens.map((t) => t.value);
  if (values[0] === 'reset') {
    return values.length === 2 && (values[1] === 'standard_conforming_strings' || values[1] === 'all') ? { value: undefined, local: false } : undefined;
  }
  const scope = values[1] === 'session' || values[1] === 'local' ? 1 : 0;
  const [name, to, setting] = values.slice(1 + scope);
  if (name !== 'standard_conforming_strings' || (to !== 'to' && to !== '=') || setting === undefined || values.length !== 4 + scope) return undefined;
  const local = values[1] === 'local';
  if (setting === 'default') return { value: undefined, local };
  const value = parseBool(setting.replace(/^'(.*)'$/s, '$1'));
  return value === undefined ? undefined : { value, local };
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no (and their unambiguous prefixes), 1/0. */
function parseBool(text: string): boolean | undefined {
  const v = text.toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === '1' || v === 'on') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === '0' || (v.length >= 2 && 'off'.startsWith(v))) return false;
  return undefined;
}
