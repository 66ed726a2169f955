// Fleet shards as Kubernetes runs them (issue 14): the chart renders the Indexed Job; here each of its
// pods is a process of the built CLI with the Job container's own environment (the chart's mount
// paths moved to local folders) and the JOB_COMPLETION_INDEX Kubernetes would set. Which targets a pod
// handled is read from its `fleet.target` events (JSON lines on stdout, as in a container).
// Asserted: every target in exactly one shard, the shard the documented formula gives
// (src/fleet/shard.ts, docs/KUBERNETES.md "Fleets"), a changed list moving no other target, and an
// overlapping pod of the same index (a retry while the first still runs) applying nothing twice.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/fleet/shard.js';
import { at, render, useGeneratedFolder, type Rendered, type Values } from '../shipping/helm-chart.js';
import { jsonLines, writeMigrations, type CliResult } from '../helpers/cli.js';
import { createDatabase, type TestDatabase } from '../helpers/db.js';
import { runCliCheckingSecrets } from '../helpers/suite.js';

useGeneratedFolder('fleet-shards');
const cli = runCliCheckingSecrets();
const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((d) => d.drop()));
});
async function database(): Promise<TestDatabase> {
  const db = await createDatabase();
  created.push(db);
  return db;
}

const FILES = {
  '0001_things.sql': 'CREATE TABLE things (id int PRIMARY KEY);',
  '0002_rows.sql': 'INSERT INTO things VALUES (1), (2);',
  '0003_more.sql': 'ALTER TABLE things ADD COLUMN note text;',
};
let migrations: string;
beforeAll(async () => {
  migrations = await writeMigrations(FILES);
});

/** The chart's paths inside the pod → where this test keeps them. */
type Mounts = Record<string, string>;

/** The Job container's environment as pod `index` gets it: the chart's values with mount paths moved, plus JOB_COMPLETION_INDEX. */
function podEnv(r: Rendered, index: number, mounts: Mounts): Record<string, string> {
  const jobs = r.objects.filter((o) => o.kind === 'Job');
  expect(jobs).toHaveLength(1);
  const env: Record<string, string> = {};
  for (const e of at(jobs[0], 'spec', 'template', 'spec', 'containers', 0, 'env') as Array<{ name: string; value?: string }>) {
    expect(e.value, `${e.name} is a plain value in these value sets`).toBeTypeOf('string');
    const from = Object.keys(mounts).find((m) => e.value === m || e.value!.startsWith(`${m}/`));
    env[e.name] = from === undefined ? e.value! : mounts[from] + e.value!.slice(from.length);
  }
  env.JOB_COMPLETION_INDEX = String(index);
  return env;
}

/** Local folders standing in for one pod's mounts (its own termination log, the shared secrets). */
async function podMounts(secrets: Mounts): Promise<Mounts> {
  const own = await mkdtemp(join(tmpdir(), 'pgshift-pod-'));
  return { ...secrets, '/migrations': migrations, '/dev/termination-log': join(own, 'termination-log') };
}

/** A mounted Secret: a folder holding one file. */
async function secretFolder(file: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-secret-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

/** Runs the Job's `shards` pods at once (the chart's args: none, i.e. `up`); returns each pod's result. */
async function runPods(r: Rendered, shards: number, secrets: Mounts, indexes = Array.from({ length: shards }, (_, i) => i)): Promise<CliResult[]> {
  return Promise.all(indexes.map(async (i) => cli.run([], podEnv(r, i, await podMounts(secrets)))));
}

/** target → status, from a pod's `fleet.target` events. */
function handled(result: CliResult): Map<string, string> {
  const events = jsonLines(result.stdout);
  return new Map(events.filter((e) => e.event === 'fleet.target').map((e) => [String(e.target), String(e.status)]));
}

/** Asserts every pod exited 0, each ran exactly the targets the formula gives its index, and together every target once. */
function expectPartition(results: CliResult[], names: string[], shards: number): Array<Map<string, string>> {
  const perPod = results.map((r, index) => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const start = jsonLines(r.stdout).find((e) => e.event === 'fleet.start');
    expect(start).toMatchObject({ shard: index, shards, listed: names.length });
    const mine = handled(r);
    expect([...mine.keys()].sort(), `pod ${index}`).toEqual(names.filter((n) => shardOf(n, shards) === index).sort());
    return mine;
  });
  const all = perPod.flatMap((m) => [...m.keys()]);
  expect(all.length).toBe(new Set(all).size);
  expect([...all].sort()).toEqual([...names].sort());
  return perPod;
}

async function historyOf(db: TestDatabase, schema = 'public'): Promise<Array<{ filename: string; success: boolean }>> {
  return db.query(`SELECT filename, success FROM ${schema}.schema_migrations ORDER BY id`);
}
const APPLIED = Object.keys(FILES).map((filename) => ({ filename, success: true }));

describe('fleet shards as the Indexed Job\'s pods run them', () => {
  it('schema per tenant, 3 shards: every schema in exactly one pod, the documented shard; each file applied once', async () => {
    const db = await database();
    const schemas = Array.from({ length: 24 }, (_, i) => `tenant_${String(i).padStart(2, '0')}`);
    const values: Values = { database: { url: db.url }, fleet: { enabled: true, shards: 3, concurrency: 2, schemas: { list: schemas } } };
    const chart = await render('schemas', values);
    const secrets = { '/var/run/secrets/pgshift': await secretFolder('database-url', db.url) };
    const perPod = expectPartition(await runPods(chart, 3, secrets), schemas, 3);
    for (const pod of perPod) for (const status of pod.values()) expect(status).toBe('applied');
    for (const s of schemas) expect(await historyOf(db, s)).toEqual(APPLIED);
    // Every shard got some of 24 targets (the hash spreads them).
    for (const pod of perPod) expect(pod.size).toBeGreaterThan(0);

    // The Job re-run (next release, or a retried index): the same partition, nothing to do.
    const again = expectPartition(await runPods(chart, 3, secrets), schemas, 3);
    for (const pod of again) for (const status of pod.values()) expect(status).toBe('upToDate');
    for (const s of schemas) expect(await historyOf(db, s)).toEqual(APPLIED);
  });

  it('database per tenant from the targets Secret, 2 shards: an added target moves no other target', async () => {
    const dbs = await Promise.all(Array.from({ length: 5 }, () => database()));
    const nameOf = (d: TestDatabase) => `127.0.0.1:${new URL(d.url).port}/${d.name}`;
    const values: Values = { fleet: { enabled: true, shards: 2, targets: { existingSecret: { name: 'tenants', key: 'dsns' } } } };
    const chart = await render('databases', values);
    const targetsSecret = async (list: TestDatabase[]) => ({ '/var/run/secrets/pgshift-fleet': await secretFolder('targets', `# tenants\n${list.map((d) => d.url).join('\n')}\n`) });

    const first = expectPartition(await runPods(chart, 2, await targetsSecret(dbs)), dbs.map(nameOf), 2);
    const shardBefore = new Map(first.flatMap((pod, i) => [...pod.keys()].map((n) => [n, i] as const)));

    const added = await database();
    const grown = [...dbs, added];
    const second = expectPartition(await runPods(chart, 2, await targetsSecret(grown)), grown.map(nameOf), 2);
    second.forEach((pod, i) => {
      for (const [name, status] of pod) {
        if (name === nameOf(added)) expect(status).toBe('applied');
        else expect([shardBefore.get(name), status]).toEqual([i, 'upToDate']);
      }
    });
    for (const d of grown) expect(await historyOf(d)).toEqual(APPLIED);
  });

  it('an overlapping pod of the same index (a retry while the first still runs) applies nothing twice', async () => {
    const db = await database();
    const schemas = Array.from({ length: 8 }, (_, i) => `overlap_${i}`);
    const values: Values = { database: { url: db.url }, fleet: { enabled: true, shards: 2, schemas: { list: schemas } } };
    const chart = await render('overlap', values);
    const secrets = { '/var/run/secrets/pgshift': await secretFolder('database-url', db.url) };
    // Index 0 twice and index 1 once, all at once.
    const [a, b, c] = await runPods(chart, 2, secrets, [0, 0, 1]);
    for (const r of [a!, b!, c!]) expect(r.code, r.stdout + r.stderr).toBe(0);
    const zero = schemas.filter((s) => shardOf(s, 2) === 0);
    expect([...handled(a!).keys()].sort()).toEqual(zero.sort());
    expect([...handled(b!).keys()].sort()).toEqual(zero.sort());
    // Per target, one of the two index-0 pods applied it and the other found it done.
    for (const s of zero) expect([handled(a!).get(s), handled(b!).get(s)].sort()).toEqual(['applied', 'upToDate']);
    for (const s of schemas) expect(await historyOf(db, s)).toEqual(APPLIED);
  });
});
