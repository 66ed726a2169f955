// The history table's names as PostgreSQL reads identifiers, HISTORY, and settings misspelt (#12).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { misspelt } from '../../src/config/misspelt.js';
import { ConfigError } from '../../src/errors.js';

const load = (env: Record<string, string>) => loadConfig(env, { readFile: () => '', readPassFile: () => undefined });

describe('MIGRATIONS_SCHEMA / MIGRATIONS_TABLE fold like unquoted identifiers', () => {
  it.each([
    [{}, 'public.schema_migrations found'],
    [{ MIGRATIONS_SCHEMA: 'KB' }, 'kb.schema_migrations set'],
    [{ MIGRATIONS_SCHEMA: 'Kb', MIGRATIONS_TABLE: 'Schema_Migrations' }, 'kb.schema_migrations set'],
    [{ MIGRATIONS_SCHEMA: '"KB"' }, 'KB.schema_migrations set'],
    [{ MIGRATIONS_TABLE: '"MyHistory"' }, 'public.MyHistory set'],
    [{ MIGRATIONS_SCHEMA: 'public' }, 'public.schema_migrations set'],
    [{ HISTORY: 'new' }, 'public.schema_migrations new'],
    [{ HISTORY: 'NEW', MIGRATIONS_SCHEMA: 'app' }, 'app.schema_migrations new'],
    [{ HISTORY: '' }, 'public.schema_migrations found'],
  ])('%j → %s', (env, expected) => {
    const c = load(env);
    expect(`${c.schema}.${c.table} ${c.history}`).toBe(expected);
  });

  it.each([
    [{ MIGRATIONS_SCHEMA: '"a b"' }, 'MIGRATIONS_SCHEMA: must be a plain identifier: letters, digits and _, not starting with a digit'],
    [{ MIGRATIONS_SCHEMA: '""' }, 'MIGRATIONS_SCHEMA: must be a plain identifier: letters, digits and _, not starting with a digit'],
    [{ MIGRATIONS_SCHEMA: '"KB' }, 'MIGRATIONS_SCHEMA: must be a plain identifier: letters, digits and _, not starting with a digit'],
    [{ MIGRATIONS_TABLE: `"${'x'.repeat(64)}"` }, 'MIGRATIONS_TABLE: must be at most 63 characters'],
    [{ HISTORY: 'fresh' }, 'HISTORY: must be one of: found, new'],
  ])('%j is refused: %s', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    try {
      load(env);
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([message]);
    }
  });
});

describe('a variable one slip away from a setting gets a warning naming the setting', () => {
  it.each([
    ['MIGRATION_SCHEMA', 'MIGRATIONS_SCHEMA'],
    ['MIGRATIONS_DIRECTORY', 'MIGRATIONS_DIR'],
    ['DATABSE_URL', 'DATABASE_URL'],
    ['DATABASE_ULR', 'DATABASE_URL'],
    ['MIGRATION_TABLE', 'MIGRATIONS_TABLE'],
    ['migrations_dir', 'MIGRATIONS_DIR'],
    ['LOCK_TIMEOUTS', 'LOCK_TIMEOUT'],
    ['POSTGRES_PASSWROD', 'POSTGRES_PASSWORD'],
    ['HISTROY', 'HISTORY'],
    ['PGOPTION', 'PGOPTIONS'],
    ['PGTARGETSESSIONATTR', 'PGTARGETSESSIONATTRS'],
    ['PGAPP_NAME', 'PGAPPNAME'],
  ])('%s → %s', (name, meant) => expect(misspelt({ [name]: 'x' })).toEqual([`${name} is not a pgshift setting and is ignored; did you mean ${meant}?`]));

  it.each(['USER', 'HOME', 'PATH', 'HOSTNAME', 'PGAPPNAME', 'PGOPTIONS', 'PGTARGETSESSIONATTRS', 'NODE_ENV', 'POSTGRES_SERVICE_HOST', 'MIGRATIONS_SCHEMA', 'MIGRATION_LOCK_TIMEOUT', 'DATABASE_URL', 'KUBERNETES_PORT', 'LOG_FORMAT'])('%s: no warning', (name) =>
    expect(misspelt({ [name]: 'x' })).toEqual([]));

  it('reaches the Config', () => expect(load({ DATABSE_URL: 'postgres://h/d' }).warnings).toEqual(['DATABSE_URL is not a pgshift setting and is ignored; did you mean DATABASE_URL?']));
});
