// Renderers are pure string builders: golden files, regenerated on purpose with UPDATE_GOLDEN=1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan.js';
import { renderEvent, renderJson, renderPlan, renderStatus, planJson } from '../../src/report.js';
import { checksumOf } from '../../src/source/text.js';
import type { HistoryRow, MigrationFile } from '../../src/types.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'report');

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(existsSync(path), `${name} is missing; write it on purpose with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const file = (name: string, over: Partial<MigrationFile> = {}): MigrationFile => ({ version: name.split('_')[0]!, name, path: name, checksum: checksumOf(name), rawChecksum: 'raw', mode: 'transaction', modeReason: 'default: whole file in one transaction', partialRisk: false, statementCount: 1, parts: () => [], ...over });
const row = (id: number, name: string, over: Partial<HistoryRow> = {}): HistoryRow => ({ id, filename: name, appliedAt: '2025-10-18T19:53:41.123456Z', checksum: checksumOf(name), executionTimeMs: 12, success: true, errorMessage: null, ...over });

const files = [
  file('0002_extraction_jobs.sql'),
  file('0003_integrations_system.sql', { checksum: checksumOf('edited') }),
  file('0004_integration_source_tracking.sql'),
  file('20251019_add_user_preferences.sql', { mode: 'no-transaction', modeReason: 'line 3: CREATE INDEX CONCURRENTLY cannot run inside a transaction block', partialRisk: true }),
  file('20251020_wrapped.sql', { mode: 'wrapped', modeReason: 'file wraps itself in BEGIN … COMMIT' }),
];
const rows = [
  row(1, '0002_extraction_jobs.sql'),
  row(2, '0003_integrations_system.sql'),
  row(3, '0004_integration_source_tracking.sql', { success: false, errorMessage: '0004_integration_source_tracking.sql:2:13: ERROR 42P01: relation "nope" does not exist\n2 | …' }),
  row(4, '0001_gone.sql'),
];

describe('human report', () => {
  it('status with every kind of entry', () => golden('status-mixed.txt', renderStatus(buildPlan(files, rows, { strict: false }))));
  it('status lists each file once: modified, unfinished, missing and out-of-order files carry their advice on their own line (11.2)', () => {
    const unfinished = row(5, '0005_nt.sql', { success: false, errorMessage: 'unfinished: stopped partway; 0005_nt.sql: ERROR 22012: division by zero\n1 of 2 statements had taken effect before this one' });
    const plan = buildPlan([file('0000_early.sql'), ...files, file('0005_nt.sql')], [...rows, unfinished], { strict: false });
    golden('status-once.txt', renderStatus(plan));
  });
  it('status of an up-to-date database', () => golden('status-applied.txt', renderStatus(buildPlan([files[0]!], [rows[0]!], { strict: false }))));
  it('plan with modes and the partial-failure warning', () => golden('plan-pending.txt', renderPlan(buildPlan(files.filter((f) => f.name !== '0003_integrations_system.sql'), rows.slice(0, 1), { strict: false }))));
  it('plan with nothing to do', () => golden('plan-none.txt', renderPlan(buildPlan([files[0]!], [rows[0]!], { strict: false }))));
  it('plan refused', () => golden('plan-refused.txt', renderPlan(buildPlan(files, rows, { strict: true }))));
});

describe('log events on a terminal', () => {
  const lines = [
    { level: 30, event: 'run.start', pending: 1 },
    { level: 30, event: 'migration.start', file: '20251019_add_user_preferences.sql' },
    { level: 30, event: 'migration.applied', file: '20251019_add_user_preferences.sql', durationMs: 234 },
    { level: 30, event: 'run.summary', applied: 1, failed: 0, totalApplied: 3 },
    { level: 30, event: 'run.summary', applied: 0, failed: 0, totalApplied: 8 },
    { level: 30, event: 'run.summary', applied: 2, failed: 1, totalApplied: 5 },
    { level: 40, event: 'db.wait', msg: 'database not ready; retrying', attempt: 2, reason: 'connect ECONNREFUSED 127.0.0.1:5432', nextDelayMs: 412 },
    { level: 50, event: 'migration.failed', msg: 'migration failed', file: 'x.sql', sqlstate: '42P01', err: { message: 'x.sql:1:15: ERROR 42P01: relation "nope" does not exist\n1 | SELECT * FROM nope;\n                  ^' } },
    { level: 30, event: 'lock.acquired', msg: 'migration lock acquired', waitedMs: 3 },
  ];
  it('render as the earlier script printed them', () => golden('events.txt', lines.map((l) => renderEvent(l)).join('\n') + '\n'));
});

describe('--json', () => {
  it('has a schemaVersion and the plan', () => golden('plan.json', renderJson('plan', false, { plan: planJson(buildPlan(files, rows, { strict: false })) })));
});
