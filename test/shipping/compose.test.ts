// docker-compose.yml (and the container tier's override files), checked statically: dclint (which
// bundles the official compose-spec schema) plus structure assertions parsed with `yaml`, including
// what dclint misses (a depends_on naming an undefined service) and the docker-compose 1.29 subset.
//
// NOT tested here: that the stack starts and gates for real. test/container/run.sh runs it with
// docker-compose 1.29 on a real engine (stand-in images, host network), in .ci/run.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const DCLINT = join(ROOT, 'node_modules', '.bin', 'dclint');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const OVERRIDES = ['test/container/compose.override.yml', 'test/container/compose.failing.yml'];

// Rules switched off, and why:
//  - require-project-name-field: a top-level `name:` is rejected by docker-compose 1.29;
//  - services-alphabetical-order: the services are listed in the order they run (postgres, migrate, app).
const DISABLED_RULES = ['require-project-name-field', 'services-alphabetical-order'];

type Service = Record<string, unknown> & {
  image?: string;
  build?: unknown;
  depends_on?: Record<string, { condition?: string } & Record<string, unknown>> | string[];
  environment?: Record<string, string>;
  healthcheck?: Record<string, unknown>;
  volumes?: string[];
  command?: string[] | string;
};
type ComposeFile = { services: Record<string, Service>; volumes?: Record<string, unknown> } & Record<string, unknown>;

function load(path: string): ComposeFile {
  return parse(readFileSync(join(ROOT, path), 'utf8')) as ComposeFile;
}

const COMPOSE = load('docker-compose.yml');
const SERVICES = COMPOSE.services;

// The keys docker-compose 1.29 (compose file format 3.9 / the spec as of 1.29) knows, where this
// project could plausibly use them. Anything else (e.g. Compose v2-only `develop`, `pull_policy:
// build`, `depends_on.*.required`) is rejected so that both old and new Compose accept the file.
const TOP_LEVEL_KEYS = new Set(['version', 'services', 'volumes', 'networks', 'secrets', 'configs']);
const SERVICE_KEYS = new Set([
  'build', 'cap_add', 'cap_drop', 'command', 'container_name', 'depends_on', 'entrypoint', 'env_file', 'environment',
  'expose', 'extra_hosts', 'healthcheck', 'image', 'init', 'labels', 'logging', 'network_mode', 'networks', 'ports',
  'read_only', 'restart', 'secrets', 'security_opt', 'shm_size', 'stop_grace_period', 'stop_signal', 'tmpfs', 'user',
  'volumes', 'working_dir',
]);
const DEPENDS_ON_KEYS = new Set(['condition']);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const HEALTHCHECK_KEYS = new Set(['test', 'interval', 'timeout', 'retries', 'start_period', 'disable']);
const BUILD_KEYS = new Set(['context', 'dockerfile', 'args', 'network', 'target', 'labels', 'cache_from', 'shm_size', 'extra_hosts']);

function dependsOn(service: Service): Record<string, { condition?: string } & Record<string, unknown>> {
  const d = service.depends_on;
  if (d === undefined) return {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, {}]));
  return d;
}

async function dclint(file: string): Promise<{ code: number; output: string }> {
  const argv = [file, ...DISABLED_RULES.flatMap((r) => ['--disable-rule', r]), '--max-warnings', '0', '--color', 'false'];
  try {
    const { stdout, stderr } = await run(DCLINT, argv, { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Asserts a compose document stays inside the subset docker-compose 1.29 accepts. */
function expectWithin129Subset(doc: ComposeFile, label: string): void {
  for (const key of Object.keys(doc)) expect(TOP_LEVEL_KEYS.has(key), `${label}: top-level key "${key}"`).toBe(true);
  expect(doc, `${label}: no top-level name (1.29 rejects it)`).not.toHaveProperty('name');
  for (const [name, service] of Object.entries(doc.services)) {
    for (const key of Object.keys(service)) expect(SERVICE_KEYS.has(key), `${label}: services.${name}.${key}`).toBe(true);
    for (const [dep, spec] of Object.entries(dependsOn(service))) {
      for (const key of Object.keys(spec)) {
        expect(DEPENDS_ON_KEYS.has(key), `${label}: services.${name}.depends_on.${dep}.${key} (1.29 knows only condition)`).toBe(true);
      }
      if (spec.condition !== undefined) expect(CONDITIONS.has(spec.condition), `${label}: condition ${spec.condition}`).toBe(true);
    }
    if (service.healthcheck) {
      for (const key of Object.keys(service.healthcheck)) expect(HEALTHCHECK_KEYS.has(key), `${label}: healthcheck.${key}`).toBe(true);
    }
    if (service.build !== undefined && typeof service.build === 'object' && service.build !== null) {
      for (const key of Object.keys(service.build)) expect(BUILD_KEYS.has(key), `${label}: build.${key}`).toBe(true);
    }
  }
}

describe('docker-compose.yml', () => {
  it('passes dclint (compose-spec schema and best practices) with no warning', async () => {
    const { code, output } = await dclint(COMPOSE_FILE);
    expect(output.trim(), output).toBe('');
    expect(code).toBe(0);
  });

  it('dclint does fail a broken file (the check is real)', async () => {
    // Same file with an unknown service key: the bundled schema must reject it.
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'pgshift-dclint-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(broken, readFileSync(COMPOSE_FILE, 'utf8').replace('    read_only: true\n', '    read_only: true\n    no_such_key: 1\n'));
      const { code } = await dclint(broken);
      expect(code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays within the docker-compose 1.29 subset', () => {
    expectWithin129Subset(COMPOSE, 'docker-compose.yml');
  });

  it('has postgres, migrate and app, and every depends_on names a defined service', () => {
    expect(Object.keys(SERVICES).sort()).toEqual(['app', 'migrate', 'postgres']);
    for (const [name, service] of Object.entries(SERVICES)) {
      for (const dep of Object.keys(dependsOn(service))) {
        expect(Object.keys(SERVICES), `services.${name}.depends_on.${dep}`).toContain(dep);
        expect(dep).not.toBe(name);
      }
    }
  });

  it('postgres: postgres:17 with POSTGRES_USER/PASSWORD/DB, a pg_isready healthcheck and a named volume', () => {
    const pg = SERVICES.postgres!;
    expect(pg.image).toBe('postgres:17');
    for (const key of ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB']) expect(pg.environment?.[key], key).toBeTruthy();
    const hc = pg.healthcheck!;
    const test = Array.isArray(hc.test) ? (hc.test as string[]).join(' ') : String(hc.test);
    expect(test).toMatch(/\bpg_isready\b/);
    // Over TCP, so the official image's socket-only bootstrap server doesn't count as ready.
    expect(test).toMatch(/-h\s+(127\.0\.0\.1|localhost)\b/);
    for (const key of ['interval', 'timeout', 'retries', 'start_period']) expect(hc[key], `healthcheck.${key}`).toBeDefined();
    expect(Number(hc.retries)).toBeGreaterThan(0);
    const volumes = (pg.volumes ?? []).map((v) => v.split(':'));
    const named = volumes.find(([source, target]) => target === '/var/lib/postgresql/data' && source !== undefined && !/^[./~]/.test(source));
    expect(named, 'a named volume at /var/lib/postgresql/data').toBeDefined();
    expect(Object.keys(COMPOSE.volumes ?? {})).toContain(named![0]);
  });

  it('migrate: built from this Dockerfile, waits for a healthy postgres, uses the kb schema', () => {
    const m = SERVICES.migrate!;
    const context = typeof m.build === 'string' ? m.build : (m.build as { context?: string } | undefined)?.context;
    expect(context).toBe('.');
    expect(dependsOn(m)).toEqual({ postgres: { condition: 'service_healthy' } });
    const env = m.environment ?? {};
    expect(env.MIGRATIONS_SCHEMA).toBe('kb');
    expect(env.POSTGRES_HOST).toBe('postgres');
    // The credentials migrate uses are the ones postgres was created with.
    const pgEnv = SERVICES.postgres!.environment ?? {};
    expect(env.POSTGRES_USER).toBe(pgEnv.POSTGRES_USER);
    expect(env.POSTGRES_PASSWORD).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(env.POSTGRES_DB).toBe(pgEnv.POSTGRES_DB);
    // A one-shot job: never restarted (a restart policy would re-run it forever after an exit 1).
    expect(m.restart === undefined || m.restart === 'no').toBe(true);
    expect(m.command, 'the image ENTRYPOINT applies by default').toBeUndefined();
  });

  it('app: starts only after migrate completed successfully', () => {
    const app = SERVICES.app!;
    expect(dependsOn(app).migrate).toEqual({ condition: 'service_completed_successfully' });
    const command = Array.isArray(app.command) ? app.command.join(' ') : String(app.command);
    expect(command).toContain('kb.schema_migrations');
  });
});

describe('container tier compose overrides', () => {
  for (const file of OVERRIDES) {
    it(`${file}: only overrides services of docker-compose.yml, within the 1.29 subset`, () => {
      const doc = load(file);
      expectWithin129Subset(doc, file);
      for (const name of Object.keys(doc.services)) expect(Object.keys(SERVICES), `${file}: services.${name}`).toContain(name);
    });
  }

  it('compose.override.yml swaps in the stand-in images and the host network for every service', () => {
    const doc = load('test/container/compose.override.yml');
    expect(Object.keys(doc.services).sort()).toEqual(Object.keys(SERVICES).sort());
    for (const [name, service] of Object.entries(doc.services)) expect(service.network_mode, name).toBe('host');
    expect(doc.services.postgres!.image).toBe('pgshift-test-postgres:15');
    expect(doc.services.app!.image).toBe('pgshift-test-postgres:15');
  });

  it('compose.failing.yml mounts an existing fixture folder at /migrations', () => {
    const doc = load('test/container/compose.failing.yml');
    const mount = doc.services.migrate!.volumes!.map((v) => v.split(':')).find(([, target]) => target === '/migrations');
    expect(mount).toBeDefined();
    const files = readFileSync(join(ROOT, mount![0]!, '0002_ct_fails.sql'), 'utf8');
    expect(files).toContain('1 / 0');
  });
});
