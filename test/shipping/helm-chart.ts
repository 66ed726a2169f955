// Runs the real Helm binary (v3.17.3, extracted by scripts/helm.mjs) on helm/pgshift, offline:
// `helm lint --strict` and `helm template`, and parses what it renders. No cluster is involved.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART = join(ROOT, 'helm', 'pgshift');
/** This suite's output (rendered YAML, values files, typecheck folders), git-ignored, rewritten per run. */
export let GENERATED = join(ROOT, 'test', 'shipping', 'generated', 'helm');

/** Puts this test file's output in generated/<name>: files running in parallel never remove each other's. */
export function useGeneratedFolder(name: string): void {
  GENERATED = join(ROOT, 'test', 'shipping', 'generated', name);
}
export const RELEASE = 'shop';
export const NAMESPACE = 'prod';

let helmPath: string | undefined;
/** Path of the Helm binary (extracted on first use). */
export function helm(): string {
  helmPath ??= execFileSync(process.execPath, [join(ROOT, 'scripts', 'helm.mjs')], { encoding: 'utf8' }).trim();
  return helmPath;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runHelm(args: string[]): Promise<HelmResult> {
  return new Promise((resolveRun) => {
    execFile(
      helm(),
      args,
      // No kubeconfig, no cache/config from the developer's home: the run is the same everywhere.
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: GENERATED,
          KUBECONFIG: join(GENERATED, 'no-kubeconfig'),
          HELM_CACHE_HOME: join(GENERATED, '.helm', 'cache'),
          HELM_CONFIG_HOME: join(GENERATED, '.helm', 'config'),
          HELM_DATA_HOME: join(GENERATED, '.helm', 'data'),
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

export type Values = Record<string, unknown>;

/** Writes values to generated/<name>.values.yaml (kept for a human to look at) and returns the path. */
export function writeValues(name: string, values: Values): string {
  mkdirSync(GENERATED, { recursive: true });
  const file = join(GENERATED, `${name}.values.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** A rendered Kubernetes object (loosely typed: tests read nested fields through `at`). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

export interface Rendered {
  name: string;
  values: Values;
  yaml: string;
  objects: K8sObject[];
}

/** `helm template` with these values (plus extra CLI args); throws with Helm's stderr on failure. */
export async function render(name: string, values: Values, extraArgs: string[] = []): Promise<Rendered> {
  const file = writeValues(name, values);
  const result = await runHelm(['template', RELEASE, CHART, '--namespace', NAMESPACE, '-f', file, ...extraArgs]);
  if (result.code !== 0) throw new Error(`helm template (${name}) exited ${result.code}:\n${result.stderr}`);
  writeFileSync(join(GENERATED, `${name}.rendered.yaml`), result.stdout);
  return { name, values, yaml: result.stdout, objects: parseManifests(result.stdout) };
}

/** Reads a nested field: at(obj, 'spec', 'template', 'spec', 'containers', 0). */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

type Obj = Record<string, unknown>;
/** An array field as a list of objects (empty when absent). */
export const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
export const find = (r: Rendered, kind: string): K8sObject[] => r.objects.filter((o) => o.kind === kind);
/** The one Job the chart renders (asserts there is exactly one). */
export function job(r: Rendered): K8sObject {
  const jobs = find(r, 'Job');
  expect(jobs).toHaveLength(1);
  return jobs[0] as K8sObject;
}

/**
 * NOTES.txt as Helm would print it after an install. `helm template` does not print NOTES.txt and
 * `helm install --dry-run` wants a cluster, so a copy of the chart gets one extra template that
 * includes NOTES.txt into a ConfigMap.
 */
export async function renderNotes(values: Values, extraArgs: string[] = []): Promise<string> {
  const copy = join(GENERATED, 'notes-chart', 'pgshift');
  rmSync(copy, { recursive: true, force: true });
  cpSync(CHART, copy, { recursive: true });
  writeFileSync(
    join(copy, 'templates', 'zz-notes.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "pgshift/templates/NOTES.txt" . | quote }}\n',
  );
  const result = await runHelm(['template', RELEASE, copy, '--namespace', NAMESPACE, '-f', writeValues('notes', values), ...extraArgs]);
  expect(result.stderr).toBe('');
  const notes = parse(result.stdout.split('---').find((d) => d.includes('name: notes')) ?? '') as { data: { notes: string } };
  return notes.data.notes;
}
