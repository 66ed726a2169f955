// The Helm chart (helm/pgshift), checked offline with the real Helm 3.17.3 binary:
// `helm lint --strict`, `helm template` for each value set, the rendered objects against Kubernetes'
// schemas (kubernetes-models) and types (kubernetes-types + tsc, which catches misspelled fields),
// the Pod Security "restricted" rules, and bad values failing at template time.
//
// NOT tested here (no cluster on this machine): that Helm really runs the Secret/ConfigMap hooks
// before the Job and waits for it, that the Job completes or fails per its podFailurePolicy, that the
// API server admits the objects, and that the initContainer gates the app's pods. See the `todo`s.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument, isMap, isScalar } from 'yaml';
import { CHART, GENERATED, NAMESPACE, RELEASE, ROOT, at, find, job, list, render, renderNotes, runHelm, writeValues, type K8sObject, type Rendered, type Values } from './helm-chart.js';
import { RENDERABLE_KINDS, renameKey, typecheck, validateWithModels } from './helm-k8s.js';
import { restrictedViolations } from './helm-pss.js';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const CHART_YAML = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;

// Recognisable secrets: they must appear in the rendered Secret and nowhere else.
const DB_URL = 'postgres://shop:url-s3cret-9f2c@db.prod.svc:5432/shop?sslmode=require';
const DB_PASSWORD = 'pw-s3cret-7c1e';
const SECRET_STRINGS = [DB_URL, DB_PASSWORD, 'url-s3cret-9f2c'];
const SECRET_ENV_NAMES = ['DATABASE_URL', 'POSTGRES_PASSWORD', 'PGPASSWORD'];

const MIGRATION_FILES = {
  '20251018_create_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\n',
  '20251019_add_index.sql': '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY orders_id ON orders (id);\n',
};
const APP = { enabled: true, image: { repository: 'registry.example.com/shop', tag: '2.3.1' }, ports: [{ name: 'http', containerPort: 8080 }] };

/** The value sets. "defaults" is the chart's values.yaml plus the one setting it requires (a database). */
const CASES = {
  defaults: { database: { url: DB_URL } },
  hostPassword: { database: { host: 'db.prod.svc', user: 'shop', name: 'shop', password: DB_PASSWORD } },
  existingSecretUrl: { database: { existingSecret: { name: 'shop-db', key: 'url' } } },
  existingSecretPassword: { database: { host: 'db.prod.svc', user: 'shop', name: 'shop', existingSecret: { name: 'shop-db', key: 'password', contains: 'password' } } },
  configMapMigrations: { database: { url: DB_URL }, migrations: { configMap: { enabled: true, files: MIGRATION_FILES } } },
  appInitContainer: { database: { url: DB_URL }, app: APP },
  argocd: { database: { url: DB_URL }, argocd: { enabled: true } },
  ttl: { database: { url: DB_URL }, job: { ttlSecondsAfterFinished: 86400 } },
  everything: {
    image: { repository: 'registry.example.com/shop-migrations', tag: '2.3.1', pullPolicy: 'Always' },
    imagePullSecrets: [{ name: 'regcred' }],
    commonLabels: { team: 'payments' },
    args: ['up', '--strict'],
    database: { host: 'db.prod.svc', port: 6432, user: 'shop', name: 'shop', sslmode: 'verify-full', existingSecret: { name: 'shop-db', key: 'password', contains: 'password' } },
    migrations: { configMap: { enabled: true, files: MIGRATION_FILES } },
    env: { MIGRATIONS_SCHEMA: 'kb', LOCK_TIMEOUT: '20m', MIGRATION_LOCK_TIMEOUT: '5s', MIGRATION_LOCK_RETRIES: 5, PGSSLROOTCERT: '/etc/pgshift/ca/ca.crt', LOG_LEVEL: 'debug' },
    extraEnv: [{ name: 'PGCONNECT_TIMEOUT', value: '10' }, { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } }],
    extraVolumes: [{ name: 'ca', secret: { secretName: 'db-ca' } }],
    extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/pgshift/ca', readOnly: true }],
    job: { backoffLimit: 5, activeDeadlineSeconds: 2400, ttlSecondsAfterFinished: 86400, annotations: { 'example.com/owner': 'payments' }, labels: { tier: 'db' } },
    podAnnotations: { 'sidecar.istio.io/inject': 'false' },
    podLabels: { tier: 'db' },
    serviceAccountName: 'shop-migrate',
    resources: { requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '384Mi' } },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
    priorityClassName: 'high',
    argocd: { enabled: true },
    app: APP,
  },
} satisfies Record<string, Values>;
type CaseName = keyof typeof CASES;
const CASE_NAMES = Object.keys(CASES) as CaseName[];

const rendered = {} as Record<CaseName, Rendered>;

beforeAll(async () => {
  rmSync(GENERATED, { recursive: true, force: true });
  mkdirSync(GENERATED, { recursive: true });
  const results = await Promise.all(CASE_NAMES.map((name) => render(name, CASES[name])));
  for (const r of results) rendered[r.name as CaseName] = r;
});

// ---- helpers over rendered objects --------------------------------------------------------------

type Obj = Record<string, unknown>;
const jobPod = (r: Rendered): Obj => at(job(r), 'spec', 'template', 'spec') as Obj;
const jobContainer = (r: Rendered): Obj => list(jobPod(r).containers)[0] as Obj;
const annotations = (o: K8sObject): Record<string, string> => o.metadata.annotations ?? {};
const envOf = (c: Obj): Obj[] => list(c.env);
const envValue = (c: Obj, name: string): unknown => envOf(c).find((e) => e.name === name)?.value;
/** Every pod spec the chart renders (Job and example Deployment). */
function podSpecs(r: Rendered): Array<{ owner: string; spec: Obj }> {
  return r.objects
    .filter((o) => o.kind === 'Job' || o.kind === 'Deployment')
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: at(o, 'spec', 'template', 'spec') as Obj }));
}
/** Every pgshift container (the Job's and the app's initContainer). */
function pgshiftContainers(r: Rendered): Obj[] {
  const deployment = find(r, 'Deployment')[0];
  return [jobContainer(r), ...list(at(deployment, 'spec', 'template', 'spec', 'initContainers'))];
}

// ---- the chart itself -----------------------------------------------------------------------------

describe('helm chart: metadata and values', () => {
  it('Chart.yaml is apiVersion v2, needs Kubernetes >= 1.26 (podFailurePolicy), appVersion = package.json version', () => {
    expect(CHART_YAML.apiVersion).toBe('v2');
    expect(CHART_YAML.kubeVersion).toBe('>=1.26.0-0');
    expect(CHART_YAML.appVersion).toBe(PKG.version);
  });

  it('values.schema.json is draft-07 and closed at the top level', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    // Every top-level key of values.yaml is described by the schema.
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Obj;
    expect(Object.keys(values).filter((k) => !(k in (schema.properties as Obj)))).toEqual([]);
  });

  it('values.yaml: every top-level key has a comment', () => {
    const doc = parseDocument(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    expect(isMap(doc.contents)).toBe(true);
    const uncommented: string[] = [];
    const items = isMap(doc.contents) ? doc.contents.items : [];
    items.forEach((pair, i) => {
      const key = isScalar(pair.key) ? pair.key : undefined;
      // The yaml parser attaches a comment above the first key to the document.
      const comment = key?.commentBefore ?? (i === 0 ? doc.commentBefore : undefined);
      if (!comment) uncommented.push(String(key?.value));
    });
    expect(uncommented).toEqual([]);
  });
});

describe('helm lint --strict (real Helm 3.17.3, offline)', () => {
  it.each(CASE_NAMES)('passes with value set %s', async (name) => {
    const result = await runHelm(['lint', '--strict', CHART, '-f', writeValues(`lint-${name}`, CASES[name])]);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('fails on the bare values.yaml: a database setting is required', async () => {
    const result = await runHelm(['lint', '--strict', CHART]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('database: Must validate at least one schema (anyOf)');
  });
});

// ---- hooks ----------------------------------------------------------------------------------------

describe('helm template: hooks', () => {
  it.each(CASE_NAMES)('%s: Secret/ConfigMap are pre-install,pre-upgrade hooks weighted before the Job; delete policy before-hook-creation only', (name) => {
    const r = rendered[name];
    const hooks = r.objects.filter((o) => annotations(o)['helm.sh/hook'] !== undefined);
    // Every Secret, ConfigMap and Job the chart renders is a hook; the example Deployment is not.
    expect(hooks.map((o) => o.kind).sort()).toEqual(r.objects.filter((o) => o.kind !== 'Deployment').map((o) => o.kind).sort());
    for (const o of find(r, 'Deployment')) expect(annotations(o)['helm.sh/hook']).toBeUndefined();
    for (const o of hooks) {
      expect(annotations(o)['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(annotations(o)['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
    }
    const weight = (o: K8sObject) => Number(annotations(o)['helm.sh/hook-weight']);
    const jobWeight = weight(job(r));
    expect(Number.isInteger(jobWeight)).toBe(true);
    const before = hooks.filter((o) => o.kind !== 'Job');
    for (const o of before) expect(weight(o), `${o.kind} weight`).toBeLessThan(jobWeight);
  });

  it('the Job is never deleted on failure or success (logs stay for a human)', () => {
    for (const name of CASE_NAMES) {
      const policy = annotations(job(rendered[name]))['helm.sh/hook-delete-policy'];
      expect(policy).not.toContain('hook-failed');
      expect(policy).not.toContain('hook-succeeded');
    }
  });

  it('the Secret is rendered from database.url / host+password, and not at all with existingSecret', () => {
    expect(find(rendered.defaults, 'Secret')).toHaveLength(1);
    expect(at(find(rendered.defaults, 'Secret')[0], 'stringData')).toEqual({ DATABASE_URL: DB_URL });
    expect(at(find(rendered.hostPassword, 'Secret')[0], 'stringData')).toEqual({ POSTGRES_PASSWORD: DB_PASSWORD });
    for (const name of ['existingSecretUrl', 'existingSecretPassword', 'everything'] as const) expect(find(rendered[name], 'Secret')).toEqual([]);
  });

  it.each(CASE_NAMES)('%s: Argo CD annotations only when argocd.enabled, on every hook, sync waves in hook-weight order', (name) => {
    const r = rendered[name];
    const enabled = (CASES[name] as Values).argocd !== undefined;
    for (const o of r.objects) {
      const a = annotations(o);
      const argoKeys = Object.keys(a).filter((k) => k.startsWith('argocd.argoproj.io/'));
      if (!enabled || o.kind === 'Deployment') {
        expect(argoKeys, `${o.kind}`).toEqual([]);
        continue;
      }
      expect(a['argocd.argoproj.io/hook']).toBe('PreSync');
      expect(a['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
      expect(a['argocd.argoproj.io/sync-wave']).toBe(a['helm.sh/hook-weight']);
    }
  });
});

// ---- the Job --------------------------------------------------------------------------------------

describe('helm template: the migration Job', () => {
  it('defaults: image pgshift:<appVersion> IfNotPresent, no args (= up), backoffLimit 3, activeDeadlineSeconds 900, no TTL, restartPolicy Never', () => {
    const r = rendered.defaults;
    const spec = at(job(r), 'spec') as Obj;
    expect(spec.backoffLimit).toBe(3);
    expect(spec.activeDeadlineSeconds).toBe(900);
    expect('ttlSecondsAfterFinished' in spec).toBe(false);
    expect(jobPod(r).restartPolicy).toBe('Never');
    const c = jobContainer(r);
    expect(c.image).toBe(`pgshift:${PKG.version}`);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toBeUndefined();
    expect(c.command).toBeUndefined(); // the image's ENTRYPOINT (pgshift) runs
  });

  it('ttl and job settings from values; args passed through', () => {
    expect(at(job(rendered.ttl), 'spec', 'ttlSecondsAfterFinished')).toBe(86400);
    const e = rendered.everything;
    expect(at(job(e), 'spec', 'backoffLimit')).toBe(5);
    expect(at(job(e), 'spec', 'activeDeadlineSeconds')).toBe(2400);
    expect(jobContainer(e).args).toEqual(['up', '--strict']);
    expect(jobContainer(e).image).toBe('registry.example.com/shop-migrations:2.3.1');
    expect(jobContainer(e).imagePullPolicy).toBe('Always');
    expect(annotations(job(e))['example.com/owner']).toBe('payments');
  });

  it('image.digest pins the image', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const r = await render('digest', { database: { url: DB_URL }, image: { repository: 'registry.example.com/m', digest } });
    expect(jobContainer(r).image).toBe(`registry.example.com/m@${digest}`);
  });

  it.each(CASE_NAMES)('%s: podFailurePolicy fails the Job on 1, 2, 3, 6, 70, ignores disruptions; 4, 5, 143 count against backoffLimit', (name) => {
    const r = rendered[name];
    const policy = at(job(r), 'spec', 'podFailurePolicy');
    expect(policy).toEqual({
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'migrate', operator: 'In', values: [1, 2, 3, 6, 70] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    });
    // The rule names the container that really runs pgshift.
    expect(jobContainer(r).name).toBe('migrate');
    // Retryable codes appear in no rule (they fall through to the default: count against backoffLimit).
    const codes = JSON.stringify(policy);
    for (const retryable of [4, 5, 130, 143]) expect(codes).not.toMatch(new RegExp(`\\b${retryable}\\b`));
    expect(jobPod(r).restartPolicy).toBe('Never'); // podFailurePolicy requires it
  });

  it('job.podFailurePolicy.enabled=false drops it (clusters without the feature)', async () => {
    const r = await render('no-pfp', { database: { url: DB_URL }, job: { podFailurePolicy: { enabled: false } } });
    expect(at(job(r), 'spec', 'podFailurePolicy')).toBeUndefined();
  });

  it.each(CASE_NAMES)('%s: termination message at /dev/termination-log, FallbackToLogsOnError, TERMINATION_LOG matches', (name) => {
    for (const c of pgshiftContainers(rendered[name])) {
      expect(c.terminationMessagePath).toBe('/dev/termination-log');
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
      expect(envValue(c, 'TERMINATION_LOG')).toBe('/dev/termination-log');
    }
  });

  it('env: values.env rendered as plain strings, empty ones left out, extraEnv passed through', () => {
    const d = jobContainer(rendered.defaults);
    expect(envOf(d).map((e) => e.name)).toEqual([
      'DATABASE_URL_FILE',
      'MIGRATIONS_DIR',
      'TERMINATION_LOG',
      'AWAIT_TIMEOUT',
      'DB_WAIT_TIMEOUT',
      'LOCK_TIMEOUT',
      'LOG_FORMAT',
      'LOG_LEVEL',
    ]);
    expect(envValue(d, 'LOG_FORMAT')).toBe('json');
    expect(envValue(d, 'LOCK_TIMEOUT')).toBe('10m');
    expect(envValue(d, 'MIGRATIONS_DIR')).toBe('/migrations');
    const e = jobContainer(rendered.everything);
    expect(envValue(e, 'MIGRATIONS_SCHEMA')).toBe('kb');
    expect(envValue(e, 'MIGRATION_LOCK_RETRIES')).toBe('5');
    expect(envValue(e, 'POSTGRES_HOST')).toBe('db.prod.svc');
    expect(envValue(e, 'POSTGRES_PORT')).toBe('6432');
    expect(envValue(e, 'POSTGRES_USER')).toBe('shop');
    expect(envValue(e, 'POSTGRES_DB')).toBe('shop');
    expect(envValue(e, 'PGSSLMODE')).toBe('verify-full');
    expect(envValue(e, 'PGCONNECT_TIMEOUT')).toBe('10');
    for (const v of envOf(e)) expect(typeof (v.value ?? ''), String(v.name)).toBe('string');
  });
});

// ---- security -------------------------------------------------------------------------------------

describe('helm template: security', () => {
  it.each(CASE_NAMES)('%s: every pod passes the Pod Security "restricted" rules (our re-implementation, not the admission controller)', (name) => {
    for (const { owner, spec } of podSpecs(rendered[name])) expect(restrictedViolations(spec), owner).toEqual([]);
  });

  it('the restricted-rules check catches a violation (control)', () => {
    const spec = structuredClone(jobPod(rendered.defaults)) as Obj;
    const c = list(spec.containers)[0] as Obj;
    c.securityContext = { ...(c.securityContext as Obj), allowPrivilegeEscalation: true };
    spec.volumes = [...list(spec.volumes), { name: 'host', hostPath: { path: '/' } }];
    expect(restrictedViolations(spec)).toEqual([
      'volume host: type hostPath not allowed',
      'container migrate: allowPrivilegeEscalation must be false',
    ]);
  });

  it.each(CASE_NAMES)('%s: restricted securityContext fields, writable /tmp emptyDir, no service account token, resources', (name) => {
    const r = rendered[name];
    for (const { owner, spec } of podSpecs(r)) {
      expect(spec.automountServiceAccountToken, owner).toBe(false);
      expect(spec.securityContext, owner).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(list(spec.volumes).find((v) => v.name === 'tmp'), owner).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
      for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
        expect(c.securityContext, `${owner} ${String(c.name)}`).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(list(c.volumeMounts).find((m) => m.mountPath === '/tmp')?.name).toBe('tmp');
      }
    }
    for (const c of pgshiftContainers(r)) {
      const expected = name === 'everything' ? CASES.everything.resources : { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
      expect(c.resources).toEqual(expected);
    }
  });

  it.each(CASE_NAMES)('%s: the database secret is never a plain env value, only a mounted file (*_FILE)', (name) => {
    const r = rendered[name];
    const secret = find(r, 'Secret')[0];
    // No rendered object but the Secret carries the secret text.
    for (const o of r.objects.filter((x) => x.kind !== 'Secret')) {
      const json = JSON.stringify(o);
      for (const s of SECRET_STRINGS) expect(json.includes(s), `${o.kind}/${o.metadata.name} contains a secret`).toBe(false);
    }
    for (const { owner, spec } of podSpecs(r)) {
      for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
        for (const e of envOf(c)) {
          if (SECRET_ENV_NAMES.includes(String(e.name))) expect(e.value, `${owner} ${String(c.name)} ${String(e.name)}`).toBeUndefined();
        }
      }
    }
    for (const c of pgshiftContainers(r)) {
      const fileVars = envOf(c).filter((e) => e.name === 'DATABASE_URL_FILE' || e.name === 'POSTGRES_PASSWORD_FILE');
      expect(fileVars).toHaveLength(1);
      const fileVar = fileVars[0] as Obj;
      // The path points into the read-only secret mount, at the projected item.
      const mount = list(c.volumeMounts).find((m) => m.name === 'database') as Obj;
      expect(mount.readOnly).toBe(true);
      const volume = list(podSpecs(r)[0]?.spec.volumes).find((v) => v.name === 'database') as Obj;
      const item = list(at(volume, 'secret', 'items'))[0] as Obj;
      expect(fileVar.value).toBe(`${String(mount.mountPath)}/${String(item.path)}`);
      expect(at(volume, 'secret', 'defaultMode')).toBe(0o440);
      // …and the item's key is the one holding that kind of secret.
      const db = (CASES[name] as { database: Obj }).database;
      const existing = db.existingSecret as Obj | undefined;
      if (existing) {
        expect(at(volume, 'secret', 'secretName')).toBe(existing.name);
        expect(item.key).toBe(existing.key);
        expect(fileVar.name).toBe(existing.contains === 'password' ? 'POSTGRES_PASSWORD_FILE' : 'DATABASE_URL_FILE');
      } else {
        expect(at(volume, 'secret', 'secretName')).toBe(secret?.metadata.name);
        expect(at(secret, 'stringData', String(item.key))).toBe(db.url ?? db.password);
        expect(fileVar.name).toBe(db.url ? 'DATABASE_URL_FILE' : 'POSTGRES_PASSWORD_FILE');
      }
    }
  });
});

// ---- migrations source and the app example -----------------------------------------------------

describe('helm template: migrations and the app initContainer', () => {
  it('default: migrations baked into the image (no ConfigMap, nothing mounted over /migrations)', () => {
    const r = rendered.defaults;
    expect(find(r, 'ConfigMap')).toEqual([]);
    expect(list(jobPod(r).volumes).map((v) => v.name)).toEqual(['tmp', 'database']);
    expect(envValue(jobContainer(r), 'MIGRATIONS_DIR')).toBe('/migrations');
  });

  it('migrations.configMap: a hook ConfigMap with the files, mounted read-only at /migrations', () => {
    const r = rendered.configMapMigrations;
    const cms = find(r, 'ConfigMap');
    expect(cms).toHaveLength(1);
    expect(at(cms[0], 'data')).toEqual(MIGRATION_FILES);
    const volume = list(jobPod(r).volumes).find((v) => v.name === 'migrations');
    expect(at(volume, 'configMap', 'name')).toBe(cms[0]?.metadata.name);
    expect(list(jobContainer(r).volumeMounts).find((m) => m.name === 'migrations')).toEqual({ name: 'migrations', mountPath: '/migrations', readOnly: true });
  });

  it('migrations.configMap.files from --set-file keeps the file byte for byte', async () => {
    const sql = "-- quotes ' \" $$ and a trailing newline\nSELECT $$a;b$$;\n";
    const file = join(GENERATED, '20251020_from_file.sql');
    writeFileSync(file, sql);
    const r = await render('set-file', { database: { url: DB_URL }, migrations: { configMap: { enabled: true } } }, [
      '--set-file',
      `migrations.configMap.files.20251020_from_file\\.sql=${file}`,
    ]);
    expect(at(find(r, 'ConfigMap')[0], 'data')).toEqual({ '20251020_from_file.sql': sql });
  });

  it('app.enabled=false (default) renders no Deployment', () => {
    expect(find(rendered.defaults, 'Deployment')).toEqual([]);
  });

  it.each(['appInitContainer', 'everything'] as const)('%s: the Deployment initContainer runs `pgshift await` with the Job\'s image, env, mounts, securityContext', (name) => {
    const r = rendered[name];
    const deployments = find(r, 'Deployment');
    expect(deployments).toHaveLength(1);
    const pod = at(deployments[0], 'spec', 'template', 'spec') as Obj;
    const inits = list(pod.initContainers);
    expect(inits).toHaveLength(1);
    const init = inits[0] as Obj;
    const migrate = jobContainer(r);
    expect(init.args).toEqual(['await']);
    for (const field of ['image', 'imagePullPolicy', 'env', 'volumeMounts', 'securityContext', 'resources', 'terminationMessagePath']) {
      expect(init[field], field).toEqual(migrate[field]);
    }
    expect(pod.volumes).toEqual(jobPod(r).volumes);
    // The app container itself gets neither the migration secret nor the pgshift env.
    const app = list(pod.containers)[0] as Obj;
    expect(app.image).toBe('registry.example.com/shop:2.3.1');
    expect(list(app.volumeMounts).map((m) => m.name)).toEqual(['tmp']);
    expect(app.env).toBeUndefined();
    // The selector matches the pod labels.
    expect(at(deployments[0], 'spec', 'template', 'metadata', 'labels')).toMatchObject(at(deployments[0], 'spec', 'selector', 'matchLabels') as Obj);
  });
});

// ---- bad values --------------------------------------------------------------------------------

const SCHEMA_ERROR = "values don't meet the specifications of the schema(s)";
const BAD_VALUES: Array<[string, Values, string]> = [
  ['job.backoffLimit: -1', { database: { url: DB_URL }, job: { backoffLimit: -1 } }, 'job.backoffLimit: Must be greater than or equal to 0'],
  ['image.pullPolicy: Sometimes', { database: { url: DB_URL }, image: { pullPolicy: 'Sometimes' } }, 'image.pullPolicy must be one of the following'],
  ['an unknown top-level key', { database: { url: DB_URL }, replicaCount: 2 }, 'Additional property replicaCount is not allowed'],
  ['no database settings at all', {}, 'database: Must validate at least one schema (anyOf)'],
  ['a misspelled env key', { database: { url: DB_URL }, env: { LOCK_TIMOUT: '5m' } }, 'Additional property LOCK_TIMOUT is not allowed'],
  ['env.LOG_FORMAT: yaml', { database: { url: DB_URL }, env: { LOG_FORMAT: 'yaml' } }, 'env.LOG_FORMAT must be one of the following'],
  ['env.LOCK_TIMEOUT: 10 minutes', { database: { url: DB_URL }, env: { LOCK_TIMEOUT: '10 minutes' } }, 'env.LOCK_TIMEOUT: Does not match pattern'],
  ['job.activeDeadlineSeconds: 0', { database: { url: DB_URL }, job: { activeDeadlineSeconds: 0 } }, 'job.activeDeadlineSeconds: Must be greater than or equal to 1'],
  ['job.ttlSecondsAfterFinished: -5', { database: { url: DB_URL }, job: { ttlSecondsAfterFinished: -5 } }, 'job.ttlSecondsAfterFinished: Must be greater than or equal to 0'],
  ['job.backoffLimit as a string', { database: { url: DB_URL }, job: { backoffLimit: '3' } }, 'job.backoffLimit: Invalid type. Expected: integer, given: string'],
  ['database.url not a postgres URL', { database: { url: 'mysql://x@y/z' } }, 'database.url: Does not match pattern'],
  ['existingSecret.name without key', { database: { existingSecret: { name: 'shop-db' } } }, 'database.existingSecret.key: String length must be greater than or equal to 1'],
  ['existingSecret holding a password but no host', { database: { existingSecret: { name: 'shop-db', key: 'pw', contains: 'password' } } }, 'database.host: String length must be greater than or equal to 1'],
  ['a password as a plain extraEnv value', { database: { url: DB_URL }, extraEnv: [{ name: 'PGPASSWORD', value: 'x' }] }, 'extraEnv.0: valueFrom is required'],
  ['DATABASE_URL in extraEnv (the chart sets DATABASE_URL_FILE)', { database: { url: DB_URL }, extraEnv: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, 'extraEnv.0.name: Must not validate the schema (not)'],
  ['env.MIGRATIONS_SCHEMA not an identifier', { database: { url: DB_URL }, env: { MIGRATIONS_SCHEMA: 'kb; drop' } }, 'env.MIGRATIONS_SCHEMA: Does not match pattern'],
  ['app.enabled without an app image', { database: { url: DB_URL }, app: { enabled: true } }, 'app.image.repository: String length must be greater than or equal to 1'],
  ['a bad migrations file name', { database: { url: DB_URL }, migrations: { configMap: { enabled: true, files: { 'a b.sql': 'x' } } } }, 'migrations.configMap.files'],
];

const BAD_COMBINATIONS: Array<[string, Values, string]> = [
  [
    'activeDeadlineSeconds not above DB_WAIT_TIMEOUT + LOCK_TIMEOUT',
    { database: { url: DB_URL }, job: { activeDeadlineSeconds: 600 } },
    'job.activeDeadlineSeconds (600) must exceed DB_WAIT_TIMEOUT + LOCK_TIMEOUT (660 s)',
  ],
  ['LOCK_TIMEOUT raised past the default deadline', { database: { url: DB_URL }, env: { LOCK_TIMEOUT: '30m' } }, 'job.activeDeadlineSeconds (900) must exceed DB_WAIT_TIMEOUT + LOCK_TIMEOUT (1860 s)'],
  ['database.url and database.password', { database: { url: DB_URL, password: 'x' } }, 'set either database.url or database.password, not both'],
  ['existingSecret and database.url', { database: { url: DB_URL, existingSecret: { name: 's', key: 'k' } } }, 'set either database.existingSecret.name or database.url/database.password'],
];

describe('helm template: bad values fail before anything reaches a cluster', () => {
  it.each(BAD_VALUES)('schema rejects %s', async (label, values, message) => {
    const result = await runHelm(['template', RELEASE, CHART, '-f', writeValues(`bad-${label.replace(/[^a-z0-9]+/gi, '-')}`, values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(SCHEMA_ERROR);
    expect(result.stderr).toContain(message);
  });

  it.each(BAD_COMBINATIONS)('template refuses %s', async (label, values, message) => {
    const result = await runHelm(['template', RELEASE, CHART, '-f', writeValues(`bad-${label.replace(/[^a-z0-9]+/gi, '-')}`, values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('a --set on the command line is checked too', async () => {
    const result = await runHelm(['template', RELEASE, CHART, '--set', `database.url=${DB_URL}`, '--set', 'image.pullPolicy=Sometimes']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('image.pullPolicy must be one of the following');
  });

  it('a longer LOCK_TIMEOUT with a matching deadline renders (durations as pgshift reads them: 1.5s, 1h)', async () => {
    const r = await render('long-lock', { database: { url: DB_URL }, env: { DB_WAIT_TIMEOUT: '1.5s', LOCK_TIMEOUT: '1h' }, job: { activeDeadlineSeconds: 3603 } });
    expect(at(job(r), 'spec', 'activeDeadlineSeconds')).toBe(3603);
    const tooShort = await runHelm(['template', RELEASE, CHART, '-f', writeValues('long-lock-short', { ...r.values, job: { activeDeadlineSeconds: 3602 } })]);
    expect(tooShort.stderr).toContain('job.activeDeadlineSeconds (3602) must exceed DB_WAIT_TIMEOUT + LOCK_TIMEOUT (3602 s)');
  });
});

// ---- Kubernetes schemas -------------------------------------------------------------------------

describe('rendered objects against Kubernetes schemas (offline: kubernetes-models@4, kubernetes-types@1.30 + tsc)', () => {
  it.each(CASE_NAMES)('%s: every object passes kubernetes-models validate() (types, enums, required fields)', (name) => {
    const r = rendered[name];
    expect(r.objects.length).toBeGreaterThan(0);
    for (const o of r.objects) {
      expect(RENDERABLE_KINDS).toContain(o.kind);
      expect(o.metadata.namespace).toBe(NAMESPACE);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      expect(() => validateWithModels(o)).not.toThrow();
    }
  });

  it('kubernetes-models rejects a wrong type and a wrong enum (control), but not a misspelled field (why tsc is needed too)', () => {
    const j = job(rendered.defaults);
    const wrongType = structuredClone(j);
    (wrongType.spec as Obj).backoffLimit = '3';
    expect(() => validateWithModels(wrongType)).toThrow(/backoffLimit must be integer/);
    const wrongEnum = structuredClone(j);
    (at(wrongEnum, 'spec', 'podFailurePolicy', 'rules', 0) as Obj).action = 'FailFast';
    expect(() => validateWithModels(wrongEnum)).toThrow(/action must be equal to one of the allowed values/);
    const misspelled = renameKey(j, ['spec', 'template', 'spec'], 'restartPolicy', 'restartPolicyy');
    expect(() => validateWithModels(misspelled)).not.toThrow();
  });

  it('every object of every value set, as `{…} satisfies <Kind>`, passes tsc --noEmit', async () => {
    const objects = CASE_NAMES.flatMap((name) => rendered[name].objects.map((object, i) => ({ id: `${name}_${i}`, object })));
    const result = await typecheck('rendered', objects);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('tsc catches misspelled field names (control): restartPolicyy, readOnlyRootFileSystem, onExitCode', async () => {
    const j = job(rendered.everything);
    const result = await typecheck('misspelled', [
      { id: 'restartPolicyy', object: renameKey(j, ['spec', 'template', 'spec'], 'restartPolicy', 'restartPolicyy') },
      { id: 'readOnlyRootFileSystem', object: renameKey(j, ['spec', 'template', 'spec', 'containers', 0, 'securityContext'], 'readOnlyRootFilesystem', 'readOnlyRootFileSystem') },
      { id: 'onExitCode', object: renameKey(j, ['spec', 'podFailurePolicy', 'rules', 0], 'onExitCodes', 'onExitCode') },
    ]);
    expect(result.code).not.toBe(0);
    const expected = { restartPolicyy: 'PodSpec', readOnlyRootFileSystem: 'SecurityContext', onExitCode: 'PodFailurePolicyRule' };
    for (const [field, type] of Object.entries(expected)) {
      expect(result.output).toMatch(
        new RegExp(`objects\\.ts\\(\\d+,\\d+\\): error TS2353: Object literal may only specify known properties, and '"${field}"' does not exist in type '${type}'`),
      );
    }
    expect(result.output.trim().split('\n')).toHaveLength(3);
  });
});

// ---- NOTES.txt ----------------------------------------------------------------------------------

describe('NOTES.txt', () => {
  it('says how to read the Job logs and termination message, and what every exit code does', async () => {
    const notes = await renderNotes({ database: { url: DB_URL } });
    expect(notes).toContain(`kubectl -n ${NAMESPACE} logs job/${RELEASE}-pgshift-migrate`);
    expect(notes).toContain('state.terminated.message');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '5 ', '6 ', '70 ', '143/130']) expect(notes).toMatch(new RegExp(`^  ${code}`, 'm'));
    expect(notes).toContain('not removed by `helm uninstall`');
    expect(notes).not.toContain(DB_URL);
  });

  it('mentions the app initContainer and Argo CD when enabled', async () => {
    const notes = await renderNotes(CASES.everything);
    expect(notes).toContain('-c await-migrations');
    expect(notes).toContain('PreSync');
  });
});

// ---- docs/KUBERNETES.md ------------------------------------------------------------------------

describe('docs/KUBERNETES.md: its copy-paste manifests are valid too', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'KUBERNETES.md'), 'utf8');
  // YAML 1.1, as kubectl reads it (`defaultMode: 0440` is octal there).
  const manifests = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => parse(m[1] ?? '', { version: '1.1' }) as K8sObject)
    .filter((o) => typeof o?.kind === 'string');

  it('holds the plain Job, the await Deployment and the fleet\'s Indexed Job (its own checks: helm-fleet.test.ts)', () => {
    expect(manifests.map((o) => o.kind)).toEqual(['Job', 'Deployment', 'Job']);
  });

  it('they pass kubernetes-models, tsc `satisfies`, and the restricted rules; the Job has the chart\'s podFailurePolicy', async () => {
    for (const o of manifests) {
      expect(() => validateWithModels(o)).not.toThrow();
      expect(restrictedViolations(at(o, 'spec', 'template', 'spec')), o.kind).toEqual([]);
    }
    const result = await typecheck('docs', manifests.map((object, i) => ({ id: `docs_${i}`, object })));
    expect(result.output).toBe('');
    const docJob = manifests[0] as K8sObject;
    expect(at(docJob, 'spec', 'podFailurePolicy')).toEqual(at(job(rendered.defaults), 'spec', 'podFailurePolicy'));
    expect(at(docJob, 'spec', 'template', 'spec', 'volumes', 1, 'secret', 'defaultMode')).toBe(0o440);
    const init = at(manifests[1], 'spec', 'template', 'spec', 'initContainers', 0) as Obj;
    expect(init.args).toEqual(['await']);
  });
});

describe('NOT tested here: needs a live Kubernetes cluster, which this machine does not have', () => {
  it.todo('Helm creates the Secret/ConfigMap hooks before the Job and waits for the Job to complete');
  it.todo('the API server admits the objects (helm install --dry-run=server, Pod Security admission)');
  it.todo('the Job fails at once on exit 1/2/3/6/70 and retries 4/5/143 up to backoffLimit (podFailurePolicy at work)');
  it.todo('activeDeadlineSeconds and ttlSecondsAfterFinished take effect; the termination message shows in kubectl describe pod');
  it.todo('the app pods stay in Init until `pgshift await` sees every migration applied');
  it.todo('Argo CD runs the PreSync hooks in sync-wave order');
});
