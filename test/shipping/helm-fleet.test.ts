// The Helm chart's fleet mode (issue 14): fleet.enabled renders the migration Job as an Indexed Job
// of fleet.shards pods, each running its share of the targets (FLEET_SHARDS from the chart, the
// shard from JOB_COMPLETION_INDEX, which Kubernetes sets). Checked offline like helm.test.ts: the
// real Helm binary, Kubernetes' schemas and types, the restricted Pod Security rules, bad values.
//
// NOT tested here (no cluster on this machine): that Kubernetes runs one pod per index with
// JOB_COMPLETION_INDEX set, retries per index and fails an index on FailIndex. What the pods do
// with their index is tested by running them as processes: test/integration/fleet-shards.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/fleet/shard.js';
import { CHART, GENERATED, NAMESPACE, RELEASE, ROOT, at, find, job, list, render, renderNotes, runHelm, useGeneratedFolder, writeValues, type K8sObject, type Rendered, type Values } from './helm-chart.js';
import { typecheck, validateWithModels } from './helm-k8s.js';
import { restrictedViolations } from './helm-pss.js';

useGeneratedFolder('helm-fleet');

const DB_URL = 'postgres://control:url-s3cret-4b1d@db.prod.svc:5432/control';
const DB_PASSWORD = 'pw-s3cret-0d3a';
const TENANTS_SECRET = { name: 'tenants', key: 'dsns' };

const CASES = {
  /** Database per tenant, connection strings from a Secret: no control database at all. */
  file: { fleet: { enabled: true, shards: 4, targets: { existingSecret: TENANTS_SECRET } } },
  /** Targets from a query on the control database, every fleet knob set. */
  query: {
    database: { existingSecret: { name: 'control-db', key: 'url' } },
    fleet: {
      enabled: true,
      shards: 3,
      parallelism: 2,
      targets: { query: 'SELECT dsn FROM tenants WHERE active' },
      concurrency: 2,
      targetTimeout: '10m',
      canary: 2,
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 1,
    },
  },
  /** Schema per tenant, a list. */
  schemas: { database: { url: DB_URL }, fleet: { enabled: true, shards: 2, schemas: { list: ['tenant_acme', 'tenant_globex', 'tenant_initech'] } } },
  /** Schema per tenant from a query; fail fast. */
  schemaQuery: {
    database: { host: 'db.prod.svc', user: 'shop', name: 'shop', password: DB_PASSWORD },
    fleet: { enabled: true, shards: 5, schemas: { query: 'SELECT schema_name FROM tenants' }, failFast: true },
  },
  argocd: { argocd: { enabled: true }, fleet: { enabled: true, shards: 2, targets: { existingSecret: TENANTS_SECRET } } },
} satisfies Record<string, Values>;
type CaseName = keyof typeof CASES;
const CASE_NAMES = Object.keys(CASES) as CaseName[];
/** Kubernetes versions around backoffLimitPerIndex (beta, on by default in 1.29; GA in 1.33). Helm's own default is 1.32. */
const KUBE_VERSIONS = ['1.26.0', '1.28.9', '1.29.0', '1.33.1'] as const;

const rendered = {} as Record<CaseName, Rendered>;
/** The file case at each Kubernetes version, and the same case outside fleet mode for comparison. */
const byKube = {} as Record<(typeof KUBE_VERSIONS)[number], Rendered>;
let single: Rendered;

beforeAll(async () => {
  rmSync(GENERATED, { recursive: true, force: true });
  mkdirSync(GENERATED, { recursive: true });
  for (const r of await Promise.all(CASE_NAMES.map((name) => render(name, CASES[name])))) rendered[r.name as CaseName] = r;
  for (const v of KUBE_VERSIONS) byKube[v] = await render(`file-kube-${v}`, CASES.file, ['--kube-version', v]);
  single = await render('single', { database: { url: DB_URL } });
});

type Obj = Record<string, unknown>;
const spec = (r: Rendered): Obj => at(job(r), 'spec') as Obj;
const pod = (r: Rendered): Obj => at(job(r), 'spec', 'template', 'spec') as Obj;
const container = (r: Rendered): Obj => list(pod(r).containers)[0] as Obj;
const env = (r: Rendered): Record<string, unknown> => Object.fromEntries(list(container(r).env).map((e) => [e.name, e.value]));
const fleetEnv = (r: Rendered): Record<string, unknown> => Object.fromEntries(Object.entries(env(r)).filter(([k]) => k.startsWith('FLEET_')));
const rulesCodes = (rules: Obj[]): number[] => rules.flatMap((rule) => (at(rule, 'onExitCodes', 'values') as number[] | undefined) ?? []).sort((a, b) => a - b);

describe('fleet mode renders an Indexed Job', () => {
  it.each(CASE_NAMES)('%s: passes helm lint --strict', async (name) => {
    const result = await runHelm(['lint', '--strict', CHART, '-f', writeValues(`lint-${name}`, CASES[name])]);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(CASE_NAMES)('%s: completionMode Indexed, completions = fleet.shards, parallelism = fleet.parallelism or shards, restartPolicy Never', (name) => {
    const { fleet } = CASES[name] as { fleet: { shards: number; parallelism?: number } };
    expect(spec(rendered[name])).toMatchObject({ completionMode: 'Indexed', completions: fleet.shards, parallelism: fleet.parallelism ?? fleet.shards });
    expect(pod(rendered[name]).restartPolicy).toBe('Never');
  });

  it('still one Job, the same hook (weight 0, before-hook-creation) and name as outside fleet mode', () => {
    const fleetJob = job(rendered.file);
    const singleJob = job(single);
    expect(fleetJob.metadata.name).toBe(singleJob.metadata.name);
    expect(fleetJob.metadata.annotations).toEqual(singleJob.metadata.annotations);
    expect(rendered.file.objects.map((o) => o.kind)).toEqual(['Job']);
  });

  it('outside fleet mode nothing changes: no completionMode, no FLEET_* variable', () => {
    expect(spec(single).completionMode).toBeUndefined();
    expect(spec(single).completions).toBeUndefined();
    expect(fleetEnv(single)).toEqual({});
  });
});

describe('fleet mode: settings reach pgshift as FLEET_* variables', () => {
  it.each([
    ['file', { FLEET_SHARDS: '4', FLEET_TARGETS_FILE: '/var/run/secrets/pgshift-fleet/targets' }],
    ['query', { FLEET_SHARDS: '3', FLEET_TARGETS_QUERY: 'SELECT dsn FROM tenants WHERE active', FLEET_CONCURRENCY: '2', FLEET_TARGET_TIMEOUT: '10m', FLEET_CANARY: '2' }],
    ['schemas', { FLEET_SHARDS: '2', FLEET_SCHEMAS: 'tenant_acme,tenant_globex,tenant_initech' }],
    ['schemaQuery', { FLEET_SHARDS: '5', FLEET_SCHEMAS_QUERY: 'SELECT schema_name FROM tenants', FLEET_FAIL_FAST: 'true' }],
  ] as const)('%s: %j', (name, expected) => {
    expect(fleetEnv(rendered[name])).toEqual(expected);
  });

  it.each(CASE_NAMES)('%s: FLEET_SHARD and JOB_COMPLETION_INDEX are left to Kubernetes (each pod reads its own index)', (name) => {
    const names = list(container(rendered[name]).env).map((e) => e.name);
    expect(names).not.toContain('FLEET_SHARD');
    expect(names).not.toContain('JOB_COMPLETION_INDEX');
    expect(names.filter((n) => n === 'FLEET_SHARDS')).toHaveLength(1);
  });

  it('file: the targets Secret is a read-only file (mode 0440) at FLEET_TARGETS_FILE; no database secret, no Secret rendered', () => {
    const r = rendered.file;
    const mount = list(container(r).volumeMounts).find((m) => m.name === 'fleet-targets') as Obj;
    expect(mount).toEqual({ name: 'fleet-targets', mountPath: '/var/run/secrets/pgshift-fleet', readOnly: true });
    const volume = list(pod(r).volumes).find((v) => v.name === 'fleet-targets');
    expect(volume).toEqual({ name: 'fleet-targets', secret: { secretName: 'tenants', defaultMode: 0o440, items: [{ key: 'dsns', path: 'targets' }] } });
    expect(env(r).FLEET_TARGETS_FILE).toBe(`${String(mount.mountPath)}/targets`);
    expect(list(pod(r).volumes).map((v) => v.name)).toEqual(['tmp', 'fleet-targets']);
    expect(Object.keys(env(r)).filter((k) => /^(DATABASE_URL|POSTGRES_PASSWORD)/.test(k))).toEqual([]);
    expect(find(r, 'Secret')).toEqual([]);
  });

  it('query and schemas: the control database secret is mounted as outside fleet mode; no targets mount', () => {
    expect(env(rendered.query).DATABASE_URL_FILE).toBe('/var/run/secrets/pgshift/database-url');
    expect(env(rendered.schemas).DATABASE_URL_FILE).toBe('/var/run/secrets/pgshift/database-url');
    expect(env(rendered.schemaQuery).POSTGRES_PASSWORD_FILE).toBe('/var/run/secrets/pgshift/postgres-password');
    for (const name of ['query', 'schemas', 'schemaQuery'] as const) {
      expect(list(pod(rendered[name]).volumes).map((v) => v.name)).toEqual(['tmp', 'database']);
    }
  });

  it.each(CASE_NAMES)('%s: no secret text in the Job; every pod passes the restricted rules', (name) => {
    const json = JSON.stringify(job(rendered[name]));
    for (const s of [DB_URL, DB_PASSWORD, 'url-s3cret-4b1d']) expect(json).not.toContain(s);
    expect(restrictedViolations(pod(rendered[name]))).toEqual([]);
  });
});

describe('fleet mode: retries and podFailurePolicy by Kubernetes version', () => {
  it.each([
    ['1.26.0', false],
    ['1.28.9', false],
    ['1.29.0', true],
    ['1.33.1', true],
  ] as const)('Kubernetes %s: backoffLimitPerIndex %s', (version, perIndex) => {
    const s = spec(byKube[version]);
    if (perIndex) {
      expect(s.backoffLimitPerIndex).toBe(3);
      // Unset, so Kubernetes' default applies (unlimited): the failures of all shards together must not stop the Job.
      expect('backoffLimit' in s).toBe(false);
    } else {
      expect(s.backoffLimit).toBe(3);
      expect('backoffLimitPerIndex' in s).toBe(false);
      expect('maxFailedIndexes' in s).toBe(false);
    }
  });

  it('Helm\'s default Kubernetes (1.32, as with plain `helm template`): per index; maxFailedIndexes only when set', () => {
    expect(spec(rendered.file).backoffLimitPerIndex).toBe(3);
    expect('maxFailedIndexes' in spec(rendered.file)).toBe(false);
    expect(spec(rendered.query)).toMatchObject({ backoffLimitPerIndex: 1, maxFailedIndexes: 1 });
  });

  it('per index: 2 and 3 (same settings in every pod) fail the Job, 1, 6, 70 fail only that shard, disruptions ignored', () => {
    expect(at(spec(byKube['1.29.0']), 'podFailurePolicy')).toEqual({
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'migrate', operator: 'In', values: [2, 3] } },
        { action: 'FailIndex', onExitCodes: { containerName: 'migrate', operator: 'In', values: [1, 6, 70] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    });
  });

  it.each(KUBE_VERSIONS)('Kubernetes %s: the same exit codes are never retried as outside fleet mode (only the scope differs)', (version) => {
    const fleetRules = list(at(spec(byKube[version]), 'podFailurePolicy', 'rules'));
    const singleRules = list(at(spec(single), 'podFailurePolicy', 'rules'));
    expect(rulesCodes(fleetRules)).toEqual(rulesCodes(singleRules));
    expect(rulesCodes(fleetRules)).toEqual([1, 2, 3, 6, 70]);
  });

  it('without per-index retries (< 1.29), and with fleet.failFast, the policy is exactly today\'s single-database one', async () => {
    const singlePolicy = at(spec(single), 'podFailurePolicy');
    expect(at(spec(byKube['1.28.9']), 'podFailurePolicy')).toEqual(singlePolicy);
    expect(at(spec(rendered.schemaQuery), 'podFailurePolicy')).toEqual(singlePolicy);
    const failFast133 = await render('fail-fast-1.33', { ...CASES.file, fleet: { ...CASES.file.fleet, failFast: true } }, ['--kube-version', '1.33.1']);
    expect(at(spec(failFast133), 'podFailurePolicy')).toEqual(singlePolicy);
    expect(spec(failFast133).backoffLimitPerIndex).toBe(3);
  });

  it('job.podFailurePolicy.enabled=false drops it in fleet mode too', async () => {
    const r = await render('fleet-no-pfp', { ...CASES.file, job: { podFailurePolicy: { enabled: false } } });
    expect(spec(r).podFailurePolicy).toBeUndefined();
  });
});

describe('fleet mode: rendered objects against Kubernetes schemas', () => {
  const all = (): Array<{ id: string; object: K8sObject }> => [
    ...CASE_NAMES.flatMap((name) => rendered[name].objects.map((object, i) => ({ id: `${name}_${i}`, object }))),
    ...KUBE_VERSIONS.map((v) => ({ id: `kube_${v.replace(/\./g, '_')}`, object: job(byKube[v]) })),
  ];

  it('every object passes kubernetes-models validate() (Indexed, FailIndex and per-index fields included)', () => {
    for (const { object } of all()) expect(() => validateWithModels(object)).not.toThrow();
  });

  it('kubernetes-models rejects a bad completionMode-era value (control): FailIndexes', () => {
    const wrong = structuredClone(job(rendered.file));
    (at(wrong, 'spec', 'podFailurePolicy', 'rules', 1) as Obj).action = 'FailIndexes';
    expect(() => validateWithModels(wrong)).toThrow(/action must be equal to one of the allowed values/);
  });

  it('every object, as `{…} satisfies <Kind>` (kubernetes-types 1.30), passes tsc --noEmit', async () => {
    const result = await typecheck('fleet', all());
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

// ---- bad values ------------------------------------------------------------------------------------

const SCHEMA_ERROR = "values don't meet the specifications of the schema(s)";
const fleetOf = (fleet: Values, rest: Values = {}): Values => ({ database: { url: DB_URL }, ...rest, fleet: { enabled: true, ...fleet } });
const BAD_VALUES: Array<[string, Values, string]> = [
  ['fleet.enabled without targets', fleetOf({}), 'fleet: Must validate one and only one schema (oneOf)'],
  ['two sources of targets', fleetOf({ targets: { query: 'SELECT 1' }, schemas: { list: ['a'] } }), 'fleet: Must validate one and only one schema (oneOf)'],
  ['fleet.shards: 0', fleetOf({ shards: 0, schemas: { list: ['a'] } }), 'fleet.shards: Must be greater than or equal to 1'],
  ['fleet.shards as a string', fleetOf({ shards: '3', schemas: { list: ['a'] } }), 'fleet.shards: Invalid type. Expected: integer, given: string'],
  ['fleet.parallelism: 0', fleetOf({ parallelism: 0, schemas: { list: ['a'] } }), 'fleet.parallelism: Must be greater than or equal to 1'],
  ['a schema name that is not a plain identifier', fleetOf({ schemas: { list: ['tenant-1'] } }), 'fleet.schemas.list.0: Does not match pattern'],
  ['a schema named twice', fleetOf({ schemas: { list: ['a', 'a'] } }), 'fleet.schemas.list: array items[0,1] must be unique'],
  ['fleet.targetTimeout: 10 minutes', fleetOf({ targetTimeout: '10 minutes', schemas: { list: ['a'] } }), 'fleet.targetTimeout: Does not match pattern'],
  ['fleet.canary: -1', fleetOf({ canary: -1, schemas: { list: ['a'] } }), 'fleet.canary: Must be greater than or equal to 0'],
  ['fleet.concurrency: 0', fleetOf({ concurrency: 0, schemas: { list: ['a'] } }), 'fleet.concurrency: Must be greater than or equal to 1'],
  ['fleet.failFast as a string', fleetOf({ failFast: 'always', schemas: { list: ['a'] } }), 'fleet.failFast: Invalid type. Expected: boolean, given: string'],
  ['a misspelled fleet key', fleetOf({ shard: 3, schemas: { list: ['a'] } }), 'Additional property shard is not allowed'],
  ['targets.existingSecret.name without key', fleetOf({ targets: { existingSecret: { name: 'tenants' } } }), 'fleet.targets.existingSecret.key: String length must be greater than or equal to 1'],
  ['targets.query with no control database', { fleet: { enabled: true, targets: { query: 'SELECT dsn FROM t' } } }, 'database: Must validate at least one schema (anyOf)'],
  ['FLEET_SHARDS in extraEnv (the chart sets it from fleet.shards)', fleetOf({ schemas: { list: ['a'] } }, { extraEnv: [{ name: 'FLEET_SHARDS', value: '8' }] }), 'extraEnv.0.name: Must not validate the schema (not)'],
  ['FLEET_SHARD in extraEnv (every pod would run the same shard)', fleetOf({ schemas: { list: ['a'] } }, { extraEnv: [{ name: 'FLEET_SHARD', value: '0' }] }), 'extraEnv.0.name: Must not validate the schema (not)'],
  ['fleet with the example app (await waits for one database)', fleetOf({ schemas: { list: ['a'] } }, { app: { enabled: true, image: { repository: 'x' } } }), 'app.enabled does not match: false'],
];

describe('fleet mode: bad values fail before anything reaches a cluster', () => {
  it.each(BAD_VALUES)('schema rejects %s', async (label, values, message) => {
    const result = await runHelm(['template', RELEASE, CHART, '-f', writeValues(`bad-${label.replace(/[^a-z0-9]+/gi, '-')}`, values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(SCHEMA_ERROR);
    expect(result.stderr).toContain(message);
  });

  it('template refuses fleet.maxFailedIndexes above fleet.shards', async () => {
    const result = await runHelm(['template', RELEASE, CHART, '-f', writeValues('bad-max-failed', fleetOf({ shards: 2, maxFailedIndexes: 3, schemas: { list: ['a'] } }))]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('pgshift: fleet.maxFailedIndexes (3) cannot exceed fleet.shards (2)');
  });

  it('fleet settings are ignored while fleet.enabled is false (no Indexed Job, no FLEET_*)', async () => {
    const r = await render('fleet-off', { database: { url: DB_URL }, fleet: { enabled: false, shards: 4, schemas: { list: ['a'] } } });
    expect(spec(r).completionMode).toBeUndefined();
    expect(fleetEnv(r)).toEqual({});
  });
});

describe('fleet mode: NOTES.txt', () => {
  it('says how to read one shard\'s logs and what a failing shard does, per Kubernetes version', async () => {
    const perIndex = await renderNotes(CASES.file, ['--kube-version', '1.30.0']);
    expect(perIndex).toContain(`kubectl -n ${NAMESPACE} logs -l job-name=${RELEASE}-pgshift-migrate,batch.kubernetes.io/job-completion-index=0`);
    expect(perIndex).toContain('Exit 1, 6 and 70 fail only that shard');
    expect(perIndex).toContain('.status.failedIndexes');
    const shared = await renderNotes(CASES.file, ['--kube-version', '1.28.0']);
    expect(shared).toContain('Retries count the failures of all shards together (job.backoffLimit)');
    expect(shared).not.toContain('failedIndexes');
  });
});

describe('docs/KUBERNETES.md "Fleets": the manifest and the assignment formula', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'KUBERNETES.md'), 'utf8');
  // YAML 1.1, as kubectl reads it (`defaultMode: 0440` is octal there).
  const indexed = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => parse(m[1] ?? '', { version: '1.1' }) as K8sObject)
    .filter((o) => o?.kind === 'Job' && at(o, 'spec', 'completionMode') === 'Indexed');

  it('the Indexed Job passes kubernetes-models, tsc `satisfies`, and the restricted rules', async () => {
    expect(indexed).toHaveLength(1);
    const docJob = indexed[0] as K8sObject;
    expect(() => validateWithModels(docJob)).not.toThrow();
    expect(restrictedViolations(at(docJob, 'spec', 'template', 'spec'))).toEqual([]);
    const result = await typecheck('docs-fleet', [{ id: 'docs_fleet', object: docJob }]);
    expect(result.output).toBe('');
  });

  it('it is what the chart renders for the same values (Kubernetes >= 1.29): policy, retries, mounts, FLEET_SHARDS = completions', () => {
    const docJob = indexed[0] as K8sObject;
    const chart = byKube['1.29.0'];
    expect(at(docJob, 'spec', 'podFailurePolicy')).toEqual(spec(chart).podFailurePolicy);
    expect(at(docJob, 'spec', 'backoffLimitPerIndex')).toBe(spec(chart).backoffLimitPerIndex);
    expect(at(docJob, 'spec', 'backoffLimit')).toBeUndefined();
    expect(at(docJob, 'spec', 'template', 'spec', 'volumes')).toEqual(pod(chart).volumes);
    const docContainer = at(docJob, 'spec', 'template', 'spec', 'containers', 0) as Obj;
    expect(docContainer.volumeMounts).toEqual(container(chart).volumeMounts);
    const docEnv = Object.fromEntries(list(docContainer.env).map((e) => [e.name, e.value]));
    expect(docEnv.FLEET_SHARDS).toBe(String(at(docJob, 'spec', 'completions')));
    expect(docEnv.FLEET_TARGETS_FILE).toBe(env(chart).FLEET_TARGETS_FILE);
    expect('FLEET_SHARD' in docEnv).toBe(false);
  });

  it('the Node one-liner gives the shard pgshift runs a target in', () => {
    const line = /^node -e '(.+)' '([^']+)' (\d+)$/m.exec(docs);
    expect(line).not.toBeNull();
    const [, script, exampleName, exampleShards] = line as unknown as [string, string, string, string];
    const oneLiner = (name: string, shards: number) => Number(execFileSync(process.execPath, ['-e', script, name, String(shards)], { encoding: 'utf8' }).trim());
    const cases: Array<[string, number]> = [[exampleName, Number(exampleShards)], ['tenant_acme', 3], ['db2.internal:5432/globex', 7], ['ünïcode_schema', 8], ['a', 16], ['127.0.0.1:5432/t_0f3a', 1]];
    for (const [name, shards] of cases) expect(oneLiner(name, shards), `${name} of ${shards}`).toBe(shardOf(name, shards));
  });
});

describe('NOT tested here: needs a live Kubernetes cluster', () => {
  it.todo('Kubernetes starts one pod per index with JOB_COMPLETION_INDEX set, at most `parallelism` at once');
  it.todo('FailIndex fails only that shard, the others finish, and the Job ends Failed (status.failedIndexes)');
});
