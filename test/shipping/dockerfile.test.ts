// The Dockerfile and .dockerignore, checked statically: parsed with dockerfile-ast and validated with
// dockerfile-utils. These hold without a Docker engine.
//
// NOT tested here: that the image builds and runs. test/container/run.sh does that for real (a
// private dockerd, stand-in base images, the real build, uid 1000 / arbitrary UID, --read-only,
// SIGTERM -> 143, the compose stack); it runs in .ci/run, not in `npm test`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Dockerfile, type From, type Instruction, type JSONInstruction, type PropertyInstruction, type Copy } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const BASE_IMAGE = 'node:24-bookworm-slim';
const TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const DOCKERFILE: Dockerfile = DockerfileParser.parse(TEXT);
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };

interface Stage {
  index: number;
  name: string | null;
  from: From;
  instructions: Instruction[];
}

/** The build stages in order, each with the instructions that follow its FROM. */
function stages(): Stage[] {
  const result: Stage[] = [];
  for (const instruction of DOCKERFILE.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      result.push({ index: result.length, name: from.getBuildStage(), from, instructions: [] });
    } else if (result.length > 0) {
      result[result.length - 1]!.instructions.push(instruction);
    }
  }
  return result;
}

const STAGES = stages();
const FINAL = STAGES[STAGES.length - 1]!;

function ofKeyword<T extends Instruction>(stage: Stage, keyword: string): T[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword) as T[];
}

function args(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue());
}

/** A COPY's sources (every argument but the destination), flags excluded. */
function copySources(copy: Copy): string[] {
  const json = (copy as JSONInstruction).getJSONStrings();
  const values = json.length > 0 ? json.map((s) => s.getJSONValue()) : args(copy);
  return values.slice(0, -1);
}

function copyFrom(copy: Copy): string | null {
  return copy.getFromFlag()?.getValue() ?? null;
}

/** ENV and LABEL key/values of a stage (later ones win). */
function properties(stage: Stage, keyword: 'ENV' | 'LABEL'): Map<string, string> {
  const map = new Map<string, string>();
  for (const instruction of ofKeyword<PropertyInstruction>(stage, keyword)) {
    for (const p of instruction.getProperties()) {
      const raw = p.getUnescapedValue() ?? '';
      map.set(p.getName(), /^"(.*)"$/s.exec(raw)?.[1] ?? raw);
    }
  }
  return map;
}

describe('Dockerfile', () => {
  it('passes dockerfile-utils validation with no problem reported', () => {
    const problems = validate(TEXT).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('has no parser directive (no "# syntax=": BuildKit would pull a frontend image)', () => {
    expect(DOCKERFILE.getDirectives()).toEqual([]);
    expect(TEXT).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it(`is multi-stage, every stage on ${BASE_IMAGE}, every stage named`, () => {
    expect(STAGES.length).toBeGreaterThanOrEqual(2);
    for (const stage of STAGES) {
      expect(stage.from.getImage(), `stage ${stage.index}`).toBe(BASE_IMAGE);
      expect(stage.name, `stage ${stage.index} has an AS name`).toMatch(/^[a-z][a-z0-9_.-]*$/);
    }
    expect(new Set(STAGES.map((s) => s.name)).size).toBe(STAGES.length);
  });

  it('builds in the build stage: npm ci, then npm run build (the esbuild bundle)', () => {
    const build = STAGES[0]!;
    const runs = ofKeyword(build, 'RUN').map((r) => r.getArgumentsContent() ?? '');
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    const bundle = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(bundle).toBeGreaterThan(ci);
    // The lockfile is copied before npm ci, the sources after it (layer cache survives code edits).
    const order = build.instructions.map((i) => `${i.getKeyword()} ${i.getArgumentsContent() ?? ''}`);
    const lock = order.findIndex((l) => l.startsWith('COPY') && l.includes('package-lock.json'));
    const npmCi = order.findIndex((l) => /^RUN .*\bnpm ci\b/.test(l));
    const src = order.findIndex((l) => l.startsWith('COPY') && /\bsrc\//.test(l));
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(lock).toBeLessThan(npmCi);
    expect(src).toBeGreaterThan(npmCi);
    // It copies the file that scripts/build.mjs writes and package.json's bin names.
    expect(PKG.bin.pgshift).toBe('dist/pgshift.mjs');
    expect(runs.join('\n')).toContain('dist/pgshift.mjs');
  });

  it('every COPY --from names a stage defined before it', () => {
    let seen = 0;
    for (const stage of STAGES) {
      for (const copy of ofKeyword<Copy>(stage, 'COPY')) {
        const from = copyFrom(copy);
        if (from === null) continue;
        seen++;
        const earlier = STAGES.slice(0, stage.index);
        const ok = earlier.some((s) => s.name === from) || (/^\d+$/.test(from) && Number(from) < stage.index);
        expect(ok, `COPY --from=${from} in stage ${stage.name ?? stage.index}`).toBe(true);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('the runtime stage holds only the bundle and the migrations: no node_modules, no npm, no sources', () => {
    expect(ofKeyword(FINAL, 'ADD')).toEqual([]);
    const copies = ofKeyword<Copy>(FINAL, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    const destinations: string[] = [];
    for (const copy of copies) {
      // Only from the build stage, never the build context wholesale.
      expect(copyFrom(copy), copy.toString()).toBe(STAGES[0]!.name);
      for (const source of copySources(copy)) {
        expect(source, copy.toString()).not.toMatch(/node_modules/);
        expect(source, copy.toString()).not.toMatch(/^(\.|\/|\/src\/?|\.\/)$/);
      }
      destinations.push(args(copy).at(-1)!);
    }
    expect(destinations.map((d) => d.replace(/\/$/, '')).sort()).toEqual(['/app', '/migrations']);
    for (const run of ofKeyword(FINAL, 'RUN')) {
      expect(run.getArgumentsContent()).not.toMatch(/\b(npm|npx|yarn|pnpm|apt-get|apk)\b/);
    }
  });

  it('the final USER is numeric and not root, with group 0 (arbitrary UIDs share its files)', () => {
    const users = ofKeyword(FINAL, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.getArgumentsContent()!.trim();
    const match = /^(\d+)(?::(\d+))?$/.exec(user);
    expect(match, `USER ${user} is numeric`).not.toBeNull();
    expect(Number(match![1])).not.toBe(0);
    expect(match![2]).toBe('0');
    // Nothing after the USER switches back.
    const last = FINAL.instructions.lastIndexOf(users.at(-1)!);
    expect(FINAL.instructions.slice(last + 1).map((i) => i.getKeyword())).not.toContain('RUN');
  });

  it('ENTRYPOINT is exec form and runs the bundle with node (PID 1 gets SIGTERM)', () => {
    const entrypoints = ofKeyword<JSONInstruction>(FINAL, 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    const entrypoint = entrypoints[0]!;
    expect(entrypoint.getOpeningBracket(), 'exec (JSON) form').not.toBeNull();
    expect(entrypoint.getJSONStrings().map((s) => s.getJSONValue())).toEqual(['node', '/app/pgshift.mjs']);
    expect(ofKeyword(FINAL, 'CMD')).toEqual([]);
    expect(ofKeyword(FINAL, 'HEALTHCHECK')).toEqual([]);
    const stop = ofKeyword(FINAL, 'STOPSIGNAL').map((s) => s.getArgumentsContent());
    expect(stop.every((s) => s === 'SIGTERM')).toBe(true);
  });

  it('sets MIGRATIONS_DIR=/migrations and NODE_ENV=production', () => {
    const env = properties(FINAL, 'ENV');
    expect(env.get('MIGRATIONS_DIR')).toBe('/migrations');
    expect(env.get('NODE_ENV')).toBe('production');
  });

  // Node writes a compile cache when it has none that matches; under a read-only root filesystem
  // the cache must therefore be complete when the image is built, made by the user the image runs
  // as (Node keeps one per UID), and then owned by root and read-only. The container tier checks
  // for real that Node accepts it and writes nothing back.
  it('a compile cache, if any, is made at build time by the final USER and then made read-only', () => {
    const cache = properties(FINAL, 'ENV').get('NODE_COMPILE_CACHE');
    if (cache === undefined) return;
    const finalUser = ofKeyword(FINAL, 'USER').at(-1)!.getArgumentsContent()!.trim();
    let user = 'root';
    let filled = false;
    let sealed = false;
    for (const instruction of FINAL.instructions) {
      const keyword = instruction.getKeyword();
      const content = instruction.getArgumentsContent() ?? '';
      if (keyword === 'USER') user = content.trim();
      if (keyword !== 'RUN') continue;
      if (/\bnode \/app\/pgshift\.mjs\b/.test(content)) {
        expect(user, 'the cache is made by the user the image runs as').toBe(finalUser);
        filled = true;
      }
      if (filled && content.includes(`chown -R 0:0 ${cache}`) && /chmod -R u=rwX,go=rX/.test(content) && content.includes(cache)) sealed = true;
    }
    expect(filled, `a RUN of the bundle fills ${cache}`).toBe(true);
    expect(sealed, `${cache} is then owned by root and read-only to everyone else`).toBe(true);
  });

  it('carries OCI labels', () => {
    const labels = properties(FINAL, 'LABEL');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision']) {
      expect(labels.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
    }
    expect(labels.get('org.opencontainers.image.title')).toBe('pgshift');
    expect(labels.get('org.opencontainers.image.licenses')).toBe('Apache-2.0');
  });

  it('uses no BuildKit-only flags (the classic builder must build it)', () => {
    for (const stage of STAGES) {
      for (const instruction of stage.instructions) {
        const flags = (instruction as Copy).getFlags?.() ?? [];
        for (const flag of flags) {
          expect(['from', 'chown'], `${instruction.toString()}`).toContain(flag.getName());
        }
      }
    }
  });

  it('documents the application image pattern (FROM pgshift + COPY migrations /migrations)', () => {
    const comments = DOCKERFILE.getComments().map((c) => c.getContent());
    expect(comments.some((c) => /^FROM pgshift\b/.test(c.trim()))).toBe(true);
    expect(comments.some((c) => /^COPY migrations \/migrations$/.test(c.trim()))).toBe(true);
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));

  it('is an allow-list: everything is excluded first', () => {
    expect(rules[0]).toBe('*');
  });

  it('lets in every path a COPY takes from the build context, and each exists', () => {
    const sources = STAGES.flatMap((s) => ofKeyword<Copy>(s, 'COPY').filter((c) => copyFrom(c) === null).flatMap(copySources));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect(allowed, `COPY ${source}`).toContain(path);
      expect(existsSync(join(ROOT, path)), `${path} exists`).toBe(true);
    }
  });

  it('lets in no node_modules, dist, .git, .cache or tests', () => {
    for (const path of allowed) expect(path).not.toMatch(/^(node_modules|dist|\.git|\.cache|test|coverage|helm)(\/|$)/);
  });
});
