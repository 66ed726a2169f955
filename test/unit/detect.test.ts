import { describe, expect, it } from 'vitest';
import { chooseHistory, classify, type FoundHistory } from '../../src/detect.js';
import { ConfigError, PlanRejectedError } from '../../src/errors.js';

describe('classify: which history a table is, by schema, name and columns', () => {
  it.each([
    ['kb', 'schema_migrations', ['id', 'filename', 'applied_at'], 'earlier-script'],
    ['kb', 'schema_migrations', ['id', 'filename', 'applied_at', 'checksum', 'execution_time_ms', 'success', 'error_message'], 'earlier-script'],
    ['public', 'schema_migrations', ['id', 'filename', 'applied_at', 'checksum'], 'pgshift'],
    ['ops', 'migration_log', ['id', 'filename', 'applied_at', 'checksum', 'execution_time_ms', 'success', 'error_message'], 'pgshift'],
    ['public', 'uploads', ['id', 'filename', 'applied_at', 'owner_id'], undefined],
    ['public', 'flyway_schema_history', ['installed_rank', 'version', 'description', 'type', 'script', 'checksum', 'installed_by', 'installed_on', 'execution_time', 'success'], 'flyway'],
    ['public', 'schema_migrations', ['version', 'dirty'], 'golang-migrate'],
    ['public', 'schema_migrations', ['version'], 'dbmate'],
    ['public', 'schema_migrations', ['version', 'name', 'run_at'], undefined],
    ['public', 'goose_db_version', ['id', 'version_id', 'is_applied', 'tstamp'], 'goose'],
    ['public', '_prisma_migrations', ['id', 'checksum', 'finished_at', 'migration_name', 'logs', 'rolled_back_at', 'started_at', 'applied_steps_count'], 'prisma'],
    ['public', '__diesel_schema_migrations', ['version', 'run_on'], 'diesel'],
    ['public', 'pgmigrations', ['id', 'name', 'run_on'], 'node-pg-migrate'],
    ['public', 'pgmigrations', ['id', 'note'], undefined],
    ['sqitch', 'changes', ['change_id', 'script_hash', 'change', 'project', 'note', 'committed_at'], 'sqitch'],
    ['public', 'changes', ['change_id', 'script_hash', 'change', 'project'], undefined],
    ['public', 'schemaversion', ['version', 'name', 'md5', 'run_at'], 'postgrator'],
    ['graphile_migrate', 'migrations', ['hash', 'previous_hash', 'filename', 'date'], 'graphile-migrate'],
  ])('%s.%s %j → %s', (schema, table, columns, tool) => expect(classify(schema, table, columns)).toBe(tool));
});

const earlier: FoundHistory = { schema: 'kb', table: 'schema_migrations', tool: 'earlier-script', readable: true };
const flyway: FoundHistory = { schema: 'public', table: 'flyway_schema_history', tool: 'flyway', readable: true };
const dbmate: FoundHistory = { schema: 'app', table: 'schema_migrations', tool: 'dbmate', readable: true };
const settings = (history: 'found' | 'set' | 'new') => ({ display: 'public.schema_migrations', history });
const outcome = (found: FoundHistory[], history: 'found' | 'set' | 'new'): string => {
  try {
    const c = chooseHistory(found, settings(history));
    return c.action === 'create' ? `create${c.warnings.length ? ' (warned)' : ''}` : `use ${c.found.schema}.${c.found.table}`;
  } catch (err) {
    if (err instanceof PlanRejectedError) return `exit 6: ${err.message.split('\n').slice(1).join(' | ')}`;
    if (err instanceof ConfigError) return 'exit 3';
    throw err;
  }
};

describe('chooseHistory: a fresh history only when nothing is found or HISTORY=new says so', () => {
  it.each([
    [[], 'found', 'create'],
    [[], 'set', 'create'],
    [[earlier], 'found', 'use kb.schema_migrations'],
    [[{ ...earlier, readable: false }], 'found', 'exit 3'],
    [[earlier], 'set', 'exit 6:   kb.schema_migrations: to keep using it, set MIGRATIONS_SCHEMA=kb |   to start a new, empty history anyway (every file in MIGRATIONS_DIR is then applied), set HISTORY=new for this run'],
    [[earlier], 'new', 'create (warned)'],
    [[flyway], 'found', 'exit 6:   public.flyway_schema_history: to carry its applied migrations over without running them, run: pgshift import --from flyway |   to start a new, empty history anyway (every file in MIGRATIONS_DIR is then applied), set HISTORY=new for this run'],
    [[flyway], 'set', expect.stringMatching(/^exit 6: .*pgshift import --from flyway/)],
    [[flyway], 'new', 'create (warned)'],
    [[dbmate], 'found', expect.stringMatching(/app\.schema_migrations: .*run: pgshift import --from dbmate \|/)],
    [[{ ...flyway, readable: false }], 'found', expect.stringMatching(/pgshift import --from flyway \(the role may not read it: GRANT USAGE ON SCHEMA public and SELECT ON public.flyway_schema_history to it first\)/)],
    [[earlier, flyway], 'found', expect.stringMatching(/^exit 6: .*MIGRATIONS_SCHEMA=kb \|.*--from flyway/)],
    [[{ ...earlier, schema: 'KB', tool: 'pgshift' }], 'found', expect.stringMatching(/set MIGRATIONS_SCHEMA='"KB"'/)],
  ] as const)('%j with %s → %s', (found, history, expected) => expect(outcome([...found], history)).toEqual(expected));
});
