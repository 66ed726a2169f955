// sqitch's plan (sqitch.plan): pragmas, a blank line, then change and tag lines; sqitch deploys the
// changes in plan order. Read as App::Sqitch 1.3.1 reads it (lib/App/Sqitch/Plan.pm `_parse`), and
// each change's id computed as lib/App/Sqitch/Plan/Change.pm computes it (sha1 of its `info`): the
// rows sqitch writes (sqitch.changes.change_id) are matched to the plan by sqitch's own key, so a
// plan edited after deploying is noticed rather than guessed at.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SqitchChange {
  name: string;
  id: string;
  /** 1-based position in the plan: the order sqitch deploys in. */
  position: number;
  /** The deploy script under the project folder: `deploy/NAME.sql`, or `deploy/NAME@TAG.sql` for a reworked change's earlier version. */
  deployScript: string;
}

export interface SqitchPlan {
  project: string;
  changes: SqitchChange[];
}

const TIMESTAMP = String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)`;
const PLANNER = String.raw`([^<]+)[ \t]+<([^>]+)>`;
const CHANGE_LINE = new RegExp(String.raw`^[ \t]*(?:([+-])[ \t]*)?([^\s[\]#@:]+)[ \t]*(?:\[([^\]]+)\][ \t]*)?(?:${TIMESTAMP}[ \t]*)?(?:${PLANNER})?$`);
const TAG_LINE = new RegExp(String.raw`^[ \t]*@([^\s[\]#@:]+)[ \t]*(?:${TIMESTAMP}[ \t]*)?(?:${PLANNER})?$`);
const PRAGMA = /^[ \t]*%[ \t]*([^=\s]+)[ \t]*(?:=[ \t]*(.+))?$/;

interface Parsed {
  name: string;
  requires: string[];
  conflicts: string[];
  timestamp: string;
  planner: string;
  note: string;
  tags: string[];
  reworkTags: string[];
}

/**
 * The plan's changes in deploy order. `exists` says whether a script under the project folder
 * exists (a reworked change's script is the first of its rework tags that does). Throws Error with
 * the line for a plan sqitch itself would not read.
 */
export function parseSqitchPlan(text: string, exists: (script: string) => boolean): SqitchPlan {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const pragmas = new Map<string, string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const { content } = splitNote(lines[i]!);
    if (content.trim() === '') {
      if (!/#/.test(lines[i]!)) break; // a blank line ends the pragmas
      continue;
    }
    const m = PRAGMA.exec(content);
    if (!m) throw new Error(`sqitch.plan line ${i + 1}: invalid pragma; a blank line must come between pragmas and changes`);
    pragmas.set(m[1]!, m[2]?.trim() ?? '1');
  }
  const project = pragmas.get('project');
  if (!project) throw new Error('sqitch.plan: no %project pragma');
  const changes: Parsed[] = [];
  const named = new Map<string, Parsed>();
  for (i++; i < lines.length; i++) {
    const { content, note } = splitNote(lines[i]!);
    if (content.trim() === '') continue;
    const tag = TAG_LINE.exec(content);
    if (/^[ \t]*@/.test(content)) {
      if (!tag?.[2] || !tag[3]) throw new Error(`sqitch.plan line ${i + 1}: a tag needs a timestamp, a planner name and an email`);
      const last = changes.at(-1);
      if (!last) throw new Error(`sqitch.plan line ${i + 1}: tag @${tag[1]} declared without a preceding change`);
      last.tags.push(tag[1]!);
      continue;
    }
    const m = CHANGE_LINE.exec(content);
    if (!m?.[4] || !m[5]) throw new Error(`sqitch.plan line ${i + 1}: a change needs a name, a timestamp, a planner name and an email`);
    if (m[1] === '-') throw new Error(`sqitch.plan line ${i + 1}: a change planned as reverted (-${m[2]}): pgshift applies forward only`);
    const deps = (m[3] ?? '').split(/[ \t]+/).filter(Boolean);
    const change: Parsed = {
      name: m[2]!,
      requires: deps.filter((d) => !d.startsWith('!')).map((d) => depString(d, project)),
      conflicts: deps.filter((d) => d.startsWith('!')).map((d) => depString(d.slice(1), project)),
      timestamp: m[4],
      planner: `${m[5]} <${m[6]}>`,
      note,
      tags: [],
      reworkTags: [],
    };
    const duped = named.get(change.name);
    if (duped) {
      // As Plan.pm: the tags of the changes after the earlier one, latest first, then its own.
      for (let k = changes.length - 1; changes[k] !== duped; k--) duped.reworkTags.push(...changes[k]!.tags);
      duped.reworkTags.push(...duped.tags);
    }
    named.set(change.name, change);
    changes.push(change);
  }
  const uri = pragmas.get('uri');
  let parent: string | undefined;
  return {
    project,
    changes: changes.map((c, n) => {
      const id = changeId(c, project, uri, parent);
      parent = id;
      return { name: c.name, id, position: n + 1, deployScript: deployScript(c, exists) };
    }),
  };
}

/** The line without its `# note`, and the note as sqitch keeps it (trimmed, `\n` `\r` `\\` unescaped). */
function splitNote(line: string): { content: string; note: string } {
  const hash = line.indexOf('#');
  if (hash < 0) return { content: line.trimEnd(), note: '' };
  const raw = line.slice(hash + 1).trim();
  return { content: line.slice(0, hash).trimEnd(), note: raw.replace(/\\([\\nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\')) };
}

/** Plan/Depend.pm `as_string`: the project named only when it is another project. */
function depString(dep: string, project: string): string {
  const colon = dep.indexOf(':');
  return colon >= 0 && dep.slice(0, colon) === project ? dep.slice(colon + 1) : dep;
}

/** Plan/Change.pm `info` and `id`. */
function changeId(c: Parsed, project: string, uri: string | undefined, parent: string | undefined): string {
  const info = [
    `project ${project}`,
    ...(uri ? [`uri ${canonicalUri(uri)}`] : []),
    `change ${c.name}`,
    ...(parent ? [`parent ${parent}`] : []),
    `planner ${c.planner}`,
    `date ${c.timestamp}`,
    ...(c.requires.length ? [`requires\n  + ${c.requires.join('\n  + ')}`] : []),
    ...(c.conflicts.length ? [`conflicts\n  - ${c.conflicts.join('\n  - ')}`] : []),
    // Perl's truth: a note of "0" is no note.
    ...(c.note !== '' && c.note !== '0' ? ['', c.note] : []),
  ].join('\n');
  return createHash('sha1').update(`change ${Buffer.byteLength(info)}\0${info}`).digest('hex');
}

/** URI->canonical for the usual http(s) project URIs (lower-case scheme and host, `/` for an empty path). */
function canonicalUri(uri: string): string {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : uri;
  } catch {
    return uri;
  }
}

/** Plan/Change.pm `path_segments`: a reworked change's script is `NAME@TAG.sql`, the first of its rework tags that exists. */
function deployScript(c: Parsed, exists: (script: string) => boolean): string {
  if (c.reworkTags.length === 0) return `deploy/${c.name}.sql`;
  const scripts = c.reworkTags.map((t) => `deploy/${c.name}@${t}.sql`);
  return scripts.find(exists) ?? scripts[0]!;
}

/** How many digits a change's position has in the name pgshift records (`0003_users/deploy.sql`). */
const POSITION_DIGITS = 4;

/**
 * A sqitch project (MIGRATIONS_DIR holds sqitch.plan) as pgshift applies it: each change's deploy
 * script, in plan order, named `NNNN_CHANGE/deploy.sql` after its position so that name order is
 * plan order and the name carries a version. Revert and verify scripts are never read. `problems`
 * gets what stops the run.
 */
export function sqitchMigrations(dir: string, problems: string[]): Array<{ name: string; path: string; versioned: string }> {
  let plan: SqitchPlan;
  try {
    plan = parseSqitchPlan(readFileSync(join(dir, 'sqitch.plan'), 'utf8'), (script) => isFile(join(dir, script)));
  } catch (err) {
    problems.push(`sqitch.plan: ${(err as Error).message.replace(/^sqitch\.plan:? ?/, '')}`);
    return [];
  }
  if (plan.changes.length >= 10 ** POSITION_DIGITS) {
    problems.push(`sqitch.plan: ${plan.changes.length} changes; pgshift names a sqitch change by its position in ${POSITION_DIGITS} digits`);
    return [];
  }
  const missing = plan.changes.filter((c) => !isFile(join(dir, c.deployScript)));
  for (const c of missing) problems.push(`sqitch.plan plans ${c.name} (change ${c.position}), but ${c.deployScript} does not exist: restore it, or remove the change from sqitch.plan if it was never deployed`);
  if (missing.length > 0) return [];
  return plan.changes.map((c) => {
    const name = sqitchFileName(c);
    return { name, path: join(dir, c.deployScript), versioned: `${name.slice(0, name.lastIndexOf('/'))}.sql` };
  });
}

/** The name pgshift records for a change's deploy script. */
export function sqitchFileName(c: SqitchChange): string {
  return `${String(c.position).padStart(POSITION_DIGITS, '0')}_${c.name}/deploy.sql`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
